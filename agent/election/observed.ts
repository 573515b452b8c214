import type { LeaderRecord, VersionedRecord } from './lock.js';
import { parseTermProcess } from './term-process.js';

/**
 * What this elector last saw of the lock, and when (monotonic ms). Expiry is
 * judged only from here: a record is expired when it has not changed for its
 * own leaseDurationSeconds of *local* time since we saw it change. The
 * acquireTime/renewTime inside are never compared with our clock, so any
 * offset between nodes' wall clocks is harmless (client-go package doc).
 */
export class ObservedLease {
  #current: VersionedRecord | undefined;
  #key = '';
  #observedAtMs = 0;
  readonly #fallbackDurationMs: number;

  /** `fallbackDurationMs` replaces a record's duration when it is missing or not a positive number. */
  constructor(fallbackDurationMs: number) {
    this.#fallbackDurationMs = fallbackDurationMs;
  }

  get current(): VersionedRecord | undefined {
    return this.#current;
  }

  get holder(): string | undefined {
    return this.#current?.record.holderIdentity;
  }

  /**
   * Takes a freshly read (or watched, or written) record. Only a change resets
   * the observed time; the version is part of the comparison so two renewals
   * that carry the same wall time (a stuck wall clock) still count as changes.
   * Returns whether it changed.
   */
  observe(seen: VersionedRecord, nowMs: number): boolean {
    const normalized = { version: String(seen.version), record: normalizeRecord(seen.record) };
    const key = JSON.stringify([normalized.version, normalized.record]);
    if (this.#current !== undefined && key === this.#key) return false;
    this.#current = normalized;
    this.#key = key;
    this.#observedAtMs = nowMs;
    return true;
  }

  /** When the observed record expires on the local clock; undefined when nothing was seen. */
  expiresAtMs(): number | undefined {
    if (this.#current === undefined) return undefined;
    const seconds = this.#current.record.leaseDurationSeconds;
    const durationMs = seconds > 0 ? seconds * 1000 : this.#fallbackDurationMs;
    return this.#observedAtMs + durationMs;
  }

  /** Held by someone (possibly a past term of ours) and not yet expired. */
  isHeld(nowMs: number): boolean {
    const expiresAt = this.expiresAtMs();
    return this.holder !== undefined && this.holder !== '' && expiresAt !== undefined && nowMs < expiresAt;
  }

  get observedAtMs(): number {
    return this.#observedAtMs;
  }
}

/**
 * Makes a record safe to reason about whatever the adapter handed over: a
 * malformed field must never crash a loop. A bad duration becomes 0, which
 * `expiresAtMs` replaces with our own configured lease duration (never "expired now").
 */
export function normalizeRecord(raw: Partial<LeaderRecord> | undefined): LeaderRecord {
  const r = raw ?? {};
  const duration = Number(r.leaseDurationSeconds);
  const transitions = Number(r.leaseTransitions);
  return {
    holderIdentity: typeof r.holderIdentity === 'string' ? r.holderIdentity : '',
    leaseDurationSeconds: Number.isFinite(duration) && duration > 0 ? duration : 0,
    acquireTime: validDate(r.acquireTime),
    renewTime: validDate(r.renewTime),
    leaseTransitions: Number.isInteger(transitions) && transitions >= 0 ? transitions : 0,
    ...withProcess(parseTermProcess(r.process)),
  };
}

function validDate(value: unknown): Date | undefined {
  return value instanceof Date && !Number.isNaN(value.getTime()) ? value : undefined;
}

const withProcess = (process: LeaderRecord['process']): Pick<LeaderRecord, 'process'> => (process ? { process } : {});
