import type { DecisionPolicy, MemberSample, ScalingSnapshot } from './types.js';

/**
 * The HPA's replica calculator (kube-controller-manager
 * `calcPlainMetricReplicas`), applied to SIP utilization:
 * desired = ceil(pods x averageUtilization / target), each reading counted at
 * most MAX_COUNTED_UTILIZATION, with the same care for
 * pods that did not report: a missing sample counts as 100% of target when
 * scaling down and 0% when scaling up, a not-ready pod counts as 0% when
 * scaling up, and if those assumptions flip the direction or land within
 * tolerance nothing changes. Pure; the caller passes the snapshot.
 */
export interface LoadEstimate {
  /** Replicas the load asks for (current replicas when it asks for no change). */
  readonly recommendation: number;
  readonly averageUtilization: number | null;
  readonly usageRatio: number | null;
  readonly fresh: number;
  readonly missing: number;
  readonly unready: number;
  /** Clause for the decision sentence, e.g. "average utilization 1.42 is above target 0.80 (ratio 1.78)". */
  readonly clause: string;
}

/** Floating point dust (0.88 / 0.8 = 1.1000000000000003) must not add a pod; the HPA uses milli-units for this. */
const EPSILON = 1e-9;

/**
 * The most a member's reading counts for, in units of its signal targets.
 * Past its capacity a pod's queues and probe latency measure its backlog, not
 * its load: on the real node one saturated Sprout carrying 1.6 pods' worth of
 * calls read 3.60 (its UDP receive queue) and the ratio rule ordered 5 pods
 * where 3 carried the load at target. The HPA's CPU metric has the same
 * ceiling built in (a container cannot use more than its limit). Demand past
 * this ceiling still reaches the cluster: the next pass reads again once the
 * new pods take calls, and the overload fast path adds pods meanwhile.
 */
export const MAX_COUNTED_UTILIZATION = 2;

export const fmt = (n: number): string => n.toFixed(2);
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

interface Groups {
  readonly fresh: MemberSample[];
  readonly missing: number;
  readonly unready: number;
}

/**
 * Sorts members the way the HPA groups pods. Replicas the Deployment has but
 * no member reports yet are pods still starting: they count as not ready.
 */
function group(snapshot: ScalingSnapshot, staleMs: number): Groups {
  const fresh: MemberSample[] = [];
  let missing = 0;
  let unready = 0;
  for (const m of snapshot.members) {
    if (!m.ready) unready++;
    else if (m.utilization === null || m.sampleAgeMs > staleMs) missing++;
    else fresh.push(m);
  }
  unready += Math.max(0, snapshot.currentReplicas - snapshot.members.length);
  return { fresh, missing, unready };
}

export function withinTolerance(ratio: number, tolerance: number): boolean {
  return Math.abs(1 - ratio) <= tolerance + EPSILON;
}

const ceilReplicas = (x: number): number => Math.ceil(x - EPSILON);

function compare(avg: number, target: number, ratio: number, tolerance: number, capped: number): string {
  const average = `average utilization ${fmt(avg)}${capped > 0 ? ` (${plural(capped, 'reading')} above ${fmt(MAX_COUNTED_UTILIZATION)} counted as ${fmt(MAX_COUNTED_UTILIZATION)})` : ''}`;
  if (withinTolerance(ratio, tolerance)) {
    return `${average} is within tolerance ${fmt(tolerance)} of target ${fmt(target)} (ratio ${fmt(ratio)})`;
  }
  const side = ratio > 1 ? 'above' : 'below';
  return `${average} is ${side} target ${fmt(target)} (ratio ${fmt(ratio)})`;
}

export function estimateReplicas(snapshot: ScalingSnapshot, policy: DecisionPolicy): LoadEstimate {
  const current = snapshot.currentReplicas;
  const target = policy.targetUtilization;
  const { fresh, missing, unready } = group(snapshot, policy.sampleStaleMs);
  const counts = { fresh: fresh.length, missing, unready };
  if (fresh.length === 0) {
    const clause = `no fresh load sample from any of ${plural(snapshot.members.length, 'member')}`;
    return { recommendation: current, averageUtilization: null, usageRatio: null, ...counts, clause };
  }
  const readings = fresh.map((m) => m.utilization ?? 0);
  const capped = readings.filter((u) => u > MAX_COUNTED_UTILIZATION).length;
  const sum = readings.reduce((s, u) => s + Math.min(u, MAX_COUNTED_UTILIZATION), 0);
  const avg = sum / fresh.length;
  const ratio = avg / target;
  const base = { averageUtilization: avg, usageRatio: ratio, ...counts };
  const clause = compare(avg, target, ratio, policy.tolerance, capped);
  // The HPA goes on to the second pass even within tolerance; at a ratio of exactly 1.0 a missing
  // pod then counts as 0% and shrinks the cluster. Within tolerance there is no direction to keep, so hold.
  if (withinTolerance(ratio, policy.tolerance)) return { recommendation: current, ...base, clause };
  const scaleUpWithUnready = unready > 0 && ratio > 1;
  if (!scaleUpWithUnready && missing === 0) {
    const recommendation = ceilReplicas(ratio * fresh.length);
    const still = recommendation === current ? `, which still needs ${current} pods` : '';
    return { recommendation, ...base, clause: clause + still };
  }
  return adjustForAbsent({ current, target, tolerance: policy.tolerance, sum, fresh: fresh.length, missing, unready, ratio, scaleUpWithUnready }, base, clause);
}

interface AbsentInputs {
  readonly current: number;
  readonly target: number;
  readonly tolerance: number;
  readonly sum: number;
  readonly fresh: number;
  readonly missing: number;
  readonly unready: number;
  readonly ratio: number;
  readonly scaleUpWithUnready: boolean;
}

/** The HPA's second pass: assume the worst for the direction in question, then refuse to flip. */
function adjustForAbsent(a: AbsentInputs, base: Omit<LoadEstimate, 'recommendation' | 'clause'>, clause: string): LoadEstimate {
  const missingValue = a.ratio < 1 ? a.target : 0;
  const counted = a.fresh + a.missing + (a.scaleUpWithUnready ? a.unready : 0);
  const newRatio = (a.sum + a.missing * missingValue) / counted / a.target;
  const assumed: string[] = [];
  if (a.missing > 0) assumed.push(`${plural(a.missing, 'missing sample')} as ${a.ratio < 1 ? '100% of target' : '0%'}`);
  if (a.scaleUpWithUnready) assumed.push(`${plural(a.unready, 'not-ready pod')} as 0%`);
  const adjusted = `${clause}; counting ${assumed.join(' and ')} the ratio is ${fmt(newRatio)}`;
  const hold = (why: string): LoadEstimate => ({ recommendation: a.current, ...base, clause: `${adjusted}, ${why}` });
  if (withinTolerance(newRatio, a.tolerance)) return hold('within tolerance');
  if ((a.ratio > 1 && newRatio < 1) || (a.ratio < 1 && newRatio > 1)) return hold('which reverses direction');
  const replicas = ceilReplicas(newRatio * counted);
  if ((newRatio < 1 && replicas > a.current) || (newRatio > 1 && replicas < a.current)) {
    return hold('and the pod count would reverse direction');
  }
  return { recommendation: replicas, ...base, clause: adjusted };
}
