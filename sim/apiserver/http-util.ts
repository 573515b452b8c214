import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import type { ClientIdentity } from './faults.js';
import { ApiError, badRequest, type StatusBody } from './status.js';

/** The real server's default request-body limit is 3 MiB. */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Decodes a POST/PUT body: JSON (also when no Content-Type is sent, as kubectl's scale client does) or YAML. */
export function decodeBody(text: string, contentType: string | undefined): unknown {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (text.trim() === '') return undefined;
  try {
    if (type === 'application/yaml' || type === 'application/x-yaml') return parseYaml(text) as unknown;
    if (type === '' || type === 'application/json' || type === '*/*') return JSON.parse(text) as unknown;
  } catch (err) {
    throw badRequest(`error decoding body: ${(err as Error).message}`);
  }
  throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`);
}

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

export function sendStatus(res: ServerResponse, status: StatusBody): void {
  const headers: Record<string, string> = {};
  if (status.code === 429 || status.code === 503) headers['Retry-After'] = '1';
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  sendJson(res, status.code, status);
}

export function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const apiError = err instanceof ApiError ? err : new ApiError(500, 'InternalError', `Internal error occurred: ${(err as Error).message}`);
  sendStatus(res, apiError.toStatus());
}

export function identityOf(req: IncomingMessage): ClientIdentity {
  const auth = req.headers.authorization ?? '';
  const token = auth.toLowerCase().startsWith('bearer ') ? auth.slice(7).trim() : '';
  return { token, userAgent: req.headers['user-agent'] ?? '' };
}
