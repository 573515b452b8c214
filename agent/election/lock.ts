import type { TermProcess } from './term-process.js';

/**
 * The election's view of a lock record: what the elector reads and writes,
 * with no Kubernetes types. The Lease adapter in kube/ maps it to a
 * coordination.k8s.io/v1 Lease.
 */
export interface LeaderRecord {
  /** Empty when nobody holds the lock (released). */
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  /** Wall time, informational only: expiry is never judged from these. */
  readonly acquireTime: Date | undefined;
  readonly renewTime: Date | undefined;
  readonly leaseTransitions: number;
  /** The term's process as the kubelet reported it to the holder; absent while unknown (no proof of death then). */
  readonly process?: TermProcess;
}

/** A record as read, with the version that a compare-and-set write must carry. */
export interface VersionedRecord {
  readonly record: LeaderRecord;
  /** The API object's resourceVersion, opaque to the elector. */
  readonly version: string;
}

/** The lock does not exist yet. */
export class LockNotFoundError extends Error {
  constructor(message = 'lock not found') {
    super(message);
    this.name = 'LockNotFoundError';
  }
}

/** Someone else wrote the lock since we read it (HTTP 409), or created it first. */
export class LockConflictError extends Error {
  constructor(message = 'lock changed since it was read') {
    super(message);
    this.name = 'LockConflictError';
  }
}

/**
 * Compare-and-set access to one lock. Every method is bounded by a timeout
 * shorter than the renew deadline (the adapter's job) and rejects with
 * LockNotFoundError, LockConflictError or another Error for anything else.
 */
export interface LeaseLock {
  /** Human-readable name for logs, e.g. `default/sprout-leader`. */
  describe(): string;
  get(signal?: AbortSignal): Promise<VersionedRecord>;
  create(record: LeaderRecord, signal?: AbortSignal): Promise<VersionedRecord>;
  /** Writes only if the lock is still at `version`; otherwise LockConflictError. */
  update(record: LeaderRecord, version: string, signal?: AbortSignal): Promise<VersionedRecord>;
  /**
   * Calls `onChange` whenever the stored record changes (watch), so standbys can
   * react to a release or a takeover before their next retry tick. Returns a stop function.
   */
  watch(onChange: (current: VersionedRecord | undefined) => void): () => void;
}
