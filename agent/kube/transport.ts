import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';

/** An API server's answer: status and body text, whatever the status. */
export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/** Largest answer body read: the agent's objects are a few KiB; a runaway answer must not grow the heap. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * One request with Node's own http(s) client, answer read whole. `options`
 * carries the agent KubeConfig made (TLS, proxy), the headers and the abort
 * signal; an abort during the answer rejects too, so no call outlives it.
 */
export function sendHttp(url: URL, options: RequestOptions & { signal: AbortSignal }, body: string | undefined): Promise<HttpAnswer> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) req.destroy(new Error(`answer larger than ${MAX_BODY_BYTES} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
      res.on('close', () => {
        if (!res.complete) reject(new Error('connection closed before the answer was complete'));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
