import { BUCKETS_PER_WEEK, bucketOf, weekOf, weeksBetween } from './week.js';

/**
 * The weekly load curve of one VnfCluster: per time-of-week bucket, the
 * replicas the load needed. Each bucket keeps a decayed maximum over weeks:
 * the first sample of a new week starts from the old level times
 * (1 - 1/historyWeeks), and every sample raises it to at least itself. So the
 * level is the highest need seen at that time of week, where a week k weeks
 * old counts (1 - 1/historyWeeks)^k; with historyWeeks 1 it is last week's
 * peak exactly. A rising curve is followed at once, a falling one over about
 * historyWeeks weeks. Buckets not written for more than historyWeeks weeks
 * are ignored.
 *
 * Pure: every update returns a new curve (the arrays are copied), so a test
 * can replay any sequence.
 */

/** Levels are fixed point, 1/16 replica, in a Uint16Array: up to 4095 replicas (maxReplicas is at most 1000). */
export const LEVEL_SCALE = 16;
export const MAX_LEVEL = 0xffff;

export interface LoadCurve {
  /** Decayed max of replicas needed, x LEVEL_SCALE. */
  readonly level: Uint16Array;
  /** Week index (mod 256) of the last write to each bucket. */
  readonly stamp: Uint8Array;
  /** Distinct weeks each bucket was written in, saturating at 255; 0 = never. */
  readonly weeks: Uint8Array;
  /** Smoothed pod start-to-ready time measured by this cluster; null until measured. */
  readonly startToReadySeconds: number | null;
}

export function emptyCurve(): LoadCurve {
  return { level: new Uint16Array(BUCKETS_PER_WEEK), stamp: new Uint8Array(BUCKETS_PER_WEEK), weeks: new Uint8Array(BUCKETS_PER_WEEK), startToReadySeconds: null };
}

const toLevel = (replicas: number): number => Math.min(MAX_LEVEL, Math.max(0, Math.round(replicas * LEVEL_SCALE)));

/**
 * Takes note that `replicas` were needed at `wallMs`. Returns the same curve
 * when nothing changed, so the caller knows whether there is anything to store.
 */
export function recordNeed(curve: LoadCurve, wallMs: number, replicas: number, historyWeeks: number): LoadCurve {
  const b = bucketOf(wallMs);
  const week = weekOf(wallMs);
  const sample = toLevel(replicas);
  const seen = curve.weeks[b]! > 0;
  const newWeek = !seen || curve.stamp[b] !== week;
  let base = curve.level[b]!;
  if (newWeek && seen) {
    const age = weeksBetween(curve.stamp[b]!, week);
    // Older than the history kept: start afresh; otherwise decay once per week elapsed.
    base = age > historyWeeks ? 0 : Math.floor(base * (1 - 1 / historyWeeks) ** age);
  }
  const level = Math.max(base, sample);
  if (!newWeek && level === curve.level[b]) return curve;
  const next = { ...curve, level: curve.level.slice(), stamp: curve.stamp.slice(), weeks: curve.weeks.slice() };
  next.level[b] = level;
  next.stamp[b] = week;
  if (newWeek) next.weeks[b] = !seen || weeksBetween(curve.stamp[b]!, week) <= historyWeeks ? Math.min(255, curve.weeks[b]! + 1) : 1;
  return next;
}

/** Smooths a new start-to-ready measurement in (EWMA, weight 0.3); the first one is taken as is. */
export function recordStartToReady(curve: LoadCurve, seconds: number): LoadCurve {
  const prev = curve.startToReadySeconds;
  const next = prev === null ? seconds : prev + 0.3 * (seconds - prev);
  return { ...curve, startToReadySeconds: Math.round(next * 10) / 10 };
}

/**
 * What the history says a bucket needs, or why it says nothing. A bucket is
 * usable once it holds a week that is over: written in an earlier week (and
 * not longer ago than historyWeeks), or written this week after earlier weeks.
 * This is the "enough history" rule: the forecast needs at least one full week.
 */
export function bucketNeed(curve: LoadCurve, bucket: number, week: number, historyWeeks: number): number | null {
  const weeks = curve.weeks[bucket]!;
  if (weeks === 0) return null;
  const age = weeksBetween(curve.stamp[bucket]!, week);
  if (age > historyWeeks) return null;
  if (age === 0 && weeks < 2) return null;
  const decayed = age === 0 ? curve.level[bucket]! : curve.level[bucket]! * (1 - 1 / historyWeeks) ** (age - 1);
  return decayed / LEVEL_SCALE;
}
