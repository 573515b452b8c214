import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.js';
import { withDeadline } from '../clock/deadline.js';
import type { Fence } from '../election/leadership.js';
import type { PodFacts } from '../membership/state.js';
import { DRAINING_ANNOTATION } from '../membership/state.js';
import type { Member } from '../model/vnfcluster.js';
import { noScalingMetrics, type ScalingMetricsSink } from './metrics.js';
import { chooseVictim, type VictimCandidate } from './victim.js';
import type { Decision, MemberSample } from './types.js';
import { describeError, fenced, type ScaleReading, type ScaleTarget } from './scaler-ports.js';

export const DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';
/**
 * Below any cost an operator sets (the annotation must parse as an int32; this is one above its
 * minimum): when the Deployment shrinks, the ReplicaSet controller removes the pod with the lowest
 * deletion cost first among pods equally far along (scheduled, running and ready alike).
 */
export const LOWEST_DELETION_COST = '-2147483647';

/** The port to a victim's drain routes (POST /drain with the shared bearer token, GET /drain). */
export interface DrainClient {
  start(ip: string, reason: string, signal: AbortSignal): Promise<void>;
  settled(ip: string, signal: AbortSignal): Promise<boolean>;
}

export interface PodAnnotations {
  annotate(pod: string, annotations: Record<string, string | null>, signal?: AbortSignal): Promise<void>;
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
 * lowest deletion cost -> spec.replicas - 1. The state lives in memory and is
 * rebuilt from the pods by a new leader: a pod that carries the draining
 * annotation but is not terminating is a victim to finish first.
 *
 * The shrink is written only while the non-terminating pods number exactly
 * spec.replicas. That one guard makes the step idempotent across passes and
 * leaders (after our write the victim still counts until the ReplicaSet marks
 * it terminating, so nobody shrinks twice) and makes sure the ReplicaSet has
 * no pending pod to prefer over the victim.
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
    const marked = input.pods.filter((p) => p.drainingAnnotation && !p.deleting).sort((a, b) => (a.name < b.name ? -1 : 1))[0];
    if (marked) {
      this.#victim = { pod: marked.name, phase: 'draining', sinceMs: this.#d.clock.nowMs(), drainRequested: false };
      return `resumed the scale-in of ${marked.name} (it carries ${DRAINING_ANNOTATION})`;
    }
    if (input.decision.direction !== 'down') return undefined;
    const self = this.#d.fence().identity;
    const choice = chooseVictim(candidates(input, self));
    // The leader is chosen only when every other member is leaving already: replicas are above
    // minReplicas >= 1, so those members are the ones going. Wait for them instead of handing over.
    if (!choice.victim || choice.leaderMustHandOver) return `scale-in waits: ${choice.reason}`;
    await this.#annotate(choice.victim, { [DRAINING_ANNOTATION]: 'true' }, input.signal);
    this.#victim = { pod: choice.victim, phase: 'draining', sinceMs: this.#d.clock.nowMs(), drainRequested: false };
    this.#d.logger.info({ victim: choice.victim, reason: choice.reason }, 'Marked Pod as leaving');
    return `marked ${choice.victim} as leaving (${choice.reason})`;
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
    await this.#annotate(victim.pod, { [DELETION_COST_ANNOTATION]: LOWEST_DELETION_COST }, input.signal);
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

  async #annotate(pod: string, annotations: Record<string, string>, signal: AbortSignal): Promise<void> {
    await fenced(this.#d.clock, this.#d.fence(), this.#d.apiTimeoutMs, signal, `annotate Pod ${pod}`, (bound) => this.#d.annotator.annotate(pod, annotations, bound));
  }
}

function candidates(input: ScaleInInput, self: string): VictimCandidate[] {
  const created = new Map(input.pods.map((p) => [p.name, Date.parse(p.createdAt)]));
  const load = new Map(input.samples.map((s) => [s.pod, s.utilization]));
  return input.members.map((m) => ({
    pod: m.pod,
    ready: m.ready,
    utilization: load.get(m.pod) ?? null,
    createdAtMs: created.get(m.pod) || 0,
    isLeader: m.pod === self,
    state: m.state,
  }));
}

const isConflict = (err: unknown): boolean => (err as { status?: unknown }).status === 409;
const secs = (ms: number): string => `${Math.round(ms / 1000)}s`;
const join = (a: string | undefined, b: string | undefined): string | undefined => [a, b].filter(Boolean).join('; ') || undefined;
