/**
 * vnf-agent's scaling policy against the plain HPA algorithm on the same load
 * traces (bench/traces/), with the model and policies of
 * bench/scaling-compare.ts. The simulation is deterministic per seed, so the
 * repeats vary the seed: each one regenerates every trace's noise and the
 * HPA's sync and metrics-scrape phases.
 */
import { base, hpa, model } from './scaling-compare.js';
import { simulate, type Result, type ScalerKind } from './scaling-sim.js';
import { daily, noisy, spike, stepDown, stepUp, type Trace } from './traces/traces.js';
import { summarize, type Summary } from './lib/stats.js';

export interface ScalingFigures {
  readonly scaler: ScalerKind;
  readonly upReactionStepS: Summary;
  readonly upReactionSpikeS: Summary;
  readonly downReactionStepS: Summary;
  /** Sums over the five traces of one seed. */
  readonly reversals: Summary;
  readonly replicaHours: Summary;
  readonly failedPercent: Summary;
  readonly failedSpikePercent: Summary;
}

/** The five traces with their default seeds for seed 0 (= scaling-compare.ts's table), shifted for others. */
const tracesFor = (seed: number): Trace[] => [stepUp(1 + 10 * seed), stepDown(2 + 10 * seed), noisy(3 + 10 * seed), daily(4 + 10 * seed), spike(5 + 10 * seed)];

export function measureScaling(seeds: number): { figures: ScalingFigures[]; runs: Result[][] } {
  const runs: Result[][] = [];
  for (let seed = 0; seed < seeds; seed++) {
    const traces = tracesFor(seed);
    runs.push(traces.flatMap((t) => [simulate(t, 'vnf-agent', base, model, undefined, 7 + seed), simulate(t, 'hpa', hpa, model, undefined, 7 + seed)]));
  }
  const figures = (['vnf-agent', 'hpa'] as const).map((scaler): ScalingFigures => {
    const mine = runs.map((r) => r.filter((x) => x.scaler === scaler));
    const pick = (prefix: string, f: (r: Result) => number | null): Summary =>
      summarize(mine.map((rs) => f(rs.find((r) => r.trace.startsWith(prefix))!) ?? Number.NaN));
    const sum = (f: (r: Result) => number): Summary => summarize(mine.map((rs) => rs.reduce((s, r) => s + f(r), 0)));
    return {
      scaler,
      upReactionStepS: pick('step up', (r) => r.reactionS),
      upReactionSpikeS: pick('spike', (r) => r.reactionS),
      downReactionStepS: pick('step down', (r) => r.reactionS),
      reversals: sum((r) => r.reversals),
      replicaHours: sum((r) => r.replicaSeconds / 3600),
      failedSpikePercent: pick('spike', (r) => (100 * r.failedCalls) / r.offeredCalls),
      failedPercent: summarize(mine.map((rs) => (100 * rs.reduce((s, r) => s + r.failedCalls, 0)) / rs.reduce((s, r) => s + r.offeredCalls, 0))),
    };
  });
  return { figures, runs };
}
