import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.js';
import { LockConflictError, LockNotFoundError, type LeaderRecord, type LeaseLock, type VersionedRecord } from './lock.js';

/** A 409 during release means the lease changed under us; re-read and try again, a few times only. */
const RELEASE_ATTEMPTS = 3;

export interface ReleaseDeps {
  readonly identity: string;
  readonly lock: LeaseLock;
  readonly clock: Clock;
  readonly log: Logger;
  /** Runs one lock call under the elector's request timeout. */
  readonly call: <T>(operation: string, fn: (signal: AbortSignal) => Promise<T>) => Promise<T>;
}

/**
 * Gives the lease up on a graceful stop (client-go ReleaseOnCancel, with the
 * 409 retry added upstream in 2026): read it, and if we still hold it, write a
 * record with no holder and a 1 s duration at the version just read, so a
 * standby takes over at once instead of waiting out the lease.
 * leaseDurationSeconds 0 would be rejected by the API server, hence 1.
 * Returns a sentence saying what happened; never throws.
 */
export async function releaseLease(deps: ReleaseDeps): Promise<string> {
  for (let attempt = 1; attempt <= RELEASE_ATTEMPTS; attempt++) {
    try {
      const seen = await deps.call('get', (signal) => deps.lock.get(signal));
      if (seen.record.holderIdentity !== deps.identity) return `Did not release the lease: it is held by ${JSON.stringify(seen.record.holderIdentity)}`;
      await deps.call('update', (signal) => deps.lock.update(releasedRecord(deps.clock, seen), seen.version, signal));
      deps.log.info({}, 'Released lease');
      return 'Released the lease';
    } catch (err) {
      if (err instanceof LockConflictError) continue;
      if (err instanceof LockNotFoundError) return 'Did not release the lease: it no longer exists';
      deps.log.warn({ err }, 'Could not release lease');
      return 'Could not release the lease; it will expire on its own';
    }
  }
  deps.log.warn({ attempts: RELEASE_ATTEMPTS }, 'Could not release lease');
  return 'Could not release the lease after repeated conflicts; it will expire on its own';
}

function releasedRecord(clock: Clock, seen: VersionedRecord): LeaderRecord {
  const now = clock.wallTime();
  return {
    holderIdentity: '',
    leaseDurationSeconds: 1,
    acquireTime: now,
    renewTime: now,
    leaseTransitions: seen.record.leaseTransitions,
  };
}
