import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

/**
 * A TCP proxy that can freeze its open connections: bytes stop flowing both
 * ways but no FIN or RST is sent, the way a dead NAT entry or a paused peer
 * looks to a client. New connections are forwarded normally.
 */
export class FreezingProxy {
  readonly #server: Server;
  readonly #pairs = new Set<{ client: Socket; upstream: Socket; frozen: boolean }>();
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

  get openConnections(): number {
    return this.#pairs.size;
  }

  /** Stops forwarding on every connection open now; they stay open but silent. */
  freezeOpenConnections(): number {
    for (const pair of this.#pairs) pair.frozen = true;
    return this.#pairs.size;
  }

  async stop(): Promise<void> {
    for (const { client, upstream } of this.#pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.#server.close();
    await once(this.#server, 'close').catch(() => undefined);
  }

  #accept(client: Socket): void {
    const upstream = connect(this.targetPort, this.targetHost);
    const pair = { client, upstream, frozen: false };
    this.#pairs.add(pair);
    client.on('data', (chunk: Buffer) => !pair.frozen && upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => !pair.frozen && client.write(chunk));
    const close = (): void => {
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    // A frozen connection stays open towards the client even when the server
    // closes its side: the client must find out by itself that it is dead.
    const upstreamClosed = (): void => {
      if (!pair.frozen) close();
    };
    client.on('close', close).on('error', close);
    upstream.on('close', upstreamClosed).on('error', upstreamClosed);
  }
}
