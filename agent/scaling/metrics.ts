import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { METRIC_PREFIX } from '../metrics/registry.js';

/**
 * What one leader pass decided. The values are those of the HPA controller's
 * `action` label (scale_up, scale_down, none), so dashboards can put both side
 * by side, plus `error`: the pass failed before it could decide (Scale read,
 * gathering or policy failed).
 */
export type DecisionOutcome = 'scale_up' | 'scale_down' | 'none' | 'error';
export type WriteDirection = 'up' | 'down';
/** ok; conflict = 409, the scale changed since it was read; error = anything else (timeout, lost term, API error). */
export type WriteResult = 'ok' | 'conflict' | 'error';
/** drained = the victim said it had settled; timeout = the drain timeout passed first. */
export type DrainResult = 'drained' | 'timeout';

/** What the scaler reports; an interface so the scaler does not need prom-client. */
export interface ScalingMetricsSink {
  decided(outcome: DecisionOutcome): void;
  /** spec.replicas of `cluster`'s Deployment after this pass, and what the decision aims for. */
  replicas(cluster: string, current: number, desired: number): void;
  scaleWritten(direction: WriteDirection, result: WriteResult): void;
  /** From marking (or adopting) the victim until it drained or timed out. */
  drainFinished(seconds: number, result: DrainResult): void;
  /** The term ended: the replica gauges are the next leader's to export. */
  stoppedLeading(): void;
}

const OUTCOMES: readonly DecisionOutcome[] = ['scale_up', 'scale_down', 'none', 'error'];
const DIRECTIONS: readonly WriteDirection[] = ['up', 'down'];
const RESULTS: readonly WriteResult[] = ['ok', 'conflict', 'error'];
const DRAIN_RESULTS: readonly DrainResult[] = ['drained', 'timeout'];
/** Drains take seconds (idle pod) up to drainTimeoutSeconds (default 60 s, at most 3600 s). */
export const DRAIN_BUCKETS = [1, 5, 10, 15, 30, 45, 60, 90, 120, 300, 600, 1800, 3600];

/**
 * The scaling series on the agent's own registry. Counters and the histogram
 * start at 0 for every label value, so a rate() works from the first scrape.
 * The replica gauges exist only on the leader (absent elsewhere, not 0), so
 * `max by (cluster)` over the pods gives a cluster's current and desired size.
 */
export class ScalingMetrics implements ScalingMetricsSink {
  readonly #current: Gauge<'cluster'>;
  readonly #desired: Gauge<'cluster'>;
  readonly #decisions: Counter<'outcome'>;
  readonly #writes: Counter<'direction' | 'result'>;
  readonly #drains: Histogram<'result'>;

  constructor(registry: Registry) {
    const registers = [registry];
    const p = METRIC_PREFIX;
    this.#current = new Gauge({ name: `${p}current_replicas`, help: 'spec.replicas of the scaled Deployment as the leader last read or wrote it (leader only)', labelNames: ['cluster'], registers });
    this.#desired = new Gauge({ name: `${p}desired_replicas`, help: 'Replicas the leader’s last decision aims for (leader only)', labelNames: ['cluster'], registers });
    this.#decisions = new Counter({ name: `${p}scaling_decisions_total`, help: 'Leader passes by outcome: scale_up, scale_down, none, or error (failed before deciding)', labelNames: ['outcome'], registers });
    this.#writes = new Counter({ name: `${p}scale_writes_total`, help: 'Writes of spec.replicas through the scale subresource, by direction and result (ok, conflict, error)', labelNames: ['direction', 'result'], registers });
    this.#drains = new Histogram({ name: `${p}drain_duration_seconds`, help: 'Graceful scale-in: from marking the victim leaving (or a new leader adopting it) until it drained or the drain timeout passed', labelNames: ['result'], buckets: DRAIN_BUCKETS, registers });
    for (const outcome of OUTCOMES) this.#decisions.inc({ outcome }, 0);
    for (const direction of DIRECTIONS) for (const result of RESULTS) this.#writes.inc({ direction, result }, 0);
    for (const result of DRAIN_RESULTS) this.#drains.zero({ result });
  }

  decided(outcome: DecisionOutcome): void {
    this.#decisions.inc({ outcome });
  }

  replicas(cluster: string, current: number, desired: number): void {
    this.#current.set({ cluster }, current);
    this.#desired.set({ cluster }, desired);
  }

  scaleWritten(direction: WriteDirection, result: WriteResult): void {
    this.#writes.inc({ direction, result });
  }

  drainFinished(seconds: number, result: DrainResult): void {
    this.#drains.observe({ result }, seconds);
  }

  stoppedLeading(): void {
    this.#current.reset();
    this.#desired.reset();
  }
}

/** For scalers built without a registry (tests, tools). */
export const noScalingMetrics: ScalingMetricsSink = {
  decided: () => undefined,
  replicas: () => undefined,
  scaleWritten: () => undefined,
  drainFinished: () => undefined,
  stoppedLeading: () => undefined,
};
