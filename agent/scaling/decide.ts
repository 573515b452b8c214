import { DEFAULT_SCALE_DOWN_POLICIES, DEFAULT_SCALE_UP_POLICIES, limitRate, rulesFor, stabilize, type Rules } from './behavior.js';
import { observe, remember } from './history.js';
import { estimateReplicas, type LoadEstimate } from './ratio.js';
import { directionOf, listNames, nextStepOf, sentence } from './sentence.js';
import type { DecideResult, Decision, DecisionInputs, DecisionPolicy, ScalingHistory, ScalingSnapshot } from './types.js';
import { emptyHistory } from './types.js';

/**
 * One scaling decision: pure, with time passed in as monotonic `nowMs`.
 *
 * Order of the rules, first match wins:
 *   1. paused (spec or POST /scale)            -> hold current
 *   2. Deployment at 0 replicas                -> hold (off, as for the HPA)
 *   3. manual count (POST /scale, then spec)   -> that count within min/max, no windows or rate limits
 *   4. current outside min/max                 -> the nearest bound
 *   5. load: HPA ratio rule, overload fast path, schedule floors, the predictive floor, then
 *      stabilization windows, rate policies and min/max, then maintenance windows.
 * Every branch ends in one sentence. Scale-in is always reported as a target
 * plus `nextStep` = current - 1: the orchestrator drains one victim at a time.
 */
export function decide(
  snapshot: ScalingSnapshot,
  policy: DecisionPolicy,
  nowMs: number,
  history: ScalingHistory = emptyHistory,
): DecideResult {
  const observed = observe(history, snapshot.currentReplicas, nowMs);
  const up = rulesFor(policy.behavior.scaleUp, DEFAULT_SCALE_UP_POLICIES);
  const down = rulesFor(policy.behavior.scaleDown, DEFAULT_SCALE_DOWN_POLICIES);
  const estimate = estimateReplicas(snapshot, policy);
  const overloaded = policy.overload.enabled ? overloadedMembers(snapshot, policy) : [];
  const floor = scheduleFloor(snapshot);
  const forecast = forecastFloor(snapshot, estimate.recommendation);
  const ctx: Context = { snapshot, policy, nowMs, up, down, estimate, overloaded, floor, forecast };
  const outcome = guard(ctx) ?? fromLoad(ctx, observed);
  return finish(ctx, observed, outcome);
}

interface Context {
  readonly snapshot: ScalingSnapshot;
  readonly policy: DecisionPolicy;
  readonly nowMs: number;
  readonly up: Rules;
  readonly down: Rules;
  readonly estimate: LoadEstimate;
  readonly overloaded: readonly string[];
  readonly floor: { readonly replicas: number; readonly names: readonly string[] };
  readonly forecast: { readonly replicas: number; readonly clause: string } | null;
}

interface Outcome {
  readonly target: number;
  readonly cause: string;
  readonly qualifier?: string | undefined;
  /** What goes into the stabilization history for this cycle. */
  readonly recommendation: number;
  /** The predictive floor raised the recommendation. */
  readonly forecastSetFloor?: boolean;
}

/** Only fresh samples may trigger the fast path: a stale "overloaded" is as good as missing. */
function overloadedMembers(snapshot: ScalingSnapshot, policy: DecisionPolicy): string[] {
  return snapshot.members.filter((m) => m.overloaded && m.ready && m.sampleAgeMs <= policy.sampleStaleMs).map((m) => m.pod);
}

function scheduleFloor(snapshot: ScalingSnapshot): Context['floor'] {
  const replicas = Math.max(0, ...snapshot.floors.map((f) => f.minReplicas));
  const names = snapshot.floors.filter((f) => f.minReplicas === replicas && replicas > 0).map((f) => f.name);
  return { replicas, names };
}

/**
 * The predictive floor (agent/scaling/predictive), capped at maxBoost above
 * what the load asks for now. It joins the recommendation like a schedule
 * floor, so stabilization, the scale-up policies, maxReplicas and the
 * maintenance windows apply to it as to any load: it can only raise.
 */
function forecastFloor(snapshot: ScalingSnapshot, reactive: number): Context['forecast'] {
  const f = snapshot.forecast;
  if (!f) return null;
  const cap = reactive + f.maxBoost;
  if (f.replicas <= cap) return { replicas: f.replicas, clause: f.clause };
  return { replicas: cap, clause: `${f.clause} (capped at ${cap} by maxBoostReplicas ${f.maxBoost})` };
}

