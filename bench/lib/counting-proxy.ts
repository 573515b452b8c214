import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Agent, request } from 'node:https';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

/** Requests seen per namespace, by kind. Watches count once, when they start. */
export interface Counts {
  get: number;
  list: number;
  watch: number;
  create: number;
  update: number;
  other: number;
  /** Not requests: the events streamed to open watches (one JSON line each). */
  watchEvents: number;
}

const empty = (): Counts => ({ get: 0, list: 0, watch: 0, create: 0, update: 0, other: 0, watchEvents: 0 });

function kindOf(req: IncomingMessage, url: URL): Exclude<keyof Counts, 'watchEvents'> {
  const watching = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
  const named = /\/namespaces\/[^/]+\/[^/]+\/[^/]+$/.test(url.pathname);
  if (req.method === 'GET') return watching ? 'watch' : named ? 'get' : 'list';
  if (req.method === 'POST') return 'create';
  if (req.method === 'PUT' || req.method === 'PATCH') return 'update';
  return 'other';
}

/**
 * A plain-HTTP loopback proxy in front of the real (TLS) kube-apiserver that
 * counts every request a client makes, per namespace, streaming responses
 * through unchanged (watches included). Clients point their kubeconfig at
 * `url` with their usual bearer token. client-go's kubeconfig loader sends no
 * credentials to a plain-http server, so a request without an Authorization
 * header gets `defaultToken`, when one is given.
 */
export class CountingProxy {
  readonly #server: Server;
  readonly #agent = new Agent({ keepAlive: true });
  readonly #counts = new Map<string, Counts>();
  url = '';

  constructor(
    private readonly upstream: string,
    private readonly ca: string,
    private readonly defaultToken?: string,
  ) {
    this.#server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', this.upstream);
      const ns = /\/namespaces\/([^/]+)\//.exec(url.pathname)?.[1] ?? '';
      const counts = this.#counts.get(ns) ?? empty();
      const kind = kindOf(req, url);
      counts[kind]++;
      this.#counts.set(ns, counts);
      const headers = { ...req.headers, host: url.host };
      if (headers.authorization === undefined && this.defaultToken !== undefined) headers.authorization = `Bearer ${this.defaultToken}`;
      const out = request(url, { method: req.method, headers, ca: this.ca, agent: this.#agent }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        if (kind === 'watch') {
          up.on('data', (chunk: Buffer) => {
            for (const byte of chunk) if (byte === 10) counts.watchEvents++;
          });
        }
        up.pipe(res);
      });
      out.on('error', () => res.destroy());
      // A client that goes away (a watch stopped) ends the upstream request too.
      res.on('close', () => {
        if (!res.writableFinished) out.destroy();
      });
      req.pipe(out);
    });
  }

  async start(): Promise<string> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.url;
  }

  /** A copy of the counts so far for `namespace`. */
  counts(namespace: string): Counts {
    return { ...(this.#counts.get(namespace) ?? empty()) };
  }

  async stop(): Promise<void> {
    const closed = new Promise((resolve) => this.#server.close(resolve));
    this.#server.closeAllConnections();
    this.#agent.destroy();
    await closed;
  }
}
