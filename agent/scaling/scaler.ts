import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.js';
import { withDeadline } from '../clock/deadline.js';
import { NotLeaderError } from '../election/errors.js';
import type { Fence } from '../election/leadership.js';
import type { PodFacts } from '../membership/state.js';
import type { Member, VnfCluster } from '../model/vnfcluster.js';
import type { Scheduler } from '../schedule/scheduler.js';
import { decide } from './decide.js';
import type { Gathered, SampleGatherer } from './gather.js';
import { recordScale } from './history.js';
import type { Forecast } from './predictive/forecast.js';
import type { Predictor } from './predictive/predictor.js';
import { policyFromSpec } from './policy.js';
import { noScalingMetrics, type ScalingMetricsSink } from './metrics.js';
import type { ScaleIn } from './scale-in.js';
import { describeError, fenced, type EventSink, type ScaleReading, type ScaleTarget, type StatusPatcher } from './scaler-ports.js';
import { recordScaleEvents, scalingStatus, statusChange, type ScaleEventReason, type ScalingStatus } from './scaler-status.js';
import { emptyHistory, type Decision, type ManualRequest, type ScalingHistory } from './types.js';

export interface ScalerDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  /** elector.fence(): throws NotLeaderError unless this pod leads with a fresh renewal. */
  readonly fence: () => Fence;
  /** The scale subresource of a Deployment (spec.targetRef.name may change with the spec). */
  readonly scaleFor: (deployment: string) => ScaleTarget;
  readonly gatherer: SampleGatherer;
  readonly scheduler: Scheduler;
  readonly events: EventSink;
  readonly status: StatusPatcher;
  readonly scaleIn: ScaleIn;
  /** The pods of this cluster as the pod watch lists them (terminating ones included). */
  readonly pods: () => readonly PodFacts[];
  readonly apiTimeoutMs: number;
  readonly sampleStaleMs: number;
  /** Least time between status writes that change only the reason or the load text. */
  readonly statusRefreshMs: number;
  /** Called when POST /scale changed the manual request, to run a pass at once. */
  readonly onRequest?: () => void;
  /** Decisions, writes and replica counts; ScalingMetrics on the agent's registry, none by default. */
  readonly metrics?: ScalingMetricsSink;
  /** Predictive scaling from the load history (spec.predictive); none by default. */
  readonly predictor?: Predictor;
}

const OUTCOME = { up: 'scale_up', down: 'scale_down', none: 'none' } as const;

export interface ScalerContext {
  readonly vc: VnfCluster;
  /** Members of the cluster's view this pass. */
  readonly members: readonly Member[];
  readonly signal: AbortSignal;
}

export interface ScalerOutcome {
  readonly reason: string;
  /** Something was written or a scale-in moved on; false for a pass that only looked. */
  readonly acted: boolean;
}

/** The last decision and what it saw, for GET /scale. */
export interface LastDecision {
  readonly decision: Decision;
  readonly time: string;
  readonly replicas: number;
  readonly gathered: Gathered;
  /** What the load history said before this decision (predictive scaling on). */
  readonly forecast?: Forecast | undefined;
}

/**
 * The leader's scaler: each pass reads the scale, gathers the members' load,
 * asks decide(), and applies the answer — a scale-up at once, a scale-down
 * one drained pod at a time (ScaleIn) — then writes status when it changed.
 * Every write is fenced (renew, then act) and carries the version just read;
 * a 409 is never retried within the pass. The decide() history and any
 * manual request live as long as the term: a new term starts afresh.
 */
export class Scaler {
  readonly #d: ScalerDeps;
  readonly #metrics: ScalingMetricsSink;
  readonly #targets = new Map<string, ScaleTarget>();
  #term: number | undefined;
  #history: ScalingHistory = emptyHistory;
  #manual: ManualRequest | undefined;
  #last: LastDecision | undefined;
  #written: ScalingStatus | undefined;
  #writtenAtMs = Number.NEGATIVE_INFINITY;
  #lastPass = 'not run yet';

  constructor(deps: ScalerDeps) {
    this.#d = deps;
    this.#metrics = deps.metrics ?? noScalingMetrics;
  }

  get manual(): ManualRequest | undefined {
    return this.#manual;
  }