const clamp = (n: number, min: number, max: number): number => Math.min(Math.max(n, min), max);

/** Rules 1-4: states in which the load does not decide. */
function guard(ctx: Context): Outcome | null {
  const { snapshot, policy } = ctx;
  const current = snapshot.currentReplicas;
  const hold = (cause: string): Outcome => ({ target: current, cause, recommendation: current });
  if (policy.paused) return hold('scaling is paused (spec.paused)');
  if (snapshot.manual?.kind === 'pause') return hold('scaling is paused by a manual request');
  if (current === 0) return hold('the Deployment is scaled to 0, which turns autoscaling off (as for the HPA)');
  const manual = manualCount(snapshot, policy);
  if (manual) {
    const target = clamp(manual.replicas, policy.minReplicas, policy.maxReplicas);
    const clamped = target === manual.replicas ? '' : ` (clamped to ${target > manual.replicas ? 'minReplicas' : 'maxReplicas'} ${target})`;
    return { target, cause: `${manual.source} holds ${manual.replicas} replicas${clamped}`, recommendation: target };
  }
  if (current > policy.maxReplicas) {
    return { target: policy.maxReplicas, cause: `current replicas ${current} are above maxReplicas ${policy.maxReplicas}`, recommendation: policy.maxReplicas };
  }
  if (current < policy.minReplicas) {
    return { target: policy.minReplicas, cause: `current replicas ${current} are below minReplicas ${policy.minReplicas}`, recommendation: policy.minReplicas };
  }
  return null;
}

/** A request from POST /scale is the newer intent, so it wins over spec.manualReplicas. */
function manualCount(snapshot: ScalingSnapshot, policy: DecisionPolicy): { replicas: number; source: string } | null {
  if (snapshot.manual?.kind === 'replicas') return { replicas: snapshot.manual.replicas, source: 'a manual request' };
  if (policy.manualReplicas !== undefined) return { replicas: policy.manualReplicas, source: 'spec.manualReplicas' };
  return null;
}

/** Rule 5: the load decides, within the behavior, the bounds and the maintenance windows. */
function fromLoad(ctx: Context, history: ScalingHistory): Outcome {
  const current = ctx.snapshot.currentReplicas;
  const { recommendation, cause, fastPath, forecastSetFloor } = recommend(ctx);
  const stable = stabilize({ current, desired: recommendation, nowMs: ctx.nowMs, recommendations: history.recommendations, up: ctx.up, down: ctx.down, bypassUp: fastPath });
  const limited = limitRate({ current, desired: stable.replicas, nowMs: ctx.nowMs, events: history.events, up: ctx.up, down: ctx.down, minReplicas: ctx.policy.minReplicas, maxReplicas: ctx.policy.maxReplicas });
  const qualifiers: string[] = [];
  if (stable.heldBy) {
    const extreme = stable.heldBy.window === 'scale-down' ? 'highest' : 'lowest';
    qualifiers.push(`held by the ${stable.heldBy.window} stabilization window ${stable.heldBy.seconds}s (${extreme} recommendation ${stable.heldBy.bound})`);
  }
  if (limited.limitedBy) qualifiers.push(`limited by ${limited.limitedBy}`);
  const blocked = maintenanceBlock(ctx, limited.replicas);
  if (blocked) qualifiers.push(blocked);
  const inWindow = limited.replicas < current && !blocked ? maintenanceOpen(ctx) : undefined;
  if (inWindow) qualifiers.push(inWindow);
  const target = blocked ? current : limited.replicas;
  return { target, cause, qualifier: qualifiers.join(', ') || undefined, recommendation, forecastSetFloor };
}

/** Members first Ready less than `settleMs` ago (readyForMs is set only on Ready ones): not yet carrying their share. */
function justReady(snapshot: ScalingSnapshot, settleMs: number): number {
  return snapshot.members.filter((m) => m.readyForMs !== undefined && m.readyForMs < settleMs).length;
}

