import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.js';
import { NotLeaderError } from './errors.js';
import type { ElectionEmitter } from './events.js';
import type { VersionedRecord } from './lock.js';
import type { ElectionMetricsSink } from './metrics.js';
import { Term } from './term.js';

/** Proof, at the moment of the call, that leader-only writes are allowed. */
export interface Fence {
  readonly identity: string;
  /** Version of the lease as last written by this leader. */
  readonly version: string;
  /** leaseTransitions of this term: a fencing epoch for conditional writes. */
  readonly term: number;
  /** Local time left before the renew deadline; bound the guarded write by it. */
  readonly validForMs: number;
  /** Aborts when the term ends. */
  readonly signal: AbortSignal;
}

export interface LeadershipDeps {
  readonly identity: string;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: ElectionMetricsSink;
  readonly events: ElectionEmitter;
  readonly renewDeadlineMs: number;
  readonly leaseDurationMs: number;
  readonly onStartedLeading?: (signal: AbortSignal) => Promise<void> | void;
}

/**
 * Whether this elector leads, since when, and who gets told. Every way a term
 * ends goes through `end`, which aborts leader work before anything else.
 */
export class Leadership {
  readonly #d: LeadershipDeps;
  #term: Term | undefined;
  #lastRenewAtMs: number | undefined;
  #termEnded = false;

  constructor(deps: LeadershipDeps) {
    this.#d = deps;
  }

  get term(): Term | undefined {
    return this.#term;
  }

  /**
   * True once a term of ours ended (until the next begins). client-go reclaims
   * a record naming its own identity at once, which is right for a restarted
   * container; after a lost term we must wait out the lease like anyone else.
   */
  get termEnded(): boolean {
    return this.#termEnded;
  }

  lastRenewAgeMs(): number | undefined {
    return this.#lastRenewAtMs === undefined ? undefined : this.#d.clock.nowMs() - this.#lastRenewAtMs;
  }

  /** Starts a term from the write that acquired the lease (sent at `sentAtMs`) and starts leader work. */
  begin(written: VersionedRecord, sentAtMs: number): Term {
    const term = new Term(written, sentAtMs);
    this.#term = term;
    this.#termEnded = false;
    this.#lastRenewAtMs = sentAtMs;
    this.#armWatchdog(term);
    const { identity } = this.#d;
    this.#d.metrics.leading(true);
    this.#d.log.info({ identity, term: written.record.leaseTransitions }, 'Started leading');
    this.#d.events.emit('startedLeading', { identity, term: written.record.leaseTransitions });
    term.work = this.#startWork(term);
    return term;
  }

  /** Records a successful renewal; false when the term ended while the request was in flight. */
  renewed(term: Term, written: VersionedRecord, sentAtMs: number): boolean {
    if (term !== this.#term) return false;
    term.renewed(written, sentAtMs);
    this.#lastRenewAtMs = sentAtMs;
    this.#d.metrics.renewSucceeded((this.#d.clock.nowMs() - sentAtMs) / 1000);
    this.#armWatchdog(term);
    return true;
  }

  /** Ends `term` if it is still the current one; false when it had already ended. */
  end(term: Term, reason: string, lost: boolean): boolean {
    if (term !== this.#term) return false;
    this.#term = undefined;
    this.#termEnded = true;
    term.end(new NotLeaderError(reason));
    this.#d.metrics.leading(false);
    this.#d.log[lost ? 'warn' : 'info']({ reason }, 'Stopped leading');
    this.#d.events.emit('stoppedLeading', { identity: this.#d.identity, reason });
    return true;
  }

  fence(): Fence {
    const term = this.#term;
    if (!term) throw new NotLeaderError('this elector does not hold the lease');
    const ageMs = this.#d.clock.nowMs() - term.lastRenewAtMs;
    if (ageMs >= this.#d.renewDeadlineMs) {
      throw new NotLeaderError(`last renewal ${ageMs}ms ago, renew deadline ${this.#d.renewDeadlineMs}ms`);
    }
    const { version, record } = term.written;
    return { identity: this.#d.identity, version, term: record.leaseTransitions, validForMs: this.#d.renewDeadlineMs - ageMs, signal: term.signal };
  }

  check(toleranceMs: number): string | undefined {
    const term = this.#term;
    if (!term) return undefined;
    const ageMs = this.#d.clock.nowMs() - term.lastRenewAtMs;
    const limitMs = this.#d.leaseDurationMs + toleranceMs;
    return ageMs > limitMs ? `leading but the lease was last renewed ${ageMs}ms ago (limit ${limitMs}ms)` : undefined;
  }

  /** True when the term's leader work settled within `timeoutMs`. */
  async workSettled(term: Term, timeoutMs: number): Promise<boolean> {
    const timer = new AbortController();
    const timedOut = this.#d.clock.sleep(timeoutMs, timer.signal).then(
      () => false,
      () => true,
    );
    const settled = await Promise.race([term.work.then(() => true), timedOut]);
    timer.abort();
    return settled;
  }

  #armWatchdog(term: Term): void {
    const deadline = this.#d.renewDeadlineMs;
    term.armWatchdog(this.#d.clock, deadline, () => this.end(term, `no renewal succeeded within ${deadline}ms`, true));
  }

  #startWork(term: Term): Promise<void> {
    const work = this.#d.onStartedLeading;
    if (!work) return Promise.resolve();
    return Promise.resolve()
      .then(() => work(term.signal))
      .then(
        () => undefined,
        (err: unknown) => {
          // Work that throws because the term ended is the expected way to stop.
          if (!term.ended) this.#d.log.error({ err }, 'Leader work failed');
        },
      );
  }
}
