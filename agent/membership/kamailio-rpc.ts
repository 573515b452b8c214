import { httpExchange } from '../net/http.js';
/**
 * A minimal JSON-RPC 2.0 client for Kamailio's jsonrpcs module served over
 * xhttp (`event_route[xhttp:request] { jsonrpc_dispatch(); }`), e.g.
 * `http://127.0.0.1:5060/RPC`. Kamailio answers HTTP 200 with either
 * `result` or `error: {code, message}` (500 "Ongoing reload" when
 * dispatcher.reload is called within `reload_delta` seconds of the last one).
 */
export class KamailioRpcError extends Error {
  constructor(
    readonly method: string,
    readonly code: number | undefined,
    detail: string,
  ) {
    super(`Kamailio RPC ${method} failed: ${detail}`);
    this.name = 'KamailioRpcError';
  }
}

export interface KamailioRpc {
  call(method: string, params: readonly unknown[], signal: AbortSignal): Promise<unknown>;
}

interface RpcReply {
  result?: unknown;
  error?: { code?: number; message?: string };
}

/** A backstop only: callers bound each call by their own, shorter signal. */
const RPC_TIMEOUT_MS = 30_000;

export function kamailioRpc(url: string): KamailioRpc {
  let id = 0;
  return {
    async call(method, params, signal) {
      const body = JSON.stringify({ jsonrpc: '2.0', method, ...(params.length > 0 ? { params } : {}), id: ++id });
      const response = await httpExchange(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }, RPC_TIMEOUT_MS, signal);
      const text = response.body;
      // Kamailio sends RPC errors as HTTP 500 with a JSON-RPC body; prefer its message.
      const reply = parseReply(text);
      if (reply?.error) throw new KamailioRpcError(method, reply.error.code, `${reply.error.code ?? '?'} ${reply.error.message ?? ''}`.trim());
      if (response.status < 200 || response.status > 299) throw new KamailioRpcError(method, response.status, `HTTP ${response.status} ${text.slice(0, 200)}`);
      if (!reply) throw new KamailioRpcError(method, undefined, `not a JSON-RPC reply: ${text.slice(0, 200)}`);
      return reply.result;
    },
  };
}

function parseReply(text: string): RpcReply | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Sets a shared variable of the script ($shv(name), declared with modparam("pv", "shvset", ...)) over JSON-RPC pv.shvSet. */
export type ShvSet = (name: string, value: string | number, signal: AbortSignal) => Promise<void>;

export function kamailioShvSet(url: string): ShvSet {
  const rpc = kamailioRpc(url);
  return async (name, value, signal) => {
    await rpc.call('pv.shvSet', [name, typeof value === 'number' ? 'int' : 'str', value], signal);
  };
}