/** The load's recommendation, raised by the overload fast path and by open schedule floors. */
function recommend(ctx: Context): { recommendation: number; cause: string; fastPath: boolean; forecastSetFloor: boolean } {
  const current = ctx.snapshot.currentReplicas;
  const causes = [ctx.estimate.clause];
  let recommendation = ctx.estimate.recommendation;
  let fastPath = false;
  if (ctx.overloaded.length > 0) {
    // Pods still starting are capacity already on its way: adding `step` every second while they
    // start would overshoot (the benchmark showed it), so the fast path only tops up to `step`.
    // A pod just Ready is still on its way too: the edge proxy has yet to send it its share, so
    // the pod whose backlog asked for it still drops packets (on the real node the fast path
    // added a pod 13 s after a scale-up, with the average within tolerance, and it stayed).
    const starting = ctx.estimate.unready + justReady(ctx.snapshot, ctx.policy.sampleStaleMs);
    const add = Math.max(0, ctx.policy.overload.step - starting);
    const who = ctx.overloaded.length === 1 ? `member ${ctx.overloaded[0]} is` : `members ${listNames(ctx.overloaded)} are`;
    const how = add > 0 ? `fast path +${add}` : `fast path waits for ${starting} starting or just-ready pod${starting === 1 ? '' : 's'}`;
    causes.unshift(`${who} overloaded (${how})`);
    fastPath = add > 0;
    recommendation = Math.max(recommendation, current + add);
  }
  if (ctx.floor.replicas > recommendation) {
    recommendation = ctx.floor.replicas;
    causes.unshift(`schedule ${listNames(ctx.floor.names)} sets a floor of ${ctx.floor.replicas}`);
  }
  const forecastSetFloor = ctx.forecast !== null && ctx.forecast.replicas > recommendation;
  if (forecastSetFloor) {
    recommendation = ctx.forecast.replicas;
    causes.unshift(ctx.forecast.clause);
  }
  return { recommendation, cause: causes.join('; '), fastPath, forecastSetFloor };
}

/** With maintenance windows configured, scale-in waits until one is open. */
function maintenanceBlock(ctx: Context, target: number): string | null {
  const windows = ctx.policy.maintenanceWindows;
  if (target >= ctx.snapshot.currentReplicas || windows.length === 0 || ctx.snapshot.openMaintenanceWindows.length > 0) return null;
  return `but scale-in to ${target} waits for a maintenance window (none of ${listNames(windows.map((w) => w.name))} is open)`;
}

function maintenanceOpen(ctx: Context): string | undefined {
  const open = ctx.snapshot.openMaintenanceWindows;
  return ctx.policy.maintenanceWindows.length > 0 && open.length > 0 ? `inside maintenance window ${listNames(open)}` : undefined;
}

function finish(ctx: Context, observed: ScalingHistory, outcome: Outcome): DecideResult {
  const current = ctx.snapshot.currentReplicas;
  const decision: Decision = {
    replicas: outcome.target,
    nextStep: nextStepOf(current, outcome.target),
    direction: directionOf(current, outcome.target),
    reason: sentence(current, outcome.target, outcome.cause, outcome.qualifier),
    inputs: inputsOf(ctx, outcome.forecastSetFloor ?? false),
  };
  const keep = {
    recommendationsMs: Math.max(ctx.up.stabilizationWindowSeconds, ctx.down.stabilizationWindowSeconds) * 1000,
    eventsMs: Math.max(...ctx.up.policies.map((p) => p.periodSeconds), ...ctx.down.policies.map((p) => p.periodSeconds)) * 1000,
  };
  return { decision, history: remember(observed, outcome.recommendation, ctx.nowMs, keep) };
}

function inputsOf(ctx: Context, forecastSetFloor: boolean): DecisionInputs {
  const { estimate, snapshot, policy } = ctx;
  const forecast = ctx.forecast ? { forecast: { replicas: ctx.forecast.replicas, setFloor: forecastSetFloor } } : {};
  return {
    ...forecast,
    currentReplicas: snapshot.currentReplicas,
    averageUtilization: estimate.averageUtilization,
    targetUtilization: policy.targetUtilization,
    usageRatio: estimate.usageRatio,
    recommendation: estimate.recommendation,
    freshSamples: estimate.fresh,
    missingSamples: estimate.missing,
    unreadyMembers: estimate.unready,
    overloadedMembers: ctx.overloaded,
    floor: ctx.floor.replicas,
  };
}
