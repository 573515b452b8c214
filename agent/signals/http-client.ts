import http from 'node:http';
import https from 'node:https';

/** A bounded HTTP exchange: the sources see only status and text. */
export interface HttpReply {
  readonly status: number;
  readonly body: string;
}

export interface HttpClient {
  get(url: string, signal: AbortSignal): Promise<HttpReply>;
  postJson(url: string, body: unknown, signal: AbortSignal): Promise<HttpReply>;
}

/** Bodies larger than this are not metrics or RPC answers we can use. */
export const MAX_REPLY_BYTES = 4 * 1024 * 1024;

/**
 * The node:http adapter. One connection per exchange (no pool: one request
 * every few seconds to a local server gains nothing from keep-alive, and idle
 * pooled sockets would outlive shutdown). Every call is bounded by `timeoutMs`
 * on top of the caller's signal; a body over MAX_REPLY_BYTES is an error.
 */
export function nodeHttpClient(timeoutMs: number): HttpClient {
  return {
    get: (url, signal) => exchange(url, 'GET', { accept: 'text/plain;version=0.0.4' }, undefined, timeoutMs, signal),
    postJson: (url, body, signal) => exchange(url, 'POST', { 'content-type': 'application/json' }, JSON.stringify(body), timeoutMs, signal),
  };
}

function exchange(url: string, method: string, headers: Record<string, string>, body: string | undefined, timeoutMs: number, signal: AbortSignal): Promise<HttpReply> {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise<HttpReply>((resolve, reject) => {
    const request = client.request(target, { method, headers, agent: false, signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_REPLY_BYTES) request.destroy(new Error(`reply larger than ${MAX_REPLY_BYTES} bytes`));
        else chunks.push(chunk);
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}
