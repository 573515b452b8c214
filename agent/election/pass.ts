import type { Logger } from 'pino';
import type { Leadership } from './leadership.js';
import { LockConflictError, LockNotFoundError, type LeaderRecord, type VersionedRecord } from './lock.js';
import type { ElectionMetricsSink } from './metrics.js';
import type { ObservedLease } from './observed.js';
import type { ResolvedOptions } from './options.js';
import type { DeathVerdict } from './proof.js';
import { newRecord, renewalRecord } from './records.js';
import type { Term } from './term.js';

/** What one loop pass did, in one sentence, logged once. */
export interface PassResult {
  readonly reason: string;
  readonly level?: 'debug' | 'info' | 'warn' | 'error';
  readonly err?: unknown;
}

/** What a pass needs of the elector that runs it. */
export interface PassHost {
  readonly options: ResolvedOptions;
  readonly log: Logger;
  readonly metrics: ElectionMetricsSink;
  readonly leadership: Leadership;
  readonly observed: ObservedLease;
  /** Aborts when stop() began. */
  readonly stopping: AbortSignal;
  /** Records what was read or written and announces a new holder. */
  see(seen: VersionedRecord): void;
  /** How long the observed lease still binds us; undefined when we may take it now. */
  heldForMs(): number | undefined;
  /** This elector handed the lease over and stays out for now. */
  yielding(): boolean;
  /** A write won the lease after stop() began: stop releases it. */
  acquiredWhileStopping(): void;
  /** A lock call bounded by the request timeout (and `outer`). */
  call<T>(operation: string, fn: (signal: AbortSignal) => Promise<T>, outer?: AbortSignal): Promise<T>;
}

/** One acquire-or-renew pass of the elector's loop, and the records it writes. */
export class ElectionPass {
  readonly #host: PassHost;
  readonly #o: ResolvedOptions;
  readonly #log: Logger;
  readonly #metrics: ElectionMetricsSink;
  readonly #leadership: Leadership;
  readonly #observed: ObservedLease;

  constructor(host: PassHost) {
    this.#host = host;
    this.#o = host.options;
    this.#log = host.log;
    this.#metrics = host.metrics;
    this.#leadership = host.leadership;
    this.#observed = host.observed;
  }

