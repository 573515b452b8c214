import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.js';
import { systemRandom, type Random } from '../clock/random.js';
import { ElectionConfigError } from './errors.js';
import type { LeaseLock } from './lock.js';
import type { ElectionMetricsSink } from './metrics.js';
import type { DeathProofPort } from './proof.js';
import { timingViolations, type ElectionTiming } from './timing.js';

export interface LeaderElectorOptions extends ElectionTiming {
  /** Unique per live process: the pod name. */
  readonly identity: string;
  readonly lock: LeaseLock;
  readonly clock: Clock;
  readonly log: Logger;
  /** true (default): standbys follow lock.watch(); false: they only poll every retryPeriod (client-go). */
  readonly watch?: boolean;
  /** Bound for every lock call; default min(retryPeriod, renewDeadline / 2). Must be below renewDeadline. */
  readonly requestTimeoutMs?: number;
  /** How long stop() waits for leader work to settle before giving up on releasing; default renewDeadline. */
  readonly stopTimeoutMs?: number;
  /** Source of jitter in [0, 1); injected so tests are deterministic. Default systemRandom. */
  readonly random?: Random;
  readonly metrics?: ElectionMetricsSink;
  /** Take over before expiry when the kubelet proved the holder's process gone (docs/election.md); absent = wait for expiry only. */
  readonly deathProof?: DeathProofPort;
  /**
   * Leader work, started at each term. `signal` aborts the instant the term
   * ends (lost, or stop began); the work must stop writing then. stop() waits
   * for the returned promise (bounded by stopTimeoutMs) before releasing.
   */
  readonly onStartedLeading?: (signal: AbortSignal) => Promise<void> | void;
}

/** The options with every default filled in, checked once. */
export interface ResolvedOptions extends LeaderElectorOptions {
  readonly watch: boolean;
  readonly requestTimeoutMs: number;
  readonly stopTimeoutMs: number;
  readonly random: Random;
}

/** Throws one ElectionConfigError naming every bad option (client-go NewLeaderElector checks, plus ours). */
export function resolveOptions(o: LeaderElectorOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    ...o,
    watch: o.watch ?? true,
    // A hung request must fail early enough to leave room for another attempt before the deadline.
    requestTimeoutMs: o.requestTimeoutMs ?? Math.min(o.retryPeriodMs, Math.floor(o.renewDeadlineMs / 2)),
    stopTimeoutMs: o.stopTimeoutMs ?? o.renewDeadlineMs,
    random: o.random ?? systemRandom,
  };
  const reasons = timingViolations(o).map((v) => `${v.field} ${v.reason}`);
  if (typeof o.identity !== 'string' || o.identity === '') reasons.push('identity must not be empty');
  const timeout = resolved.requestTimeoutMs;
  if (!(timeout > 0 && timeout < o.renewDeadlineMs)) {
    reasons.push(`requestTimeoutMs must be greater than 0 and less than renewDeadlineMs (got ${timeout})`);
  }
  if (!(resolved.stopTimeoutMs >= 0)) reasons.push(`stopTimeoutMs must not be negative (got ${resolved.stopTimeoutMs})`);
  if (reasons.length > 0) throw new ElectionConfigError(reasons);
  return resolved;
}
