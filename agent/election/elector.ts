import type { Logger } from 'pino';
import { withDeadline } from '../clock/deadline.js';
import { ElectionEmitter, type ElectionEventName, type ElectionEvents } from './events.js';
import { Leadership, type Fence } from './leadership.js';
import type { VersionedRecord } from './lock.js';
import { noElectionMetrics, type ElectionMetricsSink } from './metrics.js';
import { ObservedLease } from './observed.js';
import { resolveOptions, type LeaderElectorOptions, type ResolvedOptions } from './options.js';
import { releaseLease } from './release.js';
import { StandbyWaiter } from './standby.js';
import { ElectionPass, type PassResult } from './pass.js';
import type { Term } from './term.js';
import { JITTER_FACTOR } from './timing.js';

export type { LeaderElectorOptions } from './options.js';
export type { Fence } from './leadership.js';

export interface ElectionStatus {
  /** The holder last observed; undefined when none or released. */
  readonly leader: string | undefined;
  readonly isLeader: boolean;
  /** Local time since this elector's last successful write of the lease; undefined if it never wrote. */
  readonly lastRenewAgeMs: number | undefined;
  /** leaseTransitions of the record last observed. */
  readonly transitions: number;
}

/**
 * Leader election over a LeaseLock with client-go semantics (docs/election.md).
 * One loop that never overlaps itself: a standby pass reads the lock and takes
 * it when free or expired *on the local clock*; a leader pass renews it every
 * retryPeriod. A term ends when no renewal succeeded within renewDeadline,
 * when the lock names someone else or is deleted, or on stop.
 *
 * After a lost term the elector RETURNS TO STANDBY instead of exiting (unlike
 * kube-controller-manager): this sidecar also serves the pod's /readyz, and a
 * container restart would take a healthy SIP server out of service. Leader
 * work is aborted at once, and the lease is re-acquired only through the
 * normal path, after a full observed lease duration.
 */
export class LeaderElector {
  readonly #o: ResolvedOptions;
  readonly #log: Logger;
  readonly #metrics: ElectionMetricsSink;
  readonly #events: ElectionEmitter;
  readonly #observed: ObservedLease;
  readonly #standby: StandbyWaiter;
  readonly #leadership: Leadership;
  readonly #pass: ElectionPass;
  readonly #stopping = new AbortController();
  #acquiredWhileStopping = false;
  /** Local time until which this elector does not compete: it handed the lease over (handOver). */
  #yieldUntilMs = Number.NEGATIVE_INFINITY;
  #handingOver: Promise<string> | undefined;
  #lastReportedHolder: string | undefined;
  #loop: Promise<void> | undefined;
  #stopped: Promise<void> | undefined;
  #unwatch: (() => void) | undefined;

