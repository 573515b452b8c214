/**
 * Measures pod start-to-ready time from the cluster itself: the time from a
 * scale-up write until as many members are ready as were asked for. This is
 * how far ahead the forecast must order capacity. Pure.
 */
export interface ReadyWatch {
  readonly sinceMs: number;
  readonly target: number;
}

/** Longest wait that still counts as one start-to-ready time; past it the watch is dropped (a stuck rollout is no measure). */
export const READY_WATCH_LIMIT_MS = 15 * 60_000;

/** A scale-up was written: time it from now. A newer one restarts the watch (its pods start from now). */
export function watchScaleUp(watch: ReadyWatch | null, nowMs: number, from: number, to: number): ReadyWatch | null {
  return to > from ? { sinceMs: nowMs, target: to } : watch;
}

/** Checks the watch against this pass: the measured time once `ready` reached the target. */
export function checkReady(watch: ReadyWatch | null, nowMs: number, ready: number, replicas: number): { watch: ReadyWatch | null; measuredMs?: number } {
  if (!watch) return { watch };
  if (ready >= watch.target) return { watch: null, measuredMs: nowMs - watch.sinceMs };
  // Scaled down below the target meanwhile, or never got there: nothing to measure.
  if (replicas < watch.target || nowMs - watch.sinceMs > READY_WATCH_LIMIT_MS) return { watch: null };
  return { watch };
}
