import { httpExchange } from '../net/http.js';
import { kamailioRpc, KamailioRpcError } from './kamailio-rpc.js';

export const RELOAD_KINDS = ['kamailio-rpc', 'http', 'signal', 'none'] as const;
export type ReloadKind = (typeof RELOAD_KINDS)[number];

/**
 * Tells the SIP server to re-read its peer file. The caller bounds every call
 * with a timeout and aborts `signal` when it expires; implementations must
 * pass `signal` to their I/O. A rejection means "not reloaded, try again".
 */
export interface Reloader {
  /** Short description for sentences and logs ("kamailio dispatcher.reload at http://..."). */
  readonly describe: string;
  reload(signal: AbortSignal): Promise<void>;
}

/**
 * The SIP server refused the reload only because one happened a moment ago
 * (Kamailio's dispatcher `reload_delta`). Not a fault: the registrar asks
 * again shortly instead of backing off, because until it does the server
 * routes on a stale peer set.
 */
export class ReloadBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReloadBusyError';
  }
}

/** For SIP servers that watch the file themselves, or when only the file is wanted. */
export const noReload: Reloader = {
  describe: 'no reload',
  reload: () => Promise.resolve(),
};

/** Kamailio: JSON-RPC `dispatcher.reload` over HTTP (jsonrpcs + xhttp). */
export function kamailioDispatcherReloader(url: string): Reloader {
  const rpc = kamailioRpc(url);
  return {
    describe: `kamailio dispatcher.reload at ${url}`,
    reload: async (signal) => {
      try {
        await rpc.call('dispatcher.reload', [], signal);
      } catch (err) {
        // dispatcher_rpc_reload() answers 500 "ongoing reload" within reload_delta of the last reload.
        if (err instanceof KamailioRpcError && /ongoing reload/i.test(err.message)) throw new ReloadBusyError(err.message);
        throw err;
      }
    },
  };
}

/** A backstop only: the registrar bounds each reload by its own, shorter signal. */
const RELOAD_TIMEOUT_MS = 30_000;

export type HttpReloadMethod = 'POST' | 'PUT' | 'GET';

/** Any SIP server with a reload endpoint: any 2xx answer counts as reloaded. */
export function httpReloader(url: string, method: HttpReloadMethod): Reloader {
  return {
    describe: `HTTP ${method} ${url}`,
    reload: async (signal) => {
      const response = await httpExchange(url, { method }, RELOAD_TIMEOUT_MS, signal);
      if (response.status < 200 || response.status > 299) throw new Error(`HTTP ${method} ${url} answered ${response.status}`);
    },
  };
}
