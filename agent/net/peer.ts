import { httpExchange } from './http.js';

/**
 * One JSON exchange with another sidecar of the release (GET /load, /drain,
 * forwarded /scale): bounded by its timeout on top of the caller's signal,
 * no redirect followed, bodies over MAX_BODY_BYTES refused.
 */
export const MAX_BODY_BYTES = 256 * 1024;

/** A sidecar's answer: the status and the body, parsed as JSON when it is JSON, else the text. */
export interface PeerReply {
  readonly status: number;
  readonly body: unknown;
}

export interface PeerRequest {
  readonly method: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

export async function peerExchange(url: string, x: PeerRequest, timeoutMs: number, signal: AbortSignal): Promise<PeerReply> {
  const headers: Record<string, string> = { accept: 'application/json', ...x.headers };
  if (x.body !== undefined) headers['content-type'] = 'application/json';
  const response = await httpExchange(url, { method: x.method, headers, ...(x.body === undefined ? {} : { body: JSON.stringify(x.body) }) }, timeoutMs, signal);
  const text = response.body;
  if (text.length > MAX_BODY_BYTES) throw new Error(`answer larger than ${MAX_BODY_BYTES} bytes`);
  let body: unknown = text;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    // Not JSON: relayed as text; callers that need JSON reject it.
  }
  return { status: response.status, body };
}