  /** Throws ElectionConfigError on unsafe timing, an empty identity or bad timeouts. */
  constructor(options: LeaderElectorOptions) {
    const o = resolveOptions(options);
    this.#o = o;
    this.#log = o.log.child({ lease: o.lock.describe() });
    this.#metrics = o.metrics ?? noElectionMetrics;
    this.#events = new ElectionEmitter(this.#log);
    this.#observed = new ObservedLease(o.leaseDurationMs);
    this.#leadership = new Leadership({ ...o, log: this.#log, metrics: this.#metrics, events: this.#events });
    const jitteredMs = () => o.retryPeriodMs * (1 + Math.min(Math.max(o.random(), 0), 1) * JITTER_FACTOR);
    this.#standby = new StandbyWaiter(o.clock, jitteredMs, () => this.#expiresAtMs());
    this.#pass = new ElectionPass({
      options: o, log: this.#log, metrics: this.#metrics, leadership: this.#leadership, observed: this.#observed, stopping: this.#stopping.signal,
      see: (seen) => this.#see(seen),
      heldForMs: () => this.#heldForMs(),
      yielding: () => this.yielding(),
      acquiredWhileStopping: () => {
        this.#acquiredWhileStopping = true;
      },
      call: (op, fn, outer) => this.#call(op, fn, outer),
    });
  }

  /** startedLeading, stoppedLeading, newLeader; returns an unsubscribe function. */
  on<E extends ElectionEventName>(event: E, listener: (payload: ElectionEvents[E]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /** Starts the loop once. Standbys subscribe to the lock's watch unless `watch: false`. */
  start(): void {
    if (this.#loop || this.#stopping.signal.aborted) return;
    if (this.#o.watch) this.#unwatch = this.#o.lock.watch((seen) => this.#onWatch(seen));
    this.#log.info({ identity: this.#o.identity, watch: this.#o.watch }, 'Started leader election');
    this.#loop = this.#run(this.#stopping.signal);
  }

  /**
   * Aborts leader work at once, lets the loop finish, waits (up to
   * stopTimeoutMs) for leader work to settle, then releases the lease unless
   * `release: false` (a "killed" process). The release is skipped when leader
   * work did not settle: a standby taking over at once could overlap with it.
   * A standby's stop just stops. Never rejects.
   */
  stop(options: { release?: boolean } = {}): Promise<void> {
    this.#stopped ??= this.#shutdown(options.release ?? true);
    return this.#stopped;
  }

  /**
   * Steps down so a standby leads instead (a leader that chose itself for
   * scale-in): ends the term (fence() refuses from now on), waits up to
   * stopTimeoutMs for leader work to settle, releases the lease exactly as a
   * graceful stop does (a write conditional on the version just read), and
   * then does not compete for one lease duration, so a standby takes it. After
   * that it competes again through the normal path (nobody else took it).
   * Must not be awaited from inside leader work: it waits for that work.
   * Resolves to a sentence; never rejects.
   */
  handOver(): Promise<string> {
    const term = this.#leadership.term;
    if (!term || this.#stopping.signal.aborted) return Promise.resolve('Did not hand over: not leading');
    this.#handingOver ??= this.#handOver(term).finally(() => {
      this.#handingOver = undefined;
    });
    return this.#handingOver;
  }

  /** True while this elector stays out of the election after a hand-over. */
  yielding(): boolean {
    return this.#handingOver !== undefined || this.#o.clock.nowMs() < this.#yieldUntilMs;
  }

  async #handOver(term: Term): Promise<string> {
    this.#yieldUntilMs = Number.POSITIVE_INFINITY;
    this.#leadership.end(term, 'handing the lease over to a standby', false);
    let outcome: string;
    if (!(await this.#leadership.workSettled(term, this.#o.stopTimeoutMs))) {
      outcome = `Did not release the lease: leader work still running after ${this.#o.stopTimeoutMs}ms`;
    } else outcome = await releaseLease({ ...this.#o, log: this.#log, call: (op, fn) => this.#call(op, fn) });
    this.#yieldUntilMs = this.#o.clock.nowMs() + this.#o.leaseDurationMs;
    this.#log.info({ outcome, yieldMs: this.#o.leaseDurationMs }, 'Handed the lease over');
    return outcome;
  }

  /** Throws NotLeaderError unless leading and last renewed within renewDeadline, now. Call before every leader-only write. */
  fence(): Fence {
    return this.#leadership.fence();
  }

  /** The current term's signal, or undefined while standing by. */
  leaderSignal(): AbortSignal | undefined {
    return this.#leadership.term?.signal;
  }

  /**
   * The pods changed: a standby that can now prove the holder's process gone
   * (the kubelet reported its sidecar container ended) runs its next pass at
   * once instead of waiting out the lease. The pass reads the Lease again and
   * judges again before it writes.
   */
  podsChanged(): void {
    if (this.#leadership.term || this.#stopping.signal.aborted) return;
    const current = this.#observed.current;
    if (current && this.#heldForMs() !== undefined && this.#pass.verdict(current.record)?.proof) this.#standby.released();
  }

  /** For /livez (client-go HealthzAdaptor): a reason when leading but not renewed for leaseDuration + tolerance. */
  check(toleranceMs: number): string | undefined {
    return this.#leadership.check(toleranceMs);
  }

  status(): ElectionStatus {
    const holder = this.#observed.holder;
    return {
      leader: holder === undefined || holder === '' ? undefined : holder,
      isLeader: this.#leadership.term !== undefined,
      lastRenewAgeMs: this.#leadership.lastRenewAgeMs(),
      transitions: this.#observed.current?.record.leaseTransitions ?? 0,
    };
  }

  async #run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const startedAtMs = this.#o.clock.nowMs();
      this.#standby.passStarted();
      const result = await this.#safePass(signal);
      this.#log[result.level ?? 'debug']({ reason: result.reason, err: result.err }, 'Ran election pass');
      try {
        // Leaders renew at a fixed cadence from the start of the last pass; standbys wait for their turn.
        if (this.#leadership.term) await this.#o.clock.sleep(Math.max(0, startedAtMs + this.#o.retryPeriodMs - this.#o.clock.nowMs()), signal);
        else await this.#standby.wait(this.#o.watch, signal);
      } catch (err) {
        if (!signal.aborted) this.#log.error({ err }, 'Election wait failed');
      }
    }
  }

  async #safePass(signal: AbortSignal): Promise<PassResult> {
    try {
      return await this.#pass.run(signal);
    } catch (err) {
      if (signal.aborted) return { reason: 'Stopped during an attempt' };
      return { reason: 'Election pass failed unexpectedly; retrying on the next tick', level: 'error', err };
    }
  }

  async #shutdown(release: boolean): Promise<void> {
    const term = this.#leadership.term;
    if (term) this.#leadership.end(term, 'the elector is stopping', false);
    this.#stopping.abort();
    this.#unwatch?.();
    await this.#loop;
    let outcome: string;
    if (!term && !this.#acquiredWhileStopping) outcome = 'Stopped as a standby';
    else if (!release) outcome = 'Stopped without releasing the lease';
    else if (term && !(await this.#leadership.workSettled(term, this.#o.stopTimeoutMs))) {
      outcome = `Did not release the lease: leader work still running after ${this.#o.stopTimeoutMs}ms`;
    } else outcome = await releaseLease({ ...this.#o, log: this.#log, call: (op, fn) => this.#call(op, fn) });
    this.#log.info({ outcome }, 'Stopped leader election');
  }

  /** Watch events only feed standbys: a leader learns about its lease from its own writes. */
  #onWatch(seen: VersionedRecord | undefined): void {
    try {
      if (seen === undefined || this.#leadership.term || this.#stopping.signal.aborted) return;
      this.#see(seen);
      if (this.#observed.holder === '') this.#standby.released();
    } catch (err) {
      this.#log.error({ err }, 'Could not handle lease watch event');
    }
  }

  /** Records what we saw (resetting the observed time on change) and announces a new holder once. */
  #see(seen: VersionedRecord): void {
    if (!this.#observed.observe(seen, this.#o.clock.nowMs())) return;
    const holder = this.#observed.holder ?? '';
    const previous = this.#lastReportedHolder;
    if (holder === previous) return;
    this.#lastReportedHolder = holder;
    if (holder === '') return; // a release: nobody to announce
    if (previous !== undefined) this.#metrics.transitionObserved();
    this.#log.info({ leader: holder, previous }, 'Observed new leader');
    this.#events.emit('newLeader', { identity: holder, previous });
  }

  /** How long the observed lease still binds us; undefined when we may take it now. */
  #heldForMs(): number | undefined {
    const expiresAtMs = this.#expiresAtMs();
    return expiresAtMs === undefined ? undefined : expiresAtMs - this.#o.clock.nowMs();
  }

  #expiresAtMs(): number | undefined {
    if (!this.#observed.isHeld(this.#o.clock.nowMs())) return undefined;
    if (this.#observed.holder === this.#o.identity && !this.#leadership.termEnded) return undefined;
    return this.#observed.expiresAtMs();
  }

  #call<T>(operation: string, fn: (signal: AbortSignal) => Promise<T>, outer?: AbortSignal): Promise<T> {
    return withDeadline(this.#o.clock, this.#o.requestTimeoutMs, `lease ${operation}`, [outer], fn);
  }
}
