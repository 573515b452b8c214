import type { Logger } from 'pino';
import type { Clock } from '../../clock/clock.js';
import { withDeadline } from '../../clock/deadline.js';
import { NotLeaderError } from '../../election/errors.js';
import type { Fence } from '../../election/leadership.js';
import { PREDICTIVE_DEFAULTS, type VnfCluster } from '../../model/vnfcluster.js';
import { fenced, describeError } from '../scaler-ports.js';
import type { Decision, ForecastFloor } from '../types.js';
import { decodeCurve, encodeCurve } from './codec.js';
import { emptyCurve, recordNeed, recordStartToReady, type LoadCurve } from './curve.js';
import { forecast, type Forecast, type PredictiveSpec } from './forecast.js';
import { checkReady, watchScaleUp, type ReadyWatch } from './ready-watch.js';
import { historyName, type HistoryStore } from './store.js';

export interface PredictorDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  /** The leader's fence, as the scaler's: every write goes through it. */
  readonly fence: () => Fence;
  readonly store: HistoryStore;
  readonly apiTimeoutMs: number;
  /** Least time between writes of the history (each one is an API write). */
  readonly persistEveryMs: number;
}

/** What the scaler hands over after each decision. */
export interface PassFacts {
  readonly vc: VnfCluster;
  readonly decision: Decision;
  /** spec.replicas as read, and as it stands after this pass's write (if any). */
  readonly replicasBefore: number;
  readonly replicasAfter: number;
  /** Ready members this pass. */
  readonly ready: number;
  /** The load decided (not paused, no manual count, not scaled to 0). */
  readonly loadDecided: boolean;
  readonly signal: AbortSignal;
}

interface TermState {
  readonly term: number;
  readonly cluster: string;
  curve: LoadCurve;
  /** Version read or last written; null when the ConfigMap does not exist yet. */
  version: string | null;
  dirty: boolean;
  lastWriteMs: number;
  watch: ReadyWatch | null;
}

/**
 * The leader's predictive part: it loads the cluster's load history from its
 * ConfigMap once per term, forecasts before each decision, learns from each
 * decision after it, and stores the history at most every persistEveryMs —
 * fenced and conditional on the version it read, like every leader write.
 * A 409 means someone else wrote it (a previous leader, an operator): the
 * unsaved samples are dropped and the history is read again. A malformed
 * ConfigMap is logged and the history starts afresh (and overwrites it).
 * Nothing here fails a scaling pass except lost leadership.
 */
export class Predictor {
  readonly #d: PredictorDeps;
  #state: TermState | undefined;
  #last: Forecast | undefined;

  constructor(deps: PredictorDeps) {
    this.#d = deps;
  }

  /** The forecast of the last pass, for GET /scale. */
  get last(): Forecast | undefined {
    return this.#last;
  }

