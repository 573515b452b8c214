import type { RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Clock } from '../clock/clock.js';
import { withDeadline } from '../clock/deadline.js';
import { KubeStatusError } from './errors.js';
import { sendHttp, type HttpAnswer } from './transport.js';

/** The patch type of every agent write: JSON merge patch, which can carry metadata.resourceVersion. */
export const MERGE_PATCH = 'application/merge-patch+json';

/** One HTTP exchange with the API server, as the transport port sees it. */
export interface HttpCall {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path below the server's URL, e.g. /api/v1/namespaces/ns/pods/a. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly contentType?: string;
  readonly signal: AbortSignal;
}

export type { HttpAnswer };

/** Sends one call; rejects only when no answer arrived (refused, reset, aborted). */
export type Transport = (call: HttpCall) => Promise<HttpAnswer>;

/**
 * The real transport: KubeConfig decides the server, TLS, proxy and auth
 * (token file re-read, exec plugin, client certificate) on every call, as the
 * generated clients did through the same `applyToHTTPSOptions`.
 */
export function kubeConfigTransport(kc: KubeConfig, userAgent?: string): Transport {
  return async (call) => {
    const server = kc.getCurrentCluster()?.server;
    if (!server) throw new Error('the kubeconfig has no current cluster');
    const url = new URL(server + call.path);
    for (const [key, value] of Object.entries(call.query ?? {})) url.searchParams.set(key, value);
    const headers: Record<string, string | number> = { accept: 'application/json', ...(userAgent ? { 'user-agent': userAgent } : {}) };
    if (call.body !== undefined) {
      headers['content-type'] = call.contentType ?? 'application/json';
      headers['content-length'] = Buffer.byteLength(call.body);
    }
    const options: RequestOptions = { method: call.method, headers };
    await kc.applyToHTTPSOptions(options);
    return sendHttp(url, { ...options, signal: call.signal }, call.body);
  };
}

/** Per call: the deadline, and the caller's signal (leadership lost, agent stopping). */
export interface CallOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
}

/**
 * A small typed JSON client for the few calls the agent makes. It replaces
 * client-node's generated Api classes, whose import alone (ObjectSerializer
 * and every model) costs about 70 MiB in every pod. Each call runs under a
 * deadline on the agent's Clock; a non-2xx answer becomes a KubeStatusError
 * carrying the code and the server's Status body, which `toKubeError` maps.
 */
export class KubeApi {
  constructor(
    private readonly transport: Transport,
    private readonly clock: Clock,
  ) {}

  get<T>(path: string, options: CallOptions, query?: Record<string, string>): Promise<T> {
    return this.#call<T>({ method: 'GET', path, ...(query ? { query } : {}) }, options);
  }

  create<T>(path: string, body: unknown, options: CallOptions): Promise<T> {
    return this.#call<T>({ method: 'POST', path, body: JSON.stringify(body) }, options);
  }

  replace<T>(path: string, body: unknown, options: CallOptions): Promise<T> {
    return this.#call<T>({ method: 'PUT', path, body: JSON.stringify(body) }, options);
  }

  mergePatch<T>(path: string, body: unknown, options: CallOptions): Promise<T> {
    return this.#call<T>({ method: 'PATCH', path, body: JSON.stringify(body), contentType: MERGE_PATCH }, options);
  }

  /** DELETE with a DeleteOptions body (preconditions make it conditional). */
  remove<T>(path: string, body: unknown, options: CallOptions): Promise<T> {
    return this.#call<T>({ method: 'DELETE', path, body: JSON.stringify(body) }, options);
  }

  async #call<T>(call: Omit<HttpCall, 'signal'>, options: CallOptions): Promise<T> {
    const answer = await withDeadline(this.clock, options.timeoutMs, `${call.method} ${call.path}`, [options.signal], (signal) =>
      this.transport({ ...call, signal }),
    );
    if (answer.status < 200 || answer.status > 299) throw new KubeStatusError(answer.status, answer.body);
    return JSON.parse(answer.body) as T;
  }
}

/** Path segments are names the API server validated or our config did; encoded anyway so none can change the path. */
export const seg = (value: string): string => encodeURIComponent(value);
