import type { ScalingHistory } from './types.js';

/**
 * Pure updates of the memory `decide` keeps between cycles. Nothing is
 * mutated: each function returns a new history, so a test can replay a cycle
 * from any earlier state.
 */

/**
 * Takes note of spec.replicas as read this cycle. A change nobody recorded
 * (kubectl scale, a scale-in step the orchestrator finished, a write by the
 * previous leader) is logged as a scale event so the rate policies see it. The
 * very first cycle seeds the scale-down window with the current count, as the
 * HPA does for a new autoscaler: a fresh leader never shrinks the cluster at once.
 */
export function observe(history: ScalingHistory, currentReplicas: number, nowMs: number): ScalingHistory {
  if (history.lastReplicas === null) {
    const recommendations = history.recommendations.length === 0 ? [{ atMs: nowMs, replicas: currentReplicas }] : history.recommendations;
    return { ...history, recommendations, lastReplicas: currentReplicas };
  }
  if (history.lastReplicas === currentReplicas) return history;
  const event = { atMs: nowMs, change: currentReplicas - history.lastReplicas };
  return { ...history, events: [...history.events, event], lastReplicas: currentReplicas };
}

/**
 * The scaler calls this right after a successful write of spec.replicas, so the
 * event carries the write's time (not the next cycle's) and `observe` does not
 * count it twice.
 */
export function recordScale(history: ScalingHistory, from: number, to: number, nowMs: number): ScalingHistory {
  if (from === to) return history;
  return { ...history, events: [...history.events, { atMs: nowMs, change: to - from }], lastReplicas: to };
}

/** Appends this cycle's recommendation and forgets what no window or period can see any more. */
export function remember(
  history: ScalingHistory,
  recommendation: number,
  nowMs: number,
  keep: { readonly recommendationsMs: number; readonly eventsMs: number },
): ScalingHistory {
  const recommendations = history.recommendations.filter((r) => r.atMs > nowMs - keep.recommendationsMs);
  const events = history.events.filter((e) => e.atMs > nowMs - keep.eventsMs);
  return { ...history, recommendations: [...recommendations, { atMs: nowMs, replicas: recommendation }], events };
}