  /** The floor for this pass's decision, or undefined (disabled, history not loaded, not enough history). */
  async before(vc: VnfCluster, signal: AbortSignal): Promise<ForecastFloor | undefined> {
    const spec = predictiveOf(vc);
    if (!spec.enabled) {
      this.#state = undefined;
      this.#last = undefined;
      return undefined;
    }
    const state = await this.#load(vc, this.#d.fence(), signal);
    if (!state) return undefined;
    const f = forecast(state.curve, spec, this.#d.clock.wallTime().getTime());
    this.#last = f;
    return floorOf(f, spec);
  }

  /** Learns from the pass and stores the history when due; the sentence says what went wrong, if anything. */
  async after(p: PassFacts): Promise<string | undefined> {
    const spec = predictiveOf(p.vc);
    const state = this.#state;
    if (!spec.enabled || !state) return undefined;
    const nowMs = this.#d.clock.nowMs();
    this.#learn(state, spec, p, nowMs);
    if (!state.dirty || nowMs - state.lastWriteMs < this.#d.persistEveryMs) return undefined;
    return this.#persist(state, p.vc, p.signal, nowMs);
  }

  #learn(state: TermState, spec: PredictiveSpec, p: PassFacts, nowMs: number): void {
    const checked = checkReady(state.watch, nowMs, p.ready, p.replicasAfter);
    state.watch = watchScaleUp(checked.watch, nowMs, p.replicasBefore, p.replicasAfter);
    if (checked.measuredMs !== undefined) {
      state.curve = recordStartToReady(state.curve, checked.measuredMs / 1000);
      state.dirty = true;
    }
    const need = p.loadDecided ? neededReplicas(p.decision, p.replicasBefore, p.vc.spec.tolerance ?? 0.1) : null;
    if (need === null) return;
    const next = recordNeed(state.curve, this.#d.clock.wallTime().getTime(), need, spec.historyWeeks);
    if (next !== state.curve) {
      state.curve = next;
      state.dirty = true;
    }
  }

  async #load(vc: VnfCluster, fence: Fence, signal: AbortSignal): Promise<TermState | undefined> {
    const cluster = vc.metadata.name;
    if (this.#state?.term === fence.term && this.#state.cluster === cluster) return this.#state;
    const name = historyName(cluster);
    let stored;
    try {
      stored = await withDeadline(this.#d.clock, this.#d.apiTimeoutMs, 'read load history', [signal, fence.signal], (s) => this.#d.store.read(name, s));
    } catch (err) {
      if (err instanceof NotLeaderError || fence.signal.aborted) throw err;
      this.#d.logger.warn({ err, configMap: name }, 'Could not read load history');
      this.#state = undefined;
      return undefined;
    }
    let curve = emptyCurve();
    if (stored) {
      try {
        curve = decodeCurve(stored.data, stored.binaryData);
      } catch (err) {
        this.#d.logger.warn({ err, configMap: name }, 'Load history is malformed; starting afresh');
      }
    }
    this.#state = { term: fence.term, cluster, curve, version: stored?.version ?? null, dirty: false, lastWriteMs: this.#d.clock.nowMs(), watch: null };
    return this.#state;
  }

  async #persist(state: TermState, vc: VnfCluster, signal: AbortSignal, nowMs: number): Promise<string | undefined> {
    const name = historyName(state.cluster);
    const owner = { apiVersion: vc.apiVersion, kind: vc.kind, name: vc.metadata.name, uid: vc.metadata.uid };
    const payload = encodeCurve(state.curve);
    const fence = this.#d.fence();
    state.lastWriteMs = nowMs;
    try {
      const version = state.version;
      state.version = await fenced(this.#d.clock, fence, this.#d.apiTimeoutMs, signal, 'write load history', (s) =>
        version === null ? this.#d.store.create(name, owner, payload, s) : this.#d.store.replace(name, owner, payload, version, s),
      );
      state.dirty = false;
      return undefined;
    } catch (err) {
      if (err instanceof NotLeaderError || fence.signal.aborted) throw err;
      if ((err as { status?: unknown }).status === 409) {
        // Someone else wrote it since: theirs wins, ours since the last write is dropped.
        this.#state = undefined;
        return 'load history not written: it changed since it was read (409); re-reading next pass';
      }
      this.#d.logger.debug({ err, configMap: name }, 'Could not write load history');
      return `load history not written: ${describeError(err)}`;
    }
  }
}

/**
 * The replicas this pass's load needed: the fewest pods the reactive rule
 * would not scale up from (the load in pods at the top of the tolerance band,
 * rounded up), and one more than there were while a pod reports overload. Not
 * the recommendation: inside the band that is the current count, so a count
 * the forecast raised would be learnt back as need and keep itself up. Null
 * without fresh samples.
 */
export function neededReplicas(decision: Decision, replicasBefore: number, tolerance: number): number | null {
  const { freshSamples, usageRatio, overloadedMembers } = decision.inputs;
  if (freshSamples === 0 || usageRatio === null) return null;
  const need = Math.max(1, Math.ceil((freshSamples * usageRatio) / (1 + tolerance) - 1e-9));
  return overloadedMembers.length > 0 ? Math.max(need, replicasBefore + 1) : need;
}

/** The floor decide() takes from a forecast, worded for lastDecision.reason. */
export function floorOf(f: Forecast, spec: PredictiveSpec): ForecastFloor | undefined {
  if (f.replicas === null) return undefined;
  return { replicas: f.replicas, maxBoost: spec.maxBoostReplicas, clause: `the forecast for the next ${f.leadSeconds}s sets a floor of ${f.replicas}` };
}

function predictiveOf(vc: VnfCluster): PredictiveSpec {
  return { ...PREDICTIVE_DEFAULTS, ...vc.spec.predictive };
}
