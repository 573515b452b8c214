import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { readReply } from '../net/http.js';

/** An API server's answer: status and body text, whatever the status. */
export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/**
 * One request with Node's own http(s) client, answer read whole and bounded
 * (readReply). `options` carries what KubeConfig made (TLS, proxy), the
 * headers and the abort signal; an abort during the answer rejects too, so no
 * call outlives it.
 */
export function sendHttp(url: URL, options: RequestOptions & { signal: AbortSignal }, body: string | undefined): Promise<HttpAnswer> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, options, (res) => {
      readReply(req, res).then(resolve, reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
