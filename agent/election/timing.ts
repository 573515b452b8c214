/**
 * The three durations that make leader election safe, and the rule that ties
 * them together (client-go `NewLeaderElector`). Shared by the config rules and
 * the LeaderElector constructor, so an operator and a programmer get the same
 * answer for the same numbers.
 */
export interface ElectionTiming {
  /** How long a standby waits, from when it last saw the record change, before it may take over. */
  readonly leaseDurationMs: number;
  /** How long the leader may go without a successful renewal before it stops leading. */
  readonly renewDeadlineMs: number;
  /** Wait between attempts: fixed while leading, jittered while standing by. */
  readonly retryPeriodMs: number;
}

/** Acquire waits are `retryPeriod × (1 + random × JITTER_FACTOR)`, as in client-go. */
export const JITTER_FACTOR = 1.2;

/** The defaults of the config schema, chosen for a SIP core (see docs/election.md). */
export const DEFAULT_TIMING: ElectionTiming = { leaseDurationMs: 8_000, renewDeadlineMs: 6_000, retryPeriodMs: 2_000 };

export interface TimingViolation {
  readonly field: keyof ElectionTiming;
  readonly reason: string;
}

/** Every broken invariant, not just the first; empty when the timing is safe. */
export function timingViolations(t: ElectionTiming): TimingViolation[] {
  const out: TimingViolation[] = [];
  for (const field of ['leaseDurationMs', 'renewDeadlineMs', 'retryPeriodMs'] as const) {
    if (!Number.isFinite(t[field]) || t[field] <= 0) out.push({ field, reason: `must be greater than 0 (got ${t[field]})` });
  }
  if (out.length > 0) return out;
  if (t.leaseDurationMs <= t.renewDeadlineMs) {
    out.push({
      field: 'leaseDurationMs',
      reason: `must be greater than renewDeadlineMs (${t.leaseDurationMs} <= ${t.renewDeadlineMs})`,
    });
  }
  if (t.renewDeadlineMs <= JITTER_FACTOR * t.retryPeriodMs) {
    out.push({
      field: 'renewDeadlineMs',
      reason: `must be greater than ${JITTER_FACTOR} x retryPeriodMs (${t.renewDeadlineMs} <= ${JITTER_FACTOR * t.retryPeriodMs})`,
    });
  }
  return out;
}

/** The record carries whole seconds; rounding up keeps standbys waiting at least as long as configured. */
export function leaseSeconds(leaseDurationMs: number): number {
  return Math.max(1, Math.ceil(leaseDurationMs / 1000));
}
