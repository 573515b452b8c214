import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.js';
import { withDeadline } from '../clock/deadline.js';
import type { Fence } from '../election/leadership.js';
import type { PodFacts } from '../membership/state.js';
import { DRAINING_ANNOTATION } from '../membership/state.js';
import type { Member } from '../model/vnfcluster.js';
import { noScalingMetrics, type ScalingMetricsSink } from './metrics.js';
import { changePod, lowestDeletionCost, markHolds, markVictim, type MarkDecision, type MarkOutcome, type PodAnnotations, type PodReading } from './pod-marks.js';
import { chooseVictim, type VictimCandidate } from './victim.js';
import type { Decision, MemberSample } from './types.js';
import { describeError, fenced, type ScaleReading, type ScaleTarget } from './scaler-ports.js';

export type { PodAnnotations, PodReading };

/** The port to a victim's drain routes (POST /drain with the shared bearer token, GET /drain). */
export interface DrainClient {
  start(ip: string, reason: string, signal: AbortSignal): Promise<void>;
  settled(ip: string, signal: AbortSignal): Promise<boolean>;
}

export interface ScaleInDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly fence: () => Fence;
  readonly annotator: PodAnnotations;
  readonly drains: DrainClient;
  readonly apiTimeoutMs: number;
  /** Bound on each drain call to the victim. */
  readonly peerTimeoutMs: number;
  /** Scale-down writes and drain durations; none by default. */
  readonly metrics?: ScalingMetricsSink;
  /**
   * Hands the Lease over to a standby (LeaderElector.handOver, not awaited: it
   * waits for this very pass to end). Called when the leader is the victim.
   * Without it a leader that would be the victim waits instead.
   */
  readonly handOver?: () => void;
}

export interface ScaleInInput {
  readonly decision: Decision;
  /** The Deployment's scale subresource, and what was read from it this pass. */
  readonly target: ScaleTarget;
  readonly scale: ScaleReading;
  readonly pods: readonly PodFacts[];
  readonly members: readonly Member[];
  readonly samples: readonly MemberSample[];
  readonly drainTimeoutMs: number;
  /** False when this pass already wrote the scale: its version is spent. */
  readonly mayWrite: boolean;
  readonly signal: AbortSignal;
}

export interface ScaleInStep {
  readonly reason: string | undefined;
  /** The scale-in moved on (marked, adopted, drained, wrote, finished); false while it only waits. */
  readonly changed: boolean;
  /** Set when spec.replicas was written this step. */
  readonly wrote?: { readonly from: number; readonly to: number; readonly victim: string };
}

export type ScaleInPhase = 'draining' | 'shrinking';

export interface ScaleInState {
  readonly victim: string;
  readonly phase: ScaleInPhase;
  /** How long ago (local ms) the victim was marked or adopted; the drain timeout runs from here. */
  readonly elapsedMs: number;
  readonly drainRequested: boolean;
}

interface Victim {
  readonly pod: string;
  phase: ScaleInPhase;
  readonly sinceMs: number;
  drainRequested: boolean;
}

/**
 * Graceful scale-in, one pod at a time: choose -> mark leaving -> drain ->
 * lowest deletion cost -> spec.replicas - 1. Both pod annotations are leader
 * writes like the scale: fenced, and conditional on the pod's resourceVersion
 * just read (pod-marks.ts). The state lives in memory and is
 * rebuilt from the pods by a new leader: a pod that carries the draining
 * annotation but is not terminating is a victim to finish first.
 *
 * The shrink is written only while the non-terminating pods number exactly
 * spec.replicas. That one guard makes the step idempotent across passes and
 * leaders (after our write the victim still counts until the ReplicaSet marks
 * it terminating, so nobody shrinks twice) and makes sure the ReplicaSet has
 * no pending pod to prefer over the victim.
 *
 * When the victim is the leader itself (victim.ts), it marks itself leaving
 * and hands the Lease over (deps.handOver: release, then stay out of the
 * election for a lease duration) instead of draining itself; the standby
 * that takes the Lease adopts the mark like any other and finishes the
 * scale-in: drain that pod, lowest deletion cost on it, then shrink. A
 * leader that finds itself marked (it got the Lease back) hands over again,
 * or waits when no member that stays could lead.
 *
 * Once marked, a victim is removed even if the decision turns: peers already
 * stopped routing to it and a drain never stops, so it is dead capacity; the
 * next decision adds a fresh pod if the load wants one.
 */
export class ScaleIn {
  readonly #d: ScaleInDeps;
  readonly #metrics: ScalingMetricsSink;
  #victim: Victim | undefined;

