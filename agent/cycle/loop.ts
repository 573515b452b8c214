import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.js';

/** What one pass did, in one sentence; logged once (info when it acted, debug when it did nothing). */
export interface PassOutcome {
  readonly reason: string;
  readonly acted: boolean;
  /** The pass has work due sooner than the next tick (a retry): run again after this many ms. */
  readonly againInMs?: number;
}

/** The soonest a pass may ask to run again. */
const MIN_AGAIN_MS = 10;

export interface LoopOptions {
  readonly name: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly intervalMs: number;
  /** One pass; it must bound its own I/O, and gets a signal that aborts on stop. */
  readonly pass: (signal: AbortSignal) => Promise<PassOutcome>;
}

/**
 * Runs a pass every interval, forever: passes never overlap (the next starts
 * after the previous ended), an exception is logged as a bug and the loop goes
 * on, and a pass can be requested early (an event woke us up). `lastRunMs`
 * feeds /livez.
 */
export class Loop {
  readonly #o: LoopOptions;
  readonly #stop = new AbortController();
  #wake: AbortController = new AbortController();
  #running: Promise<void> | undefined;
  #lastRunMs: number | undefined;
  #lastReason = '';
  #triggered = false;

  constructor(options: LoopOptions) {
    this.#o = options;
  }

  get lastRunMs(): number | undefined {
    return this.#lastRunMs;
  }

  get lastReason(): string {
    return this.#lastReason;
  }

  start(): void {
    this.#running ??= this.#run();
  }

  /** Runs the next pass now instead of at the next tick (coalesces many calls into one pass). */
  trigger(): void {
    this.#triggered = true;
    this.#wake.abort();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    this.#wake.abort();
    await this.#running;
  }

  /** A reason for /livez when no pass completed within `maxAgeMs`. */
  check(maxAgeMs: number): string | undefined {
    if (this.#lastRunMs === undefined) return undefined;
    const age = this.#o.clock.nowMs() - this.#lastRunMs;
    return age > maxAgeMs ? `${this.#o.name} loop has not completed a pass for ${Math.round(age)} ms` : undefined;
  }

  async #run(): Promise<void> {
    this.#lastRunMs = this.#o.clock.nowMs();
    while (!this.#stop.signal.aborted) {
      const started = this.#o.clock.nowMs();
      this.#triggered = false;
      let againInMs = Number.POSITIVE_INFINITY;
      try {
        const outcome = await this.#o.pass(this.#stop.signal);
        againInMs = outcome.againInMs ?? againInMs;
        this.#lastReason = outcome.reason;
        if (outcome.acted) this.#o.logger.info({ loop: this.#o.name }, outcome.reason);
        else this.#o.logger.debug({ loop: this.#o.name }, outcome.reason);
      } catch (err) {
        this.#o.logger.error({ err, loop: this.#o.name }, 'Loop pass failed unexpectedly; this is a bug, please report it');
      }
      this.#lastRunMs = this.#o.clock.nowMs();
      const elapsed = this.#lastRunMs - started;
      if (this.#stop.signal.aborted) break;
      if (this.#triggered) continue;
      if (elapsed >= this.#o.intervalMs) {
        this.#o.logger.warn({ loop: this.#o.name, elapsedMs: Math.round(elapsed) }, 'Loop pass exceeded its interval');
        continue;
      }
      this.#wake = new AbortController();
      // The floor keeps a pass that keeps asking for "now" from spinning the CPU.
      const sleepMs = Math.min(this.#o.intervalMs - elapsed, Math.max(MIN_AGAIN_MS, againInMs));
      await this.#o.clock.sleep(sleepMs, AbortSignal.any([this.#wake.signal, this.#stop.signal])).catch(() => undefined);
    }
  }
}
