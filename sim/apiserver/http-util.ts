import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import type { ClientIdentity } from './faults.js';
import { decodeProtobuf, PROTOBUF, protobufServed } from './protobuf.js';
import { ApiError, badRequest, unsupportedMediaType, type StatusBody } from './status.js';

/** The real server's default request-body limit is 3 MiB. */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

async function readBytes(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export async function readBody(req: IncomingMessage): Promise<string> {
  return (await readBytes(req)).toString('utf8');
}

const ACCEPTED = ['application/json', 'application/yaml', PROTOBUF];

/**
 * Decodes a POST/PUT/DELETE body: JSON (also when no Content-Type is sent, as
 * kubectl's scale client does), YAML, or Kubernetes protobuf for the built-in
 * groups (`protobuf` false: a custom resource, which has no protobuf schema;
 * the real 1.34 server panics on such a body, the stand-in answers 415).
 */
export function decodeBody(body: Buffer, contentType: string | undefined, protobuf: boolean): unknown {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (body.length === 0) return undefined;
  if (type === PROTOBUF && !protobuf) throw unsupportedMediaType(ACCEPTED.filter((t) => t !== PROTOBUF));
  if (type === PROTOBUF) return decodeProtobuf(body);
  const text = body.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    if (type === 'application/yaml' || type === 'application/x-yaml') return parseYaml(text) as unknown;
    if (type === '' || type === 'application/json' || type === '*/*') return JSON.parse(text) as unknown;
  } catch (err) {
    throw badRequest(`error decoding body: ${(err as Error).message}`);
  }
  throw unsupportedMediaType(ACCEPTED);
}

/** The request's body as an object (undefined when empty), for a resource of `group`. */
export async function readObject(req: IncomingMessage, group: string): Promise<unknown> {
  return decodeBody(await readBytes(req), req.headers['content-type'], protobufServed(group));
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