  constructor(deps: ScaleInDeps) {
    this.#d = deps;
    this.#metrics = deps.metrics ?? noScalingMetrics;
  }

  state(): ScaleInState | null {
    const v = this.#victim;
    return v ? { victim: v.pod, phase: v.phase, elapsedMs: this.#d.clock.nowMs() - v.sinceMs, drainRequested: v.drainRequested } : null;
  }

  /** Forgets the in-memory progress (a new term recovers it from the annotations). */
  reset(): void {
    this.#victim = undefined;
  }

  /** Advances the scale-in as far as it can in this pass; throws NotLeaderError when leadership ended. */
  async step(input: ScaleInInput): Promise<ScaleInStep> {
    const opening = this.#victim ? undefined : await this.#open(input);
    const victim = this.#victim;
    const opened = victim !== undefined && opening !== undefined;
    if (!victim) return { reason: opening, changed: false };
    const pod = input.pods.find((p) => p.name === victim.pod);
    if (!pod || pod.deleting) {
      this.#victim = undefined;
      return { reason: join(opening, `${victim.pod} left the cluster; scale-in step done`), changed: true };
    }
    const wasDraining = victim.phase === 'draining';
    if (wasDraining) {
      const draining = await this.#drain(victim, pod, input);
      if (draining) return { reason: join(opening, draining), changed: opened };
    }
    const shrunk = await this.#shrink(victim, input);
    return { ...shrunk, reason: join(opening, shrunk.reason), changed: opened || wasDraining || shrunk.wrote !== undefined };
  }

  /** Adopts an annotated pod, or starts a new scale-in when the decision says down. */
  async #open(input: ScaleInInput): Promise<string | undefined> {
    const self = this.#d.fence().identity;
    const marked = input.pods.filter((p) => p.drainingAnnotation && !p.deleting).sort((a, b) => (a.name < b.name ? -1 : 1))[0];
    if (marked?.name === self) return this.#handOver(input, self, `the leader ${self} carries ${DRAINING_ANNOTATION}`);
    if (marked) {
      this.#victim = { pod: marked.name, phase: 'draining', sinceMs: this.#d.clock.nowMs(), drainRequested: false };
      return `resumed the scale-in of ${marked.name} (it carries ${DRAINING_ANNOTATION})`;
    }
    if (input.decision.direction !== 'down') return undefined;
    const choice = chooseVictim(candidates(input, self));
    if (!choice.victim) return `scale-in waits: ${choice.reason}`;
    // The leader never drains itself: it marks itself, then hands the Lease over; the next leader adopts the mark.
    if (choice.leaderMustHandOver && !this.#standbyFor(input, self)) return `scale-in waits: ${choice.reason}, but no member that stays can take the Lease`;
    const mark = await this.#change(choice.victim, markVictim, input.signal);
    if (!markHolds(mark)) return `scale-in waits: ${mark.reason}`;
    if (choice.leaderMustHandOver) return this.#handOver(input, self, `marked ${self} as leaving (${choice.reason})`);
    this.#victim = { pod: choice.victim, phase: 'draining', sinceMs: this.#d.clock.nowMs(), drainRequested: false };
    if (mark.outcome === 'already') return `${mark.reason} (${choice.reason})`;
    this.#d.logger.info({ victim: choice.victim, reason: choice.reason }, 'Marked Pod as leaving');
    return `marked ${choice.victim} as leaving (${choice.reason})`;
  }

  /** The leader is marked leaving: it steps down so a standby drains it and shrinks; it never adopts itself. */
  #handOver(input: ScaleInInput, self: string, what: string): string {
    const standby = this.#standbyFor(input, self);
    if (!standby || !this.#d.handOver) return `scale-in waits: ${what}, and no member that stays can take the Lease`;
    this.#d.logger.info({ victim: self }, 'Handing the Lease over before draining the leader');
    this.#d.handOver();
    return `${what}; handing the Lease over to a standby, which drains ${self} and removes it`;
  }

  /** True when some other member that is not leaving can lead. */
  #standbyFor(input: ScaleInInput, self: string): boolean {
    return input.members.some((m) => m.pod !== self && m.state !== 'leaving');
  }