  /**
   * One pass, as client-go's tryAcquireOrRenew: a leader first writes at the
   * version it last wrote; otherwise (or on a 409) read the lease, create it
   * when missing, and write it when it is ours or free or expired on the local
   * clock. Unlike client-go, a leader that finds the lease deleted or naming
   * anyone else ends its term at once rather than retry until the deadline
   * (someone else may already act), and a failed renewal leaves the term to
   * the renew-deadline watchdog (see Leadership).
   */
  async run(signal: AbortSignal): Promise<PassResult> {
    const term = this.#leadership.term;
    if (term) {
      const renewed = await this.#renew(term, term.written.version, signal, true);
      if (renewed !== 'conflict') return renewed;
    } else if (this.#host.yielding()) return { reason: 'Handed the lease over; not competing for it for one lease duration' };
    let seen: VersionedRecord;
    try {
      seen = await this.#host.call('get', (s) => this.#o.lock.get(s), signal);
    } catch (err) {
      if (err instanceof LockNotFoundError) return term ? this.#lost(term, 'the lease was deleted') : this.#createPass(signal);
      return term ? this.#renewFailed(term, err) : { reason: 'Could not read the lease', level: 'warn', err };
    }
    if (term) {
      if (seen.record.holderIdentity === this.#o.identity) return this.#renew(term, seen.version, signal, false);
      const lost = this.#lost(term, `the lease is held by ${JSON.stringify(seen.record.holderIdentity)}`);
      this.#host.see(seen);
      return lost;
    }
    this.#host.see(seen);
    const holder = seen.record.holderIdentity;
    const waitMs = this.#host.heldForMs();
    let proof: DeathVerdict | undefined;
    if (waitMs !== undefined) {
      proof = this.verdict(seen.record);
      if (!proof?.proof) return { reason: `Lease held by ${holder}; it expires in ${waitMs}ms unless renewed${proof ? ` (${proof.reason})` : ''}` };
    }
    // A new term on an existing lease: the transition count doubles as a fencing epoch. The write is
    // conditional on the version just judged, so a holder that renewed meanwhile (restarted in place) wins.
    const record = this.#newRecord((this.#observed.current?.record.leaseTransitions ?? 0) + 1);
    const sentAtMs = this.#o.clock.nowMs();
    try {
      const began = this.#began(await this.#host.call('update', (s) => this.#o.lock.update(record, seen.version, s), signal), sentAtMs);
      if (holder === '' || holder === this.#o.identity || !this.#leadership.term) return began;
      this.#metrics.tookOver(proof ? 'proof' : 'expiry');
      return proof ? { reason: `${began.reason} before it expired: ${proof.reason}`, level: 'info' } : began;
    } catch (err) {
      if (err instanceof LockConflictError) return { reason: 'Another candidate took the lease first' };
      return { reason: 'Could not take the lease', level: 'warn', err };
    }
  }

  /** Writes the term's record with a fresh renewTime at `version`; 'conflict' on a first 409, which the pass answers by reading the lease. */
  #renew(term: Term, version: string, signal: AbortSignal, first: true): Promise<PassResult | 'conflict'>;
  #renew(term: Term, version: string, signal: AbortSignal, first: false): Promise<PassResult>;
  async #renew(term: Term, version: string, signal: AbortSignal, first: boolean): Promise<PassResult | 'conflict'> {
    const sentAtMs = this.#o.clock.nowMs();
    try {
      const written = await this.#host.call('update', (s) => this.#o.lock.update(this.#renewal(term), version, s), signal);
      this.#host.see(written);
      if (!this.#leadership.renewed(term, written, sentAtMs)) return { reason: 'Renewed the lease after the term had ended; standing by' };
      return { reason: 'Renewed the lease' };
    } catch (err) {
      if (err instanceof LockNotFoundError) return this.#lost(term, 'the lease was deleted');
      if (err instanceof LockConflictError && first) return 'conflict';
      return this.#renewFailed(term, err);
    }
  }

  #renewFailed(term: Term, err: unknown): PassResult {
    this.#metrics.renewFailed();
    const ageMs = this.#o.clock.nowMs() - term.lastRenewAtMs;
    return { reason: `Could not renew the lease; last renewal ${ageMs}ms ago, renew deadline ${this.#o.renewDeadlineMs}ms`, level: 'warn', err };
  }

  /** Ends the term first (aborting leader work), then reports. */
  #lost(term: Term, reason: string): PassResult {
    this.#metrics.renewFailed();
    this.#leadership.end(term, reason, true);
    return { reason: `Stopped leading: ${reason}`, level: 'warn' };
  }

  /** The lock is missing: create it, unless a holder we saw recently may still be acting (it was deleted under them). */
  async #createPass(signal: AbortSignal): Promise<PassResult> {
    const waitMs = this.#host.heldForMs();
    if (waitMs !== undefined) return { reason: `Lease missing but ${this.#observed.holder} may hold it for ${waitMs}ms more; waiting` };
    const sentAtMs = this.#o.clock.nowMs();
    try {
      return this.#began(await this.#host.call('create', (s) => this.#o.lock.create(this.#newRecord(0), s), signal), sentAtMs);
    } catch (err) {
      if (err instanceof LockConflictError) return { reason: 'Another candidate created the lease first' };
      return { reason: 'Could not create the lease', level: 'warn', err };
    }
  }

  #began(written: VersionedRecord, sentAtMs: number): PassResult {
    this.#host.see(written);
    if (this.#host.stopping.aborted) {
      this.#host.acquiredWhileStopping();
      return { reason: 'Acquired the lease while stopping; it will be released' };
    }
    this.#leadership.begin(written, sentAtMs);
    return { reason: `Acquired the lease (term ${written.record.leaseTransitions})` };
  }

  /** Whether the kubelet proved the holder's process gone; undefined when not asked (no port, our own record) or the port failed. */
  verdict(record: VersionedRecord['record']): DeathVerdict | undefined {
    if (!this.#o.deathProof || record.holderIdentity === this.#o.identity) return undefined;
    try {
      return this.#o.deathProof.judge(record);
    } catch (err) {
      this.#log.error({ err }, 'Could not judge whether the leader is dead');
      return undefined;
    }
  }

  #newRecord(leaseTransitions: number): LeaderRecord {
    return newRecord(this.#o, leaseTransitions, this.#ownProcess());
  }

  #renewal(term: Term): LeaderRecord {
    return renewalRecord(this.#o, term.written.record, this.#ownProcess());
  }

  #ownProcess(): LeaderRecord['process'] {
    try {
      return this.#o.deathProof?.ownProcess();
    } catch (err) {
      this.#log.error({ err }, 'Could not tell this process for the term record');
      return undefined;
    }
  }
}
