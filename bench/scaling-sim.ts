import { decide } from '../agent/scaling/decide.js';
import { recordScale } from '../agent/scaling/history.js';
import { chooseVictim } from '../agent/scaling/victim.js';
import { emptyHistory, type Decision, type DecisionPolicy, type ForecastFloor, type MemberSample, type ScalingHistory } from '../agent/scaling/types.js';
import { rng, type Trace } from './traces/traces.js';

/**
 * A one-second cluster model for comparing scalers on the same load: a pod
 * serves `capacity` calls/s once ready (`startupSeconds` after creation);
 * load above the serving capacity fails; a removed pod stops taking calls at
 * once and is gone `drainSeconds` later. Both scalers run the same `decide`
 * core; what differs is what the HPA can do: its 15 s loop, metrics from
 * metrics-server (a 15 s average scraped every 30 s, so 15-60 s old), no
 * overload signal, and scale-in of many pods at once.
 */

export interface Model {
  readonly capacity: number;
  readonly startupSeconds: number;
  readonly drainSeconds: number;
}

export type ScalerKind = 'vnf-agent' | 'hpa';

export interface Result {
  readonly trace: string;
  readonly scaler: ScalerKind;
  /** Seconds from the change to the first scale action in its direction. */
  readonly reactionS: number | null;
  /** Up: seconds until capacity covered the load again; down: until the last surplus pod was gone. */
  readonly settledS: number | null;
  readonly reversals: number;
  readonly replicaSeconds: number;
  readonly failedCalls: number;
  readonly offeredCalls: number;
}

interface Pod {
  readonly id: number;
  readonly createdAt: number;
  readonly readyAt: number;
  goneAt?: number;
}

/** A full receive queue caps what the SIP signals can report. */
const MAX_SIP_UTILIZATION = 3;

