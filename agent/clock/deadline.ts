import type { Clock } from './clock.js';

/**
 * What a clock deadline aborts with. Named like the reason of Node's
 * `AbortSignal.timeout`, so code that asks "was it a timeout?" by name keeps
 * working, but driven by an injected Clock: a FakeClock decides when it fires.
 */
export class TimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what} did not finish within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/** A signal that aborts at a deadline on a Clock, and the way to cancel the deadline's timer. */
export interface Deadline {
  readonly signal: AbortSignal;
  /** Cancels the timer (the call settled); the signal stays as it is. Idempotent. */
  cancel(): void;
}

/**
 * The replacement for `AbortSignal.timeout(ms)`: aborts after `ms` on `clock`
 * with a TimeoutError, or as soon as one of `also` aborts, with its reason.
 * Call `cancel()` when the work settles, or the timer stays pending until it
 * fires (on a FakeClock it would count as a pending sleep).
 */
export function deadline(clock: Clock, ms: number, what: string, ...also: readonly (AbortSignal | undefined)[]): Deadline {
  const controller = new AbortController();
  const timer = new AbortController();
  const outer = also.filter((s): s is AbortSignal => s !== undefined);
  const onOuter = (event: Event): void => controller.abort((event.target as AbortSignal).reason);
  const cancel = (): void => {
    timer.abort();
    for (const s of outer) s.removeEventListener('abort', onOuter);
  };
  const already = outer.find((s) => s.aborted);
  if (already) {
    controller.abort(already.reason);
    return { signal: controller.signal, cancel };
  }
  for (const s of outer) s.addEventListener('abort', onOuter, { once: true });
  controller.signal.addEventListener('abort', cancel, { once: true });
  clock.sleep(Math.max(0, ms), timer.signal).then(
    () => controller.abort(new TimeoutError(what, ms)),
    () => undefined, // cancelled: the work settled first
  );
  return { signal: controller.signal, cancel };
}

/**
 * Runs `work` under a `deadline` and settles when the signal aborts even if
 * `work` ignores it, so a hung port can never hold a loop past its bound.
 * The timer is cancelled as soon as the race is decided. The one bounded-call
 * helper: lease calls, peer-file writes and reloads, peer fetches and API
 * calls all go through it.
 */
export async function withDeadline<T>(
  clock: Clock,
  ms: number,
  what: string,
  also: readonly (AbortSignal | undefined)[],
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const d = deadline(clock, ms, what, ...also);
  // Stopped before it began (an outer signal already aborted): the work never starts.
  if (d.signal.aborted) throw reasonOf(d.signal);
  const aborted = new Promise<never>((_resolve, reject) => {
    if (d.signal.aborted) reject(reasonOf(d.signal));
    else d.signal.addEventListener('abort', () => reject(reasonOf(d.signal)), { once: true });
  });
  aborted.catch(() => undefined); // the race may be won by `work`; nobody else awaits this
  try {
    return await Promise.race([work(d.signal), aborted]);
  } finally {
    d.cancel();
  }
}

function reasonOf(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const err = new Error('The operation was aborted');
  err.name = 'AbortError';
  return err;
}
