import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

/** One client connection and its upstream twin. */
export interface ProxiedPair {
  readonly client: Socket;
  /** Undefined while the connection is blackholed from the start (it never reaches the server). */
  upstream: Socket | undefined;
  /** Bytes are dropped both ways and nothing is closed: a dead NAT entry or a paused peer. */
  frozen: boolean;
}

/**
 * A TCP proxy for tests that can freeze its open connections: bytes stop
 * flowing both ways but no FIN or RST is sent, the way a dead NAT entry or a
 * paused peer looks to a client. New connections are forwarded normally.
 * Subclasses (test/chaos/fault-proxy.ts) add faults through the protected hooks.
 */
export class TcpProxy<P extends ProxiedPair = ProxiedPair> {
  readonly #server: Server;
  protected readonly pairs = new Set<P>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {
    this.#server = createServer((client) => this.#accept(client));
  }

  /** Listens on `host` (loopback; the real node's bridge address for its pods). */
  async start(host = '127.0.0.1'): Promise<number> {
    this.#server.listen(0, host);
    await once(this.#server, 'listening');
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    this.port = address.port;
    return this.port;
  }

  get openConnections(): number {
    return this.pairs.size;
  }

  /** Stops forwarding on every connection open now; they stay open but silent. Returns how many froze now. */
  freezeOpenConnections(): number {
    let n = 0;
    for (const pair of this.pairs) {
      if (pair.frozen) continue;
      pair.frozen = true;
      n++;
    }
    return n;
  }

  async stop(): Promise<void> {
    for (const pair of [...this.pairs]) this.drop(pair);
    this.#server.close();
    await once(this.#server, 'close').catch(() => undefined);
  }

  /** A new connection's bookkeeping; frozen from the start means it is never connected upstream. */
  protected newPair(client: Socket): P {
    return { client, upstream: undefined, frozen: false } as P;
  }

  /** Ends a connection at stop. */
  protected drop(pair: P): void {
    this.pairs.delete(pair);
    pair.client.destroy();
    pair.upstream?.destroy();
  }

  /** Delivers one chunk, `up` towards the server or `down` towards the client. */
  protected forward(pair: P, chunk: Buffer, to: Socket, _lane: 'up' | 'down'): void {
    if (!pair.frozen) to.write(chunk);
  }

  /** The server closed its side of a connection that is not frozen. */
  protected upstreamClosed(_pair: P, close: () => void): void {
    close();
  }

  #accept(client: Socket): void {
    const pair = this.newPair(client);
    this.pairs.add(pair);
    const close = (): void => {
      this.pairs.delete(pair);
      client.destroy();
      pair.upstream?.destroy();
    };
    client.on('error', close).on('close', close);
    // A blackholed connection never reaches the server; the client finds out by its own timeout.
    if (pair.frozen) {
      client.on('data', () => undefined);
      return;
    }
    const upstream = connect(this.targetPort, this.targetHost);
    pair.upstream = upstream;
    client.on('data', (chunk: Buffer) => this.forward(pair, chunk, upstream, 'up'));
    upstream.on('data', (chunk: Buffer) => this.forward(pair, chunk, client, 'down'));
    // A frozen connection stays open towards the client even when the server
    // closes its side: the client must find out by itself that it is dead.
    const upstreamClosed = (): void => {
      if (!pair.frozen) this.upstreamClosed(pair, close);
    };
    upstream.on('error', upstreamClosed).on('close', upstreamClosed);
  }
}
