import type { VnfClusterSpec } from '../model/vnfcluster.js';
import type { ScaleEvent, TimedRecommendation } from './types.js';

/**
 * The HPA's `behavior` (autoscaling/v2): stabilization windows and rate
 * policies, ported from kube-controller-manager
 * (`stabilizeRecommendationWithBehaviors`, `convertDesiredReplicasWithBehaviorRate`)
 * so an operator's HPA intuition carries over unchanged. Pure functions.
 */

type DirectionSpec = VnfClusterSpec['behavior']['scaleUp'];
type RatePolicy = NonNullable<DirectionSpec['policies']>[number];

export interface Rules {
  readonly stabilizationWindowSeconds: number;
  readonly selectPolicy: DirectionSpec['selectPolicy'];
  readonly policies: readonly RatePolicy[];
}

/** The HPA defaults, used when `policies` is empty or absent. */
export const DEFAULT_SCALE_UP_POLICIES: readonly RatePolicy[] = [
  { type: 'Percent', value: 100, periodSeconds: 15 },
  { type: 'Pods', value: 4, periodSeconds: 15 },
];
export const DEFAULT_SCALE_DOWN_POLICIES: readonly RatePolicy[] = [{ type: 'Percent', value: 100, periodSeconds: 15 }];

export function rulesFor(spec: DirectionSpec, defaults: readonly RatePolicy[]): Rules {
  const policies = spec.policies && spec.policies.length > 0 ? spec.policies : defaults;
  return { stabilizationWindowSeconds: spec.stabilizationWindowSeconds, selectPolicy: spec.selectPolicy, policies };
}

export const describePolicy = (p: RatePolicy): string => `${p.type} ${p.value}/${p.periodSeconds}s`;

export interface Stabilized {
  readonly replicas: number;
  /** Set when a window moved the recommendation: which window and the value that held it. */
  readonly heldBy?: { readonly window: 'scale-up' | 'scale-down'; readonly seconds: number; readonly bound: number };
}

/**
 * Scale-up uses the lowest recommendation of its window, scale-down the highest
 * of its window; the result is current replicas pulled into that band. The
 * overload fast path passes `bypassUp` so added pods are not delayed.
 */
export function stabilize(args: {
  readonly current: number;
  readonly desired: number;
  readonly nowMs: number;
  readonly recommendations: readonly TimedRecommendation[];
  readonly up: Rules;
  readonly down: Rules;
  readonly bypassUp: boolean;
}): Stabilized {
  const upCutoff = args.nowMs - args.up.stabilizationWindowSeconds * 1000;
  const downCutoff = args.nowMs - args.down.stabilizationWindowSeconds * 1000;
  let upBound = args.desired;
  let downBound = args.desired;
  for (const rec of args.recommendations) {
    if (!args.bypassUp && rec.atMs > upCutoff) upBound = Math.min(upBound, rec.replicas);
    if (rec.atMs > downCutoff) downBound = Math.max(downBound, rec.replicas);
  }
  const replicas = Math.min(Math.max(args.current, upBound), downBound);
  if (replicas < args.desired) {
    return { replicas, heldBy: { window: 'scale-up', seconds: args.up.stabilizationWindowSeconds, bound: upBound } };
  }
  if (replicas > args.desired) {
    return { replicas, heldBy: { window: 'scale-down', seconds: args.down.stabilizationWindowSeconds, bound: downBound } };
  }
  return { replicas };
}

/** Pods added (sign +1) or removed (sign -1) within the last `periodSeconds`. */
function changedInPeriod(events: readonly ScaleEvent[], nowMs: number, periodSeconds: number, sign: 1 | -1): number {
  const cutoff = nowMs - periodSeconds * 1000;
  return events.filter((e) => e.atMs > cutoff && Math.sign(e.change) === sign).reduce((s, e) => s + Math.abs(e.change), 0);
}

interface Proposal {
  readonly replicas: number;
  readonly policy: RatePolicy;
}

/**
 * The most replicas (up) or fewest (down) the policies allow now. The count at
 * the start of each policy's period is reconstructed from the recorded events,
 * exactly as the HPA does, so steps within one period add up.
 */
function proposals(current: number, events: readonly ScaleEvent[], nowMs: number, rules: Rules, up: boolean): Proposal[] {
  return rules.policies.map((policy) => {
    const added = changedInPeriod(events, nowMs, policy.periodSeconds, 1);
    const removed = changedInPeriod(events, nowMs, policy.periodSeconds, -1);
    const start = current - added + removed;
    if (policy.type === 'Pods') return { replicas: up ? start + policy.value : start - policy.value, policy };
    // Rounded up on the way up, or a small cluster could never grow; truncated on the way down, as the HPA does.
    const factor = up ? 1 + policy.value / 100 : 1 - policy.value / 100;
    return { replicas: up ? Math.ceil(start * factor) : Math.floor(start * factor), policy };
  });
}

/** Max selects the policy allowing the most change, Min the least. */
function select(list: readonly Proposal[], rules: Rules, up: boolean): Proposal {
  const mostChange = rules.selectPolicy !== 'Min';
  const better = (a: Proposal, b: Proposal): boolean => (up === mostChange ? a.replicas > b.replicas : a.replicas < b.replicas);
  return list.reduce((best, p) => (better(p, best) ? p : best));
}

export interface RateLimited {
  readonly replicas: number;
  /** Why the count was cut: "scale-up policy Pods 4/15s", "maxReplicas 10", ... */
  readonly limitedBy?: string;
}

/** Applies the rate policies and min/max to a stabilized recommendation. */
export function limitRate(args: {
  readonly current: number;
  readonly desired: number;
  readonly nowMs: number;
  readonly events: readonly ScaleEvent[];
  readonly up: Rules;
  readonly down: Rules;
  readonly minReplicas: number;
  readonly maxReplicas: number;
}): RateLimited {
  const { current, desired } = args;
  if (desired > current) {
    if (args.up.selectPolicy === 'Disabled') return { replicas: current, limitedBy: 'scale-up selectPolicy Disabled' };
    const best = select(proposals(current, args.events, args.nowMs, args.up, true), args.up, true);
    // A limit below current means recent steps used up the period: hold until they age out.
    const rateCap = Math.max(best.replicas, current);
    const cap = Math.min(rateCap, args.maxReplicas);
    if (desired <= cap) return { replicas: desired };
    const limitedBy = rateCap < args.maxReplicas ? `scale-up policy ${describePolicy(best.policy)}` : `maxReplicas ${args.maxReplicas}`;
    return { replicas: cap, limitedBy };
  }
  if (desired < current) {
    if (args.down.selectPolicy === 'Disabled') return { replicas: current, limitedBy: 'scale-down selectPolicy Disabled' };
    const best = select(proposals(current, args.events, args.nowMs, args.down, false), args.down, false);
    const rateFloor = Math.min(best.replicas, current);
    const floor = Math.max(rateFloor, args.minReplicas);
    if (desired >= floor) return { replicas: desired };
    const limitedBy = rateFloor > args.minReplicas ? `scale-down policy ${describePolicy(best.policy)}` : `minReplicas ${args.minReplicas}`;
    return { replicas: floor, limitedBy };
  }
  return { replicas: current };
}
