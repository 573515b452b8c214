import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import type * as Https from 'node:https';
import { createRequire } from 'node:module';
import { systemClock, type Clock } from '../clock/clock.js';
import { deadline } from '../clock/deadline.js';

/** A bounded HTTP exchange: callers see only status and text. */
export interface HttpReply {
  readonly status: number;
  readonly body: string;
}

export interface HttpRequest {
  readonly method: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/**
 * node:https (with node:tls) is about 3 MiB of RSS in Node 26, and most
 * sidecars reach Kamailio and their peers over plain HTTP: required at the
 * first https: URL, not at start (scripts/bundle.ts does the same for
 * fastify's, which serves plain HTTP).
 */
const requireBuiltin = createRequire(import.meta.url);
let httpsModule: typeof Https | undefined;
const https = (): typeof Https => (httpsModule ??= requireBuiltin('node:https') as typeof Https);

/** Bodies larger than this are not metrics, RPC or agent answers we can use. */
export const MAX_REPLY_BYTES = 4 * 1024 * 1024;

/**
 * One HTTP exchange over node:http, bounded by `timeoutMs` on `clock` (the
 * caller's Clock; the system clock when absent) on top of the caller's
 * signal. Not fetch: fetch refuses the "bad ports" of the Fetch
 * standard, and 5060/5061, where Kamailio serves its JSON-RPC next to SIP,
 * are among them. One connection per exchange (no pool), so no idle socket
 * outlives a shutdown.
 */
export function httpExchange(url: string, request: HttpRequest, timeoutMs: number, signal?: AbortSignal, clock: Clock = systemClock): Promise<HttpReply> {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https() : http;
  const limit = deadline(clock, timeoutMs, `${request.method} ${target.pathname}`, signal);
  const bound = limit.signal;
  return new Promise<HttpReply>((resolve, reject) => {
    const req = client.request(target, { method: request.method, headers: request.headers ?? {}, agent: false, signal: bound }, (response) => {
      readReply(req, response).then(resolve, reject);
    });
    // Like fetch, an aborted exchange rejects with the abort's reason (a timeout says so).
    req.on('error', (err) => reject(bound.aborted && bound.reason instanceof Error ? bound.reason : err));
    req.end(request.body);
  }).finally(() => limit.cancel());
}

/**
 * Reads one answer whole, up to MAX_REPLY_BYTES (a runaway answer must not
 * grow the heap: the request is destroyed instead), and rejects if the
 * connection closes before the answer is complete.
 */
export function readReply(req: ClientRequest, response: IncomingMessage): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REPLY_BYTES) req.destroy(new Error(`reply larger than ${MAX_REPLY_BYTES} bytes`));
      else chunks.push(chunk);
    });
    response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    response.on('error', reject);
    response.on('close', () => {
      if (!response.complete) reject(new Error('connection closed before the answer was complete'));
    });
  });
}
