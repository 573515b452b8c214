import type { Randomness } from './context.js';

/** Who a request comes from: its bearer token and User-Agent. */
export interface ClientIdentity {
  readonly token: string;
  readonly userAgent: string;
}

export interface Partition {
  /** Requests with this bearer token are cut off. */
  readonly token?: string;
  /** Requests whose User-Agent contains this text are cut off. */
  readonly userAgent?: string;
}

/** What can go wrong, switchable at run time (PUT /sim/faults or ApiServer.faults.set). */
export interface FaultSettings {
  /** Added before every API answer, in milliseconds. */
  readonly latencyMs: number;
  /** Fraction [0, 1] of API requests answered with `errorCode` instead. */
  readonly errorRate: number;
  readonly errorCode: 429 | 500 | 503 | 504;
  /** Which requests latency and errors apply to: reads are GET (including watches), writes everything else. */
  readonly scope: 'all' | 'reads' | 'writes';
  /** A client that can no longer reach the server: its requests hang unanswered and its watches go silent. */
  readonly partition: Partition | null;
  /** Every watch stops delivering events but stays open (a silent stall, no FIN). */
  readonly stallWatches: boolean;
}

export const NO_FAULTS: FaultSettings = { latencyMs: 0, errorRate: 0, errorCode: 503, scope: 'all', partition: null, stallWatches: false };

export type FaultDecision = { readonly kind: 'pass'; readonly delayMs: number } | { readonly kind: 'fail'; readonly delayMs: number; readonly code: number } | { readonly kind: 'hang' };

export function inPartition(p: Partition | null, who: ClientIdentity): boolean {
  if (!p) return false;
  if (p.token !== undefined && p.token !== '' && p.token === who.token) return true;
  return p.userAgent !== undefined && p.userAgent !== '' && who.userAgent.includes(p.userAgent);
}

const ERROR_CODES = new Set([429, 500, 503, 504]);

/** Checks a settings update; returns the problems so the control API can answer 400 with all of them. */
export function faultProblems(update: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(update)) if (!(key in NO_FAULTS)) problems.push(`unknown fault "${key}"`);
  const { latencyMs, errorRate, errorCode, scope } = update;
  if (latencyMs !== undefined && (typeof latencyMs !== 'number' || latencyMs < 0)) problems.push('latencyMs must be a number >= 0');
  if (errorRate !== undefined && (typeof errorRate !== 'number' || errorRate < 0 || errorRate > 1)) problems.push('errorRate must be a number in [0, 1]');
  if (errorCode !== undefined && !ERROR_CODES.has(errorCode as number)) problems.push('errorCode must be one of 429, 500, 503, 504');
  if (scope !== undefined && !['all', 'reads', 'writes'].includes(scope as string)) problems.push('scope must be all, reads or writes');
  return problems;
}

export class Faults {
  #settings: FaultSettings = NO_FAULTS;
  #listeners = new Set<(settings: FaultSettings) => void>();

  constructor(private readonly random: Randomness) {}

  get settings(): FaultSettings {
    return this.#settings;
  }

  /** Merges `update` into the current settings; call `reset()` to clear everything. */
  set(update: Partial<FaultSettings>): FaultSettings {
    const problems = faultProblems(update);
    if (problems.length > 0) throw new Error(problems.join('; '));
    this.#settings = { ...this.#settings, ...update };
    for (const listener of this.#listeners) listener(this.#settings);
    return this.#settings;
  }

  reset(): FaultSettings {
    return this.set(NO_FAULTS);
  }

  onChange(listener: (settings: FaultSettings) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  isPartitioned(who: ClientIdentity): boolean {
    return inPartition(this.#settings.partition, who);
  }

  /** What happens to one API request. */
  decide(who: ClientIdentity, method: string): FaultDecision {
    if (this.isPartitioned(who)) return { kind: 'hang' };
    const s = this.#settings;
    const isRead = method === 'GET' || method === 'HEAD';
    const inScope = s.scope === 'all' || (s.scope === 'reads') === isRead;
    if (!inScope) return { kind: 'pass', delayMs: 0 };
    if (s.errorRate > 0 && this.random.next() < s.errorRate) return { kind: 'fail', delayMs: s.latencyMs, code: s.errorCode };
    return { kind: 'pass', delayMs: s.latencyMs };
  }
}