  /** One drain step; a sentence while the victim still drains, undefined when it may go. */
  async #drain(victim: Victim, pod: PodFacts, input: ScaleInInput): Promise<string | undefined> {
    const elapsedMs = this.#d.clock.nowMs() - victim.sinceMs;
    const timedOut = elapsedMs >= input.drainTimeoutMs;
    if (pod.ip !== '' && !timedOut) {
      const term = this.#d.fence().signal;
      try {
        const settled = await withDeadline(this.#d.clock, this.#d.peerTimeoutMs, `drain of ${victim.pod}`, [input.signal, term], async (signal) => {
          if (!victim.drainRequested) {
            await this.#d.drains.start(pod.ip, 'graceful scale-in by the leader', signal);
            victim.drainRequested = true;
          }
          return this.#d.drains.settled(pod.ip, signal);
        });
        if (!settled) return `draining ${victim.pod} (${secs(elapsedMs)} of ${secs(input.drainTimeoutMs)})`;
      } catch (err) {
        this.#d.logger.warn({ err, victim: victim.pod }, 'Could not reach the draining Pod');
        return `draining ${victim.pod}: could not reach it (${describeError(err)}); retrying until ${secs(input.drainTimeoutMs)}`;
      }
    }
    victim.phase = 'shrinking';
    if (pod.ip !== '') this.#metrics.drainFinished((this.#d.clock.nowMs() - victim.sinceMs) / 1000, timedOut ? 'timeout' : 'drained');
    const why = pod.ip === '' ? 'it has no IP, so nothing to drain' : timedOut ? `the drain timeout ${secs(input.drainTimeoutMs)} passed` : 'it drained';
    this.#d.logger.info({ victim: victim.pod, why }, 'Finished draining Pod');
    return undefined;
  }

  /** Waits (changing nothing) until the ReplicaSet will remove exactly the victim, then writes. */
  async #shrink(victim: Victim, input: ScaleInInput): Promise<Omit<ScaleInStep, 'changed'>> {
    const { scale } = input;
    const live = input.pods.filter((p) => !p.deleting);
    if (live.length !== scale.replicas) {
      return { reason: `removal of ${victim.pod} waits: ${live.length} pods are not terminating while spec.replicas is ${scale.replicas}` };
    }
    const pending = live.filter((p) => p.name !== victim.pod && p.ip === '').map((p) => p.name);
    if (pending.length > 0) return { reason: `removal of ${victim.pod} waits for ${pending.join(', ')} to start (the ReplicaSet would remove a pending pod first)` };
    if (!input.mayWrite) return { reason: `removal of ${victim.pod} waits for the next pass (the scale was written this pass)` };
    const cost = await this.#change(victim.pod, lowestDeletionCost, input.signal);
    if (!markHolds(cost)) return { reason: `removal of ${victim.pod} waits: ${cost.reason}` };
    const to = scale.replicas - 1;
    try {
      await fenced(this.#d.clock, this.#d.fence(), this.#d.apiTimeoutMs, input.signal, 'write Scale', (signal) => input.target.write(to, scale.version, signal));
    } catch (err) {
      this.#metrics.scaleWritten('down', isConflict(err) ? 'conflict' : 'error');
      if (isConflict(err)) return { reason: `removal of ${victim.pod}: the scale changed since it was read (409); re-reading next pass` };
      throw err;
    }
    this.#metrics.scaleWritten('down', 'ok');
    return { reason: `scaled down from ${scale.replicas} to ${to}, removing ${victim.pod}`, wrote: { from: scale.replicas, to, victim: victim.pod } };
  }

  /** A fenced, conditional annotation change: fence() is asked again before every read and write. */
  #change(pod: string, decide: (read: PodReading) => MarkDecision, signal: AbortSignal): Promise<MarkOutcome> {
    return changePod(this.#d.annotator, pod, decide, (what, work) => fenced(this.#d.clock, this.#d.fence(), this.#d.apiTimeoutMs, signal, what, work));
  }
}

function candidates(input: ScaleInInput, self: string): VictimCandidate[] {
  const created = new Map(input.pods.map((p) => [p.name, Date.parse(p.createdAt)]));
  const load = new Map(input.samples.map((s) => [s.pod, s.utilization]));
  // This pass's own sample can be fresher than the member view (the leader's own readiness is read locally).
  const sampledReady = new Map(input.samples.map((s) => [s.pod, s.ready]));
  return input.members.map((m) => ({
    pod: m.pod,
    ready: m.ready && sampledReady.get(m.pod) !== false,
    utilization: load.get(m.pod) ?? null,
    createdAtMs: created.get(m.pod) || 0,
    isLeader: m.pod === self,
    state: m.state,
  }));
}

const isConflict = (err: unknown): boolean => (err as { status?: unknown }).status === 409;
const secs = (ms: number): string => `${Math.round(ms / 1000)}s`;
const join = (a: string | undefined, b: string | undefined): string | undefined => [a, b].filter(Boolean).join('; ') || undefined;
