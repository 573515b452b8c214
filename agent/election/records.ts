import type { Clock } from '../clock/clock.js';
import type { LeaderRecord } from './lock.js';
import { leaseSeconds } from './timing.js';

interface RecordDeps {
  readonly identity: string;
  readonly clock: Clock;
  readonly leaseDurationMs: number;
}

/** A fresh term's record; `process` (the kubelet's view of this process) is left out while unknown. */
export function newRecord(d: RecordDeps, leaseTransitions: number, process: LeaderRecord['process']): LeaderRecord {
  const now = d.clock.wallTime();
  return {
    holderIdentity: d.identity, leaseDurationSeconds: leaseSeconds(d.leaseDurationMs), acquireTime: now, renewTime: now, leaseTransitions,
    ...(process ? { process } : {}),
  };
}

/**
 * A renewal keeps the term's acquireTime, transitions and process record. A
 * term that began before this process knew its own container status (its pod
 * watch had not synced) records it at the first renewal that knows it: the
 * proof of death then works for the rest of the term.
 */
export function renewalRecord(d: RecordDeps, written: LeaderRecord, process: LeaderRecord['process']): LeaderRecord {
  return { ...newRecord(d, written.leaseTransitions, written.process ?? process), acquireTime: written.acquireTime };
}
