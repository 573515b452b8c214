import type { Clock } from '../clock/clock.js';

/**
 * How a standby waits between passes. In poll mode (client-go) it sleeps a
 * jittered retryPeriod. In watch mode it sleeps until the observed lease would
 * expire: the watch keeps moving that moment forward with every renewal it
 * sees, so a healthy leader costs standbys no reads at all, and a release
 * (empty holder) wakes them at once. The jittered retryPeriod remains the
 * fallback whenever no expiry is known (nothing observed yet, a failed or lost
 * attempt).
 */
export class StandbyWaiter {
  readonly #clock: Clock;
  readonly #jitteredMs: () => number;
  readonly #expiresAtMs: () => number | undefined;
  #releasePending = false;
  #wake: AbortController | undefined;

  /** `expiresAtMs` answers when the lease, as last observed, would expire; undefined when it is free or unknown. */
  constructor(clock: Clock, jitteredMs: () => number, expiresAtMs: () => number | undefined) {
    this.#clock = clock;
    this.#jitteredMs = jitteredMs;
    this.#expiresAtMs = expiresAtMs;
  }

  /** A pass reads the lock itself, so a release seen before it is already accounted for. */
  passStarted(): void {
    this.#releasePending = false;
  }

  /** The watch saw a released record: cut the current wait short (or skip the next one). */
  released(): void {
    this.#releasePending = true;
    this.#wake?.abort();
  }

  /** Resolves when the next pass is due; rejects only when `signal` (stop) aborts. */
  async wait(watch: boolean, signal: AbortSignal): Promise<void> {
    if (!watch) return this.#clock.sleep(this.#jitteredMs(), signal);
    if (this.#releasePending) return;
    const expiresAt = this.#expiresAtMs();
    let delayMs = expiresAt === undefined ? this.#jitteredMs() : expiresAt - this.#clock.nowMs();
    for (;;) {
      if (await this.#sleepUnlessReleased(delayMs, signal)) return;
      // Renewals seen meanwhile moved the expiry: keep sleeping without a pass.
      const next = this.#expiresAtMs();
      if (next === undefined || next <= this.#clock.nowMs()) return;
      delayMs = next - this.#clock.nowMs();
    }
  }

  /** True when a release woke us early. */
  async #sleepUnlessReleased(delayMs: number, signal: AbortSignal): Promise<boolean> {
    const wake = new AbortController();
    const onStop = () => wake.abort();
    signal.addEventListener('abort', onStop, { once: true });
    this.#wake = wake;
    try {
      await this.#clock.sleep(Math.max(0, delayMs), wake.signal);
      return false;
    } catch (err) {
      if (signal.aborted) throw err;
      return true;
    } finally {
      this.#wake = undefined;
      signal.removeEventListener('abort', onStop);
    }
  }
}
