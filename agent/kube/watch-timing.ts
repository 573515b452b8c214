import type { Random } from '../clock/random.js';

/**
 * When a watch reconnects, and how long each session is asked to last.
 *
 * Jitter is client-go's `wait.Jitter(d, 1.0)`, as its reflectors use it: the
 * wait is uniform in [d, 2d), where d grows exponentially. We keep d as a
 * floor rather than use "full jitter" (uniform in [0, d)): both spread N
 * sidecars over a window as wide as d, but full jitter lets a sidecar come
 * straight back to an API server that is still failing, while this way every
 * sidecar waits at least d, so the load on a recovering server only ever falls.
 */

/** First backoff d; doubled per failure in a row. */
export const BASE_BACKOFF_MS = 400;
/** Default cap on d (the wait itself is at most twice this). */
export const DEFAULT_MAX_BACKOFF_MS = 5000;
/** A clean close sooner than this after the start, with no event, counts as a failure (client-go's "very short watch"). */
export const SHORT_SESSION_MS = 1000;

const unit = (random: Random): number => Math.min(Math.max(random(), 0), 1);

/** The wait before reconnecting after `failures` failed sessions in a row (>= 1). */
export function reconnectDelayMs(failures: number, maxBackoffMs: number, random: Random): number {
  const d = Math.min(maxBackoffMs, BASE_BACKOFF_MS * 2 ** Math.min(Math.max(failures, 1) - 1, 10));
  return d * (1 + unit(random));
}

/**
 * The timeoutSeconds of one watch request: uniform in [base, 2·base), as
 * client-go's reflector draws it, so sidecars started together do not all
 * re-watch at the same second for ever after.
 */
export function sessionTimeoutSeconds(baseSeconds: number, random: Random): number {
  return Math.max(1, Math.floor(baseSeconds * (1 + unit(random))));
}