class Cluster {
  pods: Pod[] = [];
  replicas: number;
  #next = 0;
  constructor(
    readonly model: Model,
    replicas: number,
  ) {
    this.replicas = replicas;
    for (let i = 0; i < replicas; i++) this.pods.push({ id: this.#next++, createdAt: -3600, readyAt: -3600 });
  }
  live = (): Pod[] => this.pods.filter((p) => p.goneAt === undefined);
  serving = (t: number): Pod[] => this.live().filter((p) => p.readyAt <= t);
  /** The ReplicaSet: create missing pods; remove surplus ones (not ready first, then newest). */
  reconcile(t: number): void {
    const live = this.live();
    for (let i = live.length; i < this.replicas; i++) this.pods.push({ id: this.#next++, createdAt: t, readyAt: t + this.model.startupSeconds });
    const surplus = [...live].sort((a, b) => Number(a.readyAt <= t) - Number(b.readyAt <= t) || b.createdAt - a.createdAt).slice(0, Math.max(0, live.length - this.replicas));
    for (const p of surplus) p.goneAt = t;
    this.pods = this.pods.filter((p) => p.goneAt === undefined || t - p.goneAt < this.model.drainSeconds);
  }
}

/**
 * What bench/scaling-predictive.ts plugs into the vnf-agent side: the
 * forecast floor before each decision, what the leader learns after it, and
 * every second's failed calls and pods (for per-window figures).
 */
export interface SimHooks {
  floor?(t: number): ForecastFloor | undefined;
  learn?(t: number, decision: Decision, before: number, after: number, ready: number): void;
  second?(t: number, failed: number, pods: number): void;
}

/** `log` receives every scale change with its reason (the compare script's --verbose). */
export function simulate(trace: Trace, scaler: ScalerKind, policy: DecisionPolicy, model: Model, log?: (line: string) => void, seed = 7, hooks: SimHooks = {}): Result {
  const first = trace.load[0] ?? 0;
  const start = Math.min(policy.maxReplicas, Math.max(policy.minReplicas, Math.ceil(first / (model.capacity * policy.targetUtilization))));
  const cluster = new Cluster(model, start);
  // What metrics-server sees: CPU, which saturates at 1.0 when calls are refused.
  const util: number[] = [];
  // What the sidecar sees: SIP load against its targets (queues, 503s), so it exceeds 1.0 under overload;
  // sampled every 2 s and smoothed as signals/ does (signalIntervalMs 2000, signalSmoothing 0.5).
  let sipSample = 0;
  const random = rng(seed);
  const hpaPhase = Math.floor(random() * 15);
  const scrapePhase = Math.floor(random() * 30);
  let scraped: { at: number; value: number } | null = null;
  let history: ScalingHistory = emptyHistory;
  let draining: { pod: Pod; until: number } | null = null;
  const acc = { failed: 0, offered: 0, replicaSeconds: 0, reversals: 0, lastDir: 0, reactionAt: null as number | null, settledAt: null as number | null };

  const changeReplicas = (t: number, to: number): void => {
    const dir = Math.sign(to - cluster.replicas);
    if (dir === 0) return;
    if (acc.lastDir !== 0 && dir !== acc.lastDir) acc.reversals++;
    acc.lastDir = dir;
    const afterChange = trace.changeAt !== undefined && t >= trace.changeAt;
    if (afterChange && acc.reactionAt === null && dir === (trace.changeDirection === 'up' ? 1 : -1)) acc.reactionAt = t;
    if (afterChange && trace.changeDirection === 'down' && dir < 0) acc.settledAt = t;
    history = recordScale(history, cluster.replicas, to, t * 1000);
    cluster.replicas = to;
  };

  for (let t = 0; t < trace.load.length; t++) {
    const load = trace.load[t]!;
    cluster.reconcile(t);
    if (draining && draining.until <= t) {
      // Drain finished: the orchestrator shrinks the Deployment by exactly this pod.
      draining.pod.goneAt = t;
      changeReplicas(t, cluster.replicas - 1);
      draining = null;
    }
    const serving = cluster.serving(t).filter((p) => p !== draining?.pod);
    const capacity = serving.length * model.capacity;
    const served = Math.min(load, capacity);
    acc.offered += load;
    acc.failed += load - served;
    acc.replicaSeconds += cluster.pods.length;
    hooks.second?.(t, load - served, cluster.pods.length);
    util.push(serving.length === 0 ? 1 : served / capacity);
    const offered = serving.length === 0 ? MAX_SIP_UTILIZATION : Math.min(MAX_SIP_UTILIZATION, load / capacity);
    if (t % 2 === 0) sipSample = t === 0 ? offered : 0.5 * offered + 0.5 * sipSample;
    const upChange = trace.changeDirection === 'up' && trace.changeAt !== undefined && t >= trace.changeAt;
    if (upChange && acc.settledAt === null && capacity >= load) acc.settledAt = t;

    if (scaler === 'vnf-agent') {
      const members = cluster.live().filter((p) => p !== draining?.pod).map((p): MemberSample => ({
        pod: `pod-${p.id}`,
        ready: p.readyAt <= t,
        // A sample is 2 s old; a pod ready for less than that has not reported one yet.
        utilization: p.readyAt <= t - 2 ? sipSample : null,
        overloaded: p.readyAt <= t && load > capacity,
        sampleAgeMs: 2000,
      }));
      const result = decide({ currentReplicas: cluster.replicas, members, floors: [], openMaintenanceWindows: [], forecast: hooks.floor?.(t) }, policy, t * 1000, history);
      history = result.history;
      const d = result.decision;
      if (d.direction !== 'none') log?.(`${t}s ${scaler}: ${d.reason}`);
      const before = cluster.replicas;
      if (d.direction === 'up') changeReplicas(t, d.replicas);
      hooks.learn?.(t, d, before, cluster.replicas, members.filter((m) => m.ready).length);
      if (d.direction === 'down' && !draining) {
        const victims = cluster.live().map((p) => ({ pod: `pod-${p.id}`, ready: p.readyAt <= t, utilization: util[t]!, createdAtMs: p.createdAt * 1000, isLeader: p.id === 0 }));
        const choice = chooseVictim(victims);
        const pod = cluster.live().find((p) => `pod-${p.id}` === choice.victim);
        if (pod) draining = { pod, until: t + model.drainSeconds };
      }
    } else {
      // metrics-server: every 30 s it publishes the average of the last 15 s.
      if ((t - scrapePhase) % 30 === 0 && t >= 15) scraped = { at: t, value: util.slice(t - 15, t).reduce((s, u) => s + u, 0) / 15 };
      if ((t - hpaPhase) % 15 === 0 && scraped) {
        const value = scraped.value;
        const at = scraped.at;
        const members = cluster.live().map((p): MemberSample => ({
          pod: `pod-${p.id}`,
          ready: p.readyAt <= t,
          utilization: p.readyAt <= at - 15 ? value : null,
          overloaded: false,
          sampleAgeMs: (t - at) * 1000,
        }));
        const result = decide({ currentReplicas: cluster.replicas, members, floors: [], openMaintenanceWindows: [], forecast: hooks.floor?.(t) }, policy, t * 1000, history);
        history = result.history;
        if (result.decision.direction !== 'none') log?.(`${t}s ${scaler}: ${result.decision.reason}`);
        changeReplicas(t, result.decision.replicas);
      }
    }
  }
  const since = trace.changeAt ?? 0;
  return {
    trace: trace.name,
    scaler,
    reactionS: acc.reactionAt === null ? null : acc.reactionAt - since,
    settledS: acc.settledAt === null ? null : acc.settledAt - since,
    reversals: acc.reversals,
    replicaSeconds: acc.replicaSeconds,
    failedCalls: Math.round(acc.failed),
    offeredCalls: Math.round(acc.offered),
  };
}

