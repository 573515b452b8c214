import type { Clock } from '../clock/clock.js';
import type { Leadership } from './leadership.js';
import { LockConflictError, LockNotFoundError, type LeaderRecord, type LeaseLock, type VersionedRecord } from './lock.js';
import type { ElectionMetricsSink } from './metrics.js';
import type { Term } from './term.js';

/** What one loop pass did, in one sentence, logged once. */
export interface PassResult {
  readonly reason: string;
  readonly level?: 'debug' | 'warn' | 'error';
  readonly err?: unknown;
}

export interface RenewDeps {
  readonly identity: string;
  readonly lock: LeaseLock;
  readonly clock: Clock;
  readonly renewDeadlineMs: number;
  readonly leadership: Leadership;
  readonly metrics: ElectionMetricsSink;
  /** Records a record the elector saw or wrote. */
  readonly see: (seen: VersionedRecord) => void;
  /** The record a renewal writes: same term, fresh renewTime. */
  readonly renewal: (term: Term) => LeaderRecord;
  /** One lock call under the request timeout, also aborted by `outer` (stop). */
  readonly call: <T>(operation: string, fn: (signal: AbortSignal) => Promise<T>, outer?: AbortSignal) => Promise<T>;
}

/**
 * One leader pass (client-go tryAcquireOrRenew while leading). Fast path:
 * write at the version we last wrote. On 409, re-read once and renew at the
 * fresh version only if the lock still names us; if it names anyone else we
 * stop leading at once rather than retry until the deadline, since someone
 * else may already act as leader. A failure leaves the term to the renew
 * deadline watchdog (see Leadership).
 */
export async function renewPass(d: RenewDeps, term: Term, signal: AbortSignal): Promise<PassResult> {
  let version = term.written.version;
  for (let attempt = 1; ; attempt++) {
    const sentAtMs = d.clock.nowMs();
    try {
      const written = await d.call('update', (s) => d.lock.update(d.renewal(term), version, s), signal);
      d.see(written);
      if (!d.leadership.renewed(term, written, sentAtMs)) return { reason: 'Renewed the lease after the term had ended; standing by' };
      return { reason: 'Renewed the lease' };
    } catch (err) {
      if (err instanceof LockNotFoundError) return lost(d, term, 'the lease was deleted');
      if (!(err instanceof LockConflictError) || attempt > 1) return failed(d, term, err);
    }
    try {
      const seen = await d.call('get', (s) => d.lock.get(s), signal);
      if (seen.record.holderIdentity !== d.identity) {
        const result = lost(d, term, `the lease is held by ${JSON.stringify(seen.record.holderIdentity)}`);
        d.see(seen);
        return result;
      }
      version = seen.version;
    } catch (err) {
      if (err instanceof LockNotFoundError) return lost(d, term, 'the lease was deleted');
      return failed(d, term, err);
    }
  }
}

function failed(d: RenewDeps, term: Term, err: unknown): PassResult {
  d.metrics.renewFailed();
  const ageMs = d.clock.nowMs() - term.lastRenewAtMs;
  return { reason: `Could not renew the lease; last renewal ${ageMs}ms ago, renew deadline ${d.renewDeadlineMs}ms`, level: 'warn', err };
}

/** Ends the term first (aborting leader work), then reports. */
function lost(d: RenewDeps, term: Term, reason: string): PassResult {
  d.metrics.renewFailed();
  d.leadership.end(term, reason, true);
  return { reason: `Stopped leading: ${reason}`, level: 'warn' };
}
