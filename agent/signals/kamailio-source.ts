import type { Clock } from '../clock/clock.js';
import { CounterWindow } from './counters.js';
import type { HttpClient } from './http-client.js';
import type { SignalReading, SignalSource } from './sample.js';

export interface KamailioSourceOptions {
  /** JSON-RPC over HTTP (modules xhttp + jsonrpcs), e.g. http://10.0.0.5:5060/RPC. */
  readonly url: string;
  readonly http: HttpClient;
  readonly clock: Clock;
}

const STAT_LINE = /^([\w.-]+:[\w.-]+) = (-?\d+)$/;

/**
 * `kamailio`: Kamailio's own statistics over JSON-RPC (`stats.get_statistics
 * all`; asking for several names at once returns nothing in 5.6, so we take all
 * and pick). Active transactions (tmx) and dialogs (dialog) are absent when
 * those modules are not loaded. 5xx replies sent statelessly (sl) are how a
 * Kamailio script sheds load, so any in the window count as overload.
 */
export class KamailioSource implements SignalSource {
  readonly name = 'kamailio';
  readonly #options: KamailioSourceOptions;
  readonly #counters = new CounterWindow();
  #id = 0;

  constructor(options: KamailioSourceOptions) {
    this.#options = options;
  }

  async read(signal: AbortSignal): Promise<SignalReading> {
    const request = { jsonrpc: '2.0', method: 'stats.get_statistics', params: ['all'], id: ++this.#id };
    const reply = await this.#options.http.postJson(this.#options.url, request, signal);
    if (reply.status !== 200) return { status: 'error', raw: {}, reason: `JSON-RPC answered HTTP ${reply.status}` };
    const stats = parseStatistics(reply.body);
    if (!(stats instanceof Map)) return { status: stats.rpcError ? 'error' : 'malformed', raw: {}, reason: stats.reason };
    const used = stats.get('shmem:used_size');
    const total = stats.get('shmem:total_size');
    const received = stats.get('core:rcv_requests');
    if (used === undefined || total === undefined || received === undefined || total <= 0) {
      return { status: 'malformed', raw: {}, reason: 'statistics lack shmem:used_size, shmem:total_size or core:rcv_requests' };
    }
    const now = this.#options.clock.nowMs();
    const raw: Record<string, number> = { shmUsedBytes: used, shmTotalBytes: total, shmUsedRatio: Math.round((used / total) * 10_000) / 10_000 };
    copy(stats, 'tmx:active_transactions', raw, 'activeTransactions');
    copy(stats, 'dialog:active_dialogs', raw, 'activeDialogs');
    const rate = this.#counters.observe('requests', received, now)?.perSecond;
    if (rate !== undefined) raw.requestsPerS = rate;
    const sl5xx = stats.get('sl:5xx_replies');
    const replies5xx = sl5xx === undefined ? undefined : this.#counters.observe('5xx', sl5xx, now)?.delta;
    if (replies5xx !== undefined) raw.replies5xx = replies5xx;
    const overload = replies5xx !== undefined && replies5xx > 0 ? `sent ${replies5xx} 5xx replies` : undefined;
    return overload === undefined ? { status: 'ok', raw } : { status: 'ok', raw, overload };
  }
}

function copy(stats: ReadonlyMap<string, number>, from: string, raw: Record<string, number>, to: string): void {
  const value = stats.get(from);
  if (value !== undefined) raw[to] = value;
}

type Unusable = { readonly reason: string; readonly rpcError?: true };

/** The JSON-RPC answer as a map of `group:name` to value, or why it is unusable. */
export function parseStatistics(body: string): Map<string, number> | Unusable {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { reason: 'JSON-RPC reply is not JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null) return { reason: 'JSON-RPC reply is not an object' };
  const { result, error } = parsed as { result?: unknown; error?: { message?: unknown } | null };
  if (error !== undefined && error !== null) return { reason: `JSON-RPC error: ${typeof error?.message === 'string' ? error.message : 'no message'}`, rpcError: true };
  if (!Array.isArray(result)) return { reason: 'JSON-RPC result is not a list of statistics' };
  const stats = new Map<string, number>();
  for (const line of result) {
    const match = typeof line === 'string' ? STAT_LINE.exec(line) : null;
    if (!match?.[1] || match[2] === undefined) return { reason: `unexpected statistic ${String(JSON.stringify(line)).slice(0, 80)}` };
    stats.set(match[1], Number(match[2]));
  }
  return stats;
}