  get last(): LastDecision | undefined {
    return this.#last;
  }

  get lastPass(): string {
    return this.#lastPass;
  }

  /**
   * Sets or clears the manual request used by the next decide() (POST /scale
   * on the leader). It belongs to the current term, so a request made before
   * the term's first pass is kept; throws NotLeaderError when not leading.
   */
  setManual(manual: ManualRequest | undefined): void {
    this.#startTerm(this.#d.fence());
    this.#manual = manual;
    this.#d.onRequest?.();
  }

  async pass(ctx: ScalerContext): Promise<ScalerOutcome> {
    let outcome: ScalerOutcome;
    const before = this.#last;
    try {
      outcome = await this.#pass(ctx);
    } catch (err) {
      if (this.#last === before && !(err instanceof NotLeaderError)) this.#metrics.decided('error');
      // A failure that repeats every pass (API down, Deployment missing) is reported once, not every second.
      const reason = `scaling stopped: ${describeError(err)}`;
      const repeated = reason === this.#lastPass;
      if (!repeated && !(err instanceof NotLeaderError)) this.#d.logger.warn({ err }, 'Scaling pass failed');
      outcome = { reason, acted: !repeated };
    }
    this.#lastPass = outcome.reason;
    return outcome;
  }

  async #pass(ctx: ScalerContext): Promise<ScalerOutcome> {
    const fence = this.#d.fence();
    this.#startTerm(fence);
    const spec = ctx.vc.spec;
    const target = this.#target(spec.targetRef.name);
    const scale = await withDeadline(this.#d.clock, this.#d.apiTimeoutMs, 'read Scale', [ctx.signal, fence.signal], (signal) => target.read(signal));
    const gathered = await this.#d.gatherer.gather(ctx.members, AbortSignal.any([ctx.signal, fence.signal]));
    this.#d.scheduler.load(spec);
    const windows = this.#d.scheduler.stateAt(this.#d.clock.wallTime());
    const forecast = await this.#d.predictor?.before(ctx.vc, AbortSignal.any([ctx.signal, fence.signal]));
    const snapshot = { currentReplicas: scale.replicas, members: gathered.samples, manual: this.#manual, floors: windows.floors, openMaintenanceWindows: windows.openMaintenanceWindows, forecast };
    const { decision, history } = decide(snapshot, policyFromSpec(spec, this.#d.sampleStaleMs), this.#d.clock.nowMs(), this.#history);
    this.#history = history;
    this.#last = { decision, time: this.#d.clock.wallTime().toISOString(), replicas: scale.replicas, gathered, forecast: this.#d.predictor?.last };
    this.#metrics.decided(OUTCOME[decision.direction]);

    const parts = [decision.reason];
    let replicas = scale.replicas;
    let acted = false;
    const up = decision.nextStep > scale.replicas;
    if (up) {
      acted = true;
      const written = await this.#scaleUp(ctx, target, scale, decision);
      if (typeof written === 'string') parts.push(written);
      else replicas = written;
    }
    const step = await this.#d.scaleIn.step({
      decision, target, scale, pods: this.#d.pods(), members: ctx.members, samples: gathered.samples,
      drainTimeoutMs: spec.drainTimeoutSeconds * 1000, mayWrite: !up, signal: ctx.signal,
    });
    if (step.reason) parts.push(step.reason);
    acted ||= step.changed;
    if (step.wrote) {
      this.#history = recordScale(this.#history, step.wrote.from, step.wrote.to, this.#d.clock.nowMs());
      replicas = step.wrote.to;
      await this.#events(ctx, 'ScaledDown', `${decision.reason} (removed ${step.wrote.victim} after it drained)`);
    }
    const learned = await this.#learn(ctx, decision, scale.replicas, replicas);
    if (learned) parts.push(learned);
    this.#metrics.replicas(ctx.vc.metadata.name, replicas, decision.replicas);
    const status = await this.#publish(ctx, replicas, decision);
    if (status) parts.push(status);
    return { reason: parts.join('; '), acted };
  }

  /** The scale-up write: the new count, or why it was not written. */
  async #scaleUp(ctx: ScalerContext, target: ScaleTarget, scale: ScaleReading, decision: Decision): Promise<number | string> {
    const fence = this.#d.fence();
    try {
      await fenced(this.#d.clock, fence, this.#d.apiTimeoutMs, ctx.signal, 'write Scale', (signal) => target.write(decision.nextStep, scale.version, signal));
    } catch (err) {
      const conflict = (err as { status?: unknown }).status === 409;
      this.#metrics.scaleWritten('up', conflict ? 'conflict' : 'error');
      if (conflict) return 'not written: the scale changed since it was read (409); re-reading next pass';
      if (err instanceof NotLeaderError || fence.signal.aborted) throw err;
      this.#d.logger.warn({ err, replicas: decision.nextStep }, 'Could not write Scale');
      return `not written: ${describeError(err)}`;
    }
    this.#metrics.scaleWritten('up', 'ok');
    this.#history = recordScale(this.#history, scale.replicas, decision.nextStep, this.#d.clock.nowMs());
    this.#d.logger.info({ from: scale.replicas, to: decision.nextStep }, 'Scaled up Deployment');
    await this.#events(ctx, decision.inputs.forecast?.setFloor ? 'PredictiveScaleUp' : 'ScaledUp', decision.reason);
    return decision.nextStep;
  }

  /** The predictor learns from this pass (load history, start-to-ready time) and stores it when due. */
  #learn(ctx: ScalerContext, decision: Decision, before: number, after: number): Promise<string | undefined> {
    const predictor = this.#d.predictor;
    if (!predictor) return Promise.resolve(undefined);
    const spec = ctx.vc.spec;
    const loadDecided = !spec.paused && spec.manualReplicas === undefined && this.#manual === undefined && before > 0;
    const ready = ctx.members.filter((m) => m.ready && m.state !== 'leaving').length;
    return predictor.after({ vc: ctx.vc, decision, replicasBefore: before, replicasAfter: after, ready, loadDecided, signal: ctx.signal });
  }

  /** Best effort: a lost Event is logged, never retried, and never fails the pass. */
  async #events(ctx: ScalerContext, reason: ScaleEventReason, note: string): Promise<void> {
    const failed = await recordScaleEvents(this.#d.events, ctx.vc, reason, note, this.#d.fence(), this.#d.apiTimeoutMs, ctx.signal, this.#d.clock);
    for (const why of failed) this.#d.logger.debug({ reason, why }, 'Could not record scaling Event');
  }

  /** Writes the scaling part of status when it changed (fenced, conditional on the version read). */
  async #publish(ctx: ScalerContext, replicas: number, decision: Decision): Promise<string | undefined> {
    const next = scalingStatus(replicas, decision, this.#d.clock.wallTime());
    const nowMs = this.#d.clock.nowMs();
    const change = statusChange(this.#written ?? ctx.vc.status, next, nowMs - this.#writtenAtMs, this.#d.statusRefreshMs);
    if (!change) return undefined;
    const fence = this.#d.fence();
    try {
      await fenced(this.#d.clock, fence, this.#d.apiTimeoutMs, ctx.signal, 'write status', (signal) =>
        this.#d.status.patchStatus(ctx.vc.metadata.name, next, ctx.vc.metadata.resourceVersion ?? '', signal),
      );
    } catch (err) {
      if (err instanceof NotLeaderError || fence.signal.aborted) throw err;
      this.#d.logger.debug({ err }, 'Could not write scaling status');
      return `status not written yet: ${describeError(err)}`;
    }
    this.#written = next;
    this.#writtenAtMs = nowMs;
    return undefined;
  }

  #startTerm(fence: Fence): void {
    if (this.#term === fence.term) return;
    this.#term = fence.term;
    // The replica gauges are the leader's: they go when this term ends, however it ends.
    fence.signal.addEventListener('abort', () => this.#metrics.stoppedLeading(), { once: true });
    this.#history = emptyHistory;
    this.#manual = undefined;
    this.#written = undefined;
    this.#writtenAtMs = Number.NEGATIVE_INFINITY;
    this.#d.scaleIn.reset();
    this.#d.gatherer.reset();
  }

  #target(name: string): ScaleTarget {
    let target = this.#targets.get(name);
    if (!target) {
      target = this.#d.scaleFor(name);
      this.#targets.clear();
      this.#targets.set(name, target);
    }
    return target;
  }
}
