import type { Socket } from 'node:net';
import { TcpProxy, type ProxiedPair } from '../support/tcp-proxy.js';

interface FaultPair extends ProxiedPair {
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
export class FaultProxy extends TcpProxy<FaultPair> {
  #partitioned = false;
  latencyMs = 0;

  get partitioned(): boolean {
    return this.#partitioned;
  }

  /** RST on every open connection; returns how many were cut. */
  reset(): number {
    const n = this.pairs.size;
    for (const pair of [...this.pairs]) this.drop(pair);
    return n;
  }

  freeze(): number {
    return this.freezeOpenConnections();
  }

  partition(): void {
    this.#partitioned = true;
    this.freeze();
  }

  heal(): void {
    if (!this.#partitioned) return;
    this.#partitioned = false;
    for (const pair of [...this.pairs]) if (pair.frozen) this.drop(pair);
  }

  protected override newPair(client: Socket): FaultPair {
    return { client, upstream: undefined, frozen: this.#partitioned, nextUp: 0, nextDown: 0 };
  }

  /** An RST both ways, at reset, heal and stop. */
  protected override drop(pair: FaultPair): void {
    this.pairs.delete(pair);
    pair.client.resetAndDestroy();
    // An upstream still connecting cannot be reset (Node would wait for the connect); a plain destroy is enough there.
    if (pair.upstream?.connecting) pair.upstream.destroy();
    else pair.upstream?.resetAndDestroy();
  }

  protected override forward(pair: FaultPair, chunk: Buffer, to: Socket, direction: 'up' | 'down'): void {
    if (pair.frozen) return;
    const lane = direction === 'up' ? 'nextUp' : 'nextDown';
    const now = Date.now();
    if (this.latencyMs === 0 && pair[lane] <= now) {
      to.write(chunk);
      return;
    }
    pair[lane] = Math.max(now + this.latencyMs, pair[lane]);
    setTimeout(() => {
      if (!pair.frozen && !to.destroyed) to.write(chunk);
    }, pair[lane] - now).unref();
  }

  /** Chunks still held by the latency reach the client before the close does. */
  protected override upstreamClosed(pair: FaultPair, close: () => void): void {
    const wait = Math.max(0, pair.nextDown - Date.now());
    if (wait === 0) close();
    else setTimeout(close, wait).unref();
  }
}
