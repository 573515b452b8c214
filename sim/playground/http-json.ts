import { httpExchange } from '../../agent/net/http.js';

/**
 * The playground's HTTP reads of pods (sidecar, simulated server, Kamailio
 * RPC): bounded, and undefined for anything but a 2xx JSON answer, because a
 * pod that is starting or going away is normal here, not an error. node:http,
 * not fetch: fetch refuses port 5060, where Bono's Kamailio serves its RPC.
 */
export async function getJson<T>(url: string, timeoutMs: number): Promise<T | undefined> {
  return exchangeJson<T>(url, { method: 'GET' }, timeoutMs);
}

export async function postJson<T>(url: string, body: unknown, timeoutMs: number, headers: Record<string, string> = {}): Promise<T | undefined> {
  return exchangeJson<T>(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }, timeoutMs);
}

async function exchangeJson<T>(url: string, request: Parameters<typeof httpExchange>[1], timeoutMs: number): Promise<T | undefined> {
  try {
    const reply = await httpExchange(url, request, timeoutMs);
    return reply.status >= 200 && reply.status < 300 ? (JSON.parse(reply.body) as T) : undefined;
  } catch {
    return undefined;
  }
}
