import { httpExchange } from '../net/http.js';
import type { TokenSource } from '../http/auth.js';
import type { ScaleReply } from '../http/routes/scale.js';
import type { SampleFetcher } from './gather.js';
import type { DrainClient } from './scale-in.js';
import type { ScaleForwarder } from './scaler-control.js';

/**
 * The fetch adapters the leader uses to talk to its peers' sidecars: GET
 * /load, POST and GET /drain, and forwarding /scale. Every exchange is bounded
 * by its timeout on top of the caller's signal, follows no redirect, and
 * refuses bodies over MAX_BODY_BYTES.
 */
export const MAX_BODY_BYTES = 256 * 1024;

/** `ip:port` for a URL, with an IPv6 address in brackets. */
export function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

interface Exchange {
  readonly method: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

async function exchange(url: string, x: Exchange, timeoutMs: number, signal: AbortSignal): Promise<ScaleReply> {
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

function refusal(what: string, reply: ScaleReply): Error {
  const reason = (reply.body as { reason?: unknown } | null)?.reason;
  return new Error(`${what} answered ${reply.status}${typeof reason === 'string' ? `: ${reason}` : ''}`);
}

/** GET http://<ip>:<port>/load. */
export function httpSampleFetcher(port: number, timeoutMs: number): SampleFetcher {
  return {
    async fetch(ip, signal) {
      const reply = await exchange(`http://${hostPort(ip, port)}/load`, { method: 'GET' }, timeoutMs, signal);
      if (reply.status !== 200) throw refusal('GET /load', reply);
      return reply.body;
    },
  };
}

/** POST /drain with the bearer token every sidecar of the release shares, and GET /drain. */
export function httpDrainClient(port: number, tokens: TokenSource, timeoutMs: number): DrainClient {
  return {
    async start(ip, reason, signal) {
      const token = tokens.current();
      if (token === undefined) throw new Error('no bearer token configured (VNF_AGENT_TOKEN_FILE), so the pod cannot be asked to drain');
      const reply = await exchange(`http://${hostPort(ip, port)}/drain`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: { reason } }, timeoutMs, signal);
      if (reply.status !== 202 && reply.status !== 200) throw refusal('POST /drain', reply);
    },
    async settled(ip, signal) {
      const reply = await exchange(`http://${hostPort(ip, port)}/drain`, { method: 'GET' }, timeoutMs, signal);
      if (reply.status !== 200) throw refusal('GET /drain', reply);
      return (reply.body as { settled?: unknown } | null)?.settled === true;
    },
  };
}

/** Relays a /scale request to the leader's sidecar and hands back its answer as is. */
export function httpScaleForwarder(timeoutMs: number): ScaleForwarder {
  return {
    forward: (url, method, body, headers, signal) => exchange(url, { method, headers, ...(body === undefined ? {} : { body }) }, timeoutMs, signal),
  };
}
