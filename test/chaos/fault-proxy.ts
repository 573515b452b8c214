import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

/** One client connection and its upstream twin. */
interface Pair {
  readonly client: Socket;
  upstream: Socket | undefined;
  /** Bytes are dropped both ways and nothing is closed: a dead NAT entry or a blackhole. */
  dead: boolean;
  /** When each direction may deliver its next chunk; keeps order while latency changes. */
  nextUp: number;
  nextDown: number;
}

/**
 * A TCP proxy between one sidecar and the API server that injects network
 * faults at the byte level, below TLS, the way a real network fails:
 * - latency: every chunk is held `latencyMs` (one way), order kept;
 * - reset: every open connection gets an RST on both sides;
 * - freeze: open connections go silent for good (no FIN, no RST), new ones work;
 * - partition: all traffic of this sidecar is dropped, new connections are
 *   accepted but never reach the server; heal() resets the connections that
 *   lived through it (a peer that retransmitted into the void gives up) and
 *   lets new ones through.
 */
export class FaultProxy {
  readonly #server: Server;
  readonly #pairs = new Set<Pair>();
  #partitioned = false;
  latencyMs = 0;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {
    this.#server = createServer((client) => this.#accept(client));
  }

  async start(): Promise<number> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    this.port = address.port;
    return this.port;
  }

  get partitioned(): boolean {
    return this.#partitioned;
  }

  /** RST on every open connection; returns how many were cut. */
  reset(): number {
    const n = this.#pairs.size;
    for (const pair of [...this.#pairs]) this.#abort(pair);
    return n;
  }

  freeze(): number {
    let n = 0;
    for (const pair of this.#pairs) {
      if (pair.dead) continue;
      pair.dead = true;
      n++;
    }
    return n;
  }

  partition(): void {
    this.#partitioned = true;
    this.freeze();
  }

  heal(): void {
    if (!this.#partitioned) return;
    this.#partitioned = false;
    for (const pair of [...this.#pairs]) if (pair.dead) this.#abort(pair);
  }

  async stop(): Promise<void> {
    for (const pair of [...this.#pairs]) this.#abort(pair);
    this.#server.close();
    await once(this.#server, 'close').catch(() => undefined);
  }

  #abort(pair: Pair): void {
    this.#pairs.delete(pair);
    pair.client.resetAndDestroy();
    // An upstream still connecting cannot be reset (Node would wait for the connect); a plain destroy is enough there.
    if (pair.upstream?.connecting) pair.upstream.destroy();
    else pair.upstream?.resetAndDestroy();
  }

  #accept(client: Socket): void {
    const pair: Pair = { client, upstream: undefined, dead: this.#partitioned, nextUp: 0, nextDown: 0 };
    this.#pairs.add(pair);
    const close = (): void => {
      this.#pairs.delete(pair);
      client.destroy();
      pair.upstream?.destroy();
    };
    client.on('error', close).on('close', close);
    // A blackholed connection never reaches the server; the client finds out by its own timeout.
    if (pair.dead) {
      client.on('data', () => undefined);
      return;
    }
    const upstream = connect(this.targetPort, this.targetHost);
    pair.upstream = upstream;
    client.on('data', (chunk: Buffer) => this.#forward(pair, chunk, upstream, 'nextUp'));
    upstream.on('data', (chunk: Buffer) => this.#forward(pair, chunk, client, 'nextDown'));
    // A frozen connection stays open towards the client even when the server closes its side.
    const upstreamClosed = (): void => {
      if (pair.dead) return;
      const wait = Math.max(0, pair.nextDown - Date.now());
      if (wait === 0) close();
      else setTimeout(close, wait).unref();
    };
    upstream.on('error', upstreamClosed).on('close', upstreamClosed);
  }

  #forward(pair: Pair, chunk: Buffer, to: Socket, lane: 'nextUp' | 'nextDown'): void {
    if (pair.dead) return;
    const now = Date.now();
    if (this.latencyMs === 0 && pair[lane] <= now) {
      to.write(chunk);
      return;
    }
    pair[lane] = Math.max(now + this.latencyMs, pair[lane]);
    setTimeout(() => {
      if (!pair.dead && !to.destroyed) to.write(chunk);
    }, pair[lane] - now).unref();
  }
}
