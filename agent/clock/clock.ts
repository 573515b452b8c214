import { setTimeout as delay } from 'node:timers/promises';

/**
 * Time as the logic sees it. Durations are measured on the monotonic clock
 * (`nowMs`), which never jumps with NTP; wall time is only for timestamps that
 * are written to the API or shown to people.
 */
export interface Clock {
  /** Monotonic milliseconds; only differences are meaningful. */
  nowMs(): number;
  /** Wall-clock time, for API timestamps and logs. */
  wallTime(): Date;
  /** Resolves after `ms`, or rejects with an AbortError when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  nowMs: () => performance.now(),
  wallTime: () => new Date(),
  sleep: async (ms, signal) => {
    await delay(ms, undefined, signal ? { signal } : {});
  },
};
