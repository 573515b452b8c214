import type { Clock } from '../clock/clock.js';
import type { VersionedRecord } from './lock.js';

/**
 * One period of leadership, from the write that acquired the lease to the
 * moment it was lost or given up. Leader work gets `signal`, which aborts the
 * instant the term ends; `lastRenewAtMs` is when the last successful write was
 * *sent* (monotonic), the conservative end of the window in which the API
 * server applied it.
 */
export class Term {
  readonly #controller = new AbortController();
  #watchdog = new AbortController();
  #written: VersionedRecord;
  #lastRenewAtMs: number;
  /** Settles when the leader work started for this term finishes; never rejects. */
  work: Promise<void> = Promise.resolve();

  constructor(written: VersionedRecord, sentAtMs: number) {
    this.#written = written;
    this.#lastRenewAtMs = sentAtMs;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get ended(): boolean {
    return this.#controller.signal.aborted;
  }

  get written(): VersionedRecord {
    return this.#written;
  }

  get lastRenewAtMs(): number {
    return this.#lastRenewAtMs;
  }

  renewed(written: VersionedRecord, sentAtMs: number): void {
    this.#written = written;
    this.#lastRenewAtMs = sentAtMs;
  }

  /**
   * (Re)starts the watchdog that ends the term when no renewal succeeds within
   * `renewDeadlineMs` of the last one. It runs beside the loop, so the term
   * ends on time even while a renewal request is still in flight.
   */
  armWatchdog(clock: Clock, renewDeadlineMs: number, onExpired: () => void): void {
    this.#watchdog.abort();
    const watchdog = new AbortController();
    this.#watchdog = watchdog;
    clock.sleep(this.#lastRenewAtMs + renewDeadlineMs - clock.nowMs(), watchdog.signal).then(onExpired, () => undefined);
  }

  /** Aborts leader work first (the signal's reason says why), then the watchdog. */
  end(reason: Error): void {
    this.#controller.abort(reason);
    this.#watchdog.abort();
  }
}
