import type { Clock } from '../clock/clock.js';
import { httpExchange, MAX_REPLY_BYTES, type HttpReply } from '../net/http.js';

export { MAX_REPLY_BYTES, type HttpReply };

export interface HttpClient {
  get(url: string, signal: AbortSignal): Promise<HttpReply>;
  postJson(url: string, body: unknown, signal: AbortSignal): Promise<HttpReply>;
}

/**
 * The node:http adapter. One connection per exchange (no pool: one request
 * every few seconds to a local server gains nothing from keep-alive, and idle
 * pooled sockets would outlive shutdown). Every call is bounded by `timeoutMs`
 * on `clock`, on top of the caller's signal; a body over MAX_REPLY_BYTES is an error.
 */
export function nodeHttpClient(timeoutMs: number, clock: Clock): HttpClient {
  const exchange = (url: string, method: string, headers: Record<string, string>, body: string | undefined, signal: AbortSignal): Promise<HttpReply> =>
    httpExchange(url, { method, headers, ...(body === undefined ? {} : { body }) }, timeoutMs, signal, clock);
  return {
    get: (url, signal) => exchange(url, 'GET', { accept: 'text/plain;version=0.0.4' }, undefined, signal),
    postJson: (url, body, signal) => exchange(url, 'POST', { 'content-type': 'application/json' }, JSON.stringify(body), signal),
  };
}
