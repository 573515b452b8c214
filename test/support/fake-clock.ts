import type { Clock } from '../../agent/clock/clock.js';

interface Sleeper {
  readonly wakeAt: number;
  readonly resolve: () => void;
}

/**
 * A clock that moves only when the test says so. `sleep` resolves when
 * `advance` passes its deadline, so loops can be stepped deterministically.
 * `wallOffsetMs` lets a test skew wall time against monotonic time.
 */
export class FakeClock implements Clock {
  #now: number;
  #wallBase: number;
  #sleepers: Sleeper[] = [];

  constructor(startMs = 1_000_000, wallIso = '2026-11-27T12:00:00.000Z') {
    this.#now = startMs;
    this.#wallBase = Date.parse(wallIso) - startMs;
  }

  nowMs(): number {
    return this.#now;
  }

  wallTime(): Date {
    return new Date(this.#wallBase + this.#now);
  }

  /** Moves wall time without moving monotonic time (an NTP step, a skewed node). */
  skewWall(ms: number): void {
    this.#wallBase += ms;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortError());
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
        reject(abortError());
      };
      // Loops sleep many times on one long-lived signal: drop the listener when the sleep ends.
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const sleeper: Sleeper = { wakeAt: this.#now + Math.max(0, ms), resolve: wake };
      this.#sleepers.push(sleeper);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Number of pending sleeps, so a test can wait until a loop is parked. */
  get pendingSleeps(): number {
    return this.#sleepers.length;
  }

  /**
   * Moves monotonic time without waking anyone: a starved or paused process
   * whose timers fire late. The next `advance` wakes what came due meanwhile.
   */
  jump(ms: number): void {
    this.#now += ms;
  }

  /** Advances time and wakes every sleeper whose deadline passed, in deadline order. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    // Work started before this call (a loop's first pass) settles at the current time, not at a later deadline.
    await flushMicrotasks();
    for (;;) {
      const next = this.#sleepers.filter((s) => s.wakeAt <= target).sort((a, b) => a.wakeAt - b.wakeAt)[0];
      if (!next) break;
      this.#now = Math.max(this.#now, next.wakeAt);
      this.#sleepers = this.#sleepers.filter((s) => s !== next);
      next.resolve();
      // Let the woken task run up to its next await before waking the next one.
      await flushMicrotasks();
    }
    this.#now = target;
    await flushMicrotasks();
  }
}

function abortError(): Error {
  const err = new Error('The operation was aborted');
  err.name = 'AbortError';
  return err;
}

export async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise((resolve) => setImmediate(resolve));
}
