import { bucketNeed, type LoadCurve } from './curve.js';
import { bucketOf, weekOf } from './week.js';

/** spec.predictive as read from the API server (CRD defaults applied). */
export interface PredictiveSpec {
  readonly enabled: boolean;
  readonly leadTimeSeconds?: number | undefined;
  readonly historyWeeks: number;
  readonly maxBoostReplicas: number;
}

/** Lead time before any start-to-ready time was measured and none is set in the spec. */
export const DEFAULT_LEAD_SECONDS = 60;

/** What the history says about the next lead time; shown by GET /scale. */
export interface Forecast {
  /** Replicas the history needs at now + lead; null without enough history there. */
  readonly replicas: number | null;
  readonly leadSeconds: number;
  readonly leadSource: 'spec' | 'measured' | 'default';
  /** Wall time one lead time ahead (ISO). */
  readonly until: string;
  /** Why there is no number, or where it came from. */
  readonly note: string;
  readonly startToReadySeconds: number | null;
}

export function leadTime(curve: LoadCurve, spec: PredictiveSpec): { seconds: number; source: Forecast['leadSource'] } {
  if (spec.leadTimeSeconds !== undefined) return { seconds: spec.leadTimeSeconds, source: 'spec' };
  if (curve.startToReadySeconds !== null) return { seconds: Math.ceil(curve.startToReadySeconds), source: 'measured' };
  return { seconds: DEFAULT_LEAD_SECONDS, source: 'default' };
}

/**
 * The replicas needed one lead time ahead: what the history holds for the
 * bucket of now + lead. Capacity ordered now is ready then; what is needed
 * before then was ordered by earlier passes, and what is needed now is the
 * reactive rule's job. (Taking the maximum over the whole window instead held
 * capacity for up to a bucket too long on every falling slope: +8 % replica-hours
 * in bench/scaling-predictive.ts.) Pure.
 */
export function forecast(curve: LoadCurve, spec: PredictiveSpec, wallMs: number): Forecast {
  const lead = leadTime(curve, spec);
  const untilMs = wallMs + lead.seconds * 1000;
  const base = { leadSeconds: lead.seconds, leadSource: lead.source, until: new Date(untilMs).toISOString(), startToReadySeconds: curve.startToReadySeconds };
  const best = bucketNeed(curve, bucketOf(untilMs), weekOf(untilMs), spec.historyWeeks);
  if (best === null) return { ...base, replicas: null, note: 'not enough history: the forecast needs at least one full week at this time of week' };
  // The fixed-point level may carry a fraction: a need of 3.0001 is still 3 pods, of 3.2 is 4.
  const replicas = Math.ceil(best - 1e-6);
  return { ...base, replicas, note: `history needs ${replicas} in ${lead.seconds}s (lead time ${lead.source})` };
}
