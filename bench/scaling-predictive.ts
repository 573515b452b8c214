/**
 * Predictive scaling against reactive-only and the HPA algorithm, on several
 * compressed days of the daily curve with noise. MODEL: the one-second
 * cluster model of bench/scaling-sim.ts (not the real bed), the model,
 * policies and HPA anchor of bench/scaling-compare.ts.
 *
 * The predictive side runs the agent's own pure modules (agent/scaling/
 * predictive: bucketing, the decayed weekly curve, the forecast, the
 * start-to-ready watch) and decide() with the forecast floor. Each simulated
 * day is replayed on the same weekday of consecutive weeks, so day k forecasts
 * from days < k, as a real cluster forecasts Monday from earlier Mondays. Day 0
 * only teaches (no forecast yet); the figures are over days 1..N-1 for every
 * policy.
 *
 * Run: node --import tsx bench/scaling-predictive.ts [--days=N] [--day-hours=H] [--seeds=S] [--out=FILE]
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { PREDICTIVE_DEFAULTS } from '../agent/model/vnfcluster.js';
import { emptyCurve, recordNeed, recordStartToReady, type LoadCurve } from '../agent/scaling/predictive/curve.js';
import { DEFAULT_LEAD_SECONDS, forecast, type PredictiveSpec } from '../agent/scaling/predictive/forecast.js';
import { floorOf, neededReplicas } from '../agent/scaling/predictive/predictor.js';
import { checkReady, watchScaleUp, type ReadyWatch } from '../agent/scaling/predictive/ready-watch.js';
import { WEEK_MS } from '../agent/scaling/predictive/week.js';
import { base, hpa, model } from './scaling-compare.js';
import { simulate, type ScalerKind, type SimHooks } from './scaling-sim.js';
import { compressedDays } from './traces/traces.js';
import { machine, machineLine } from './lib/report.js';

/** Monday 00:00 UTC: day k of the trace is Monday of week k. */
const MONDAY = Date.parse('2026-11-02T00:00:00Z');

export type Policy = 'reactive' | 'predictive' | 'hpa';

export interface DayFigures {
  readonly policy: Policy;
  readonly seed: number;
  /** Calls that failed during the morning ramps (hours 5-11) of days 1..N-1. */
  readonly failedMorning: number;
  /** Calls that failed during both ramps (5-11 and 15-19). */
  readonly failedRamps: number;
  readonly failedAll: number;
  readonly offered: number;
  /** Pod-hours of days 1..N-1 in compressed time (pods x simulated seconds / 3600). */
  readonly replicaHours: number;
  readonly predictiveScaleUps: number;
}

function hooksFor(policy: Policy, daySeconds: number, spec: PredictiveSpec, fig: { failedMorning: number; failedRamps: number; failedAll: number; podSeconds: number; predictiveScaleUps: number }): SimHooks {
  // A compressed day runs the wall clock of the history k times faster, so a 5-minute bucket holds 5
  // minutes of the day's shape, as in production; the lead time (measured in simulated seconds) is
  // stretched by the same factor so the forecast looks exactly one start-to-ready time ahead.
  const k = 86_400 / daySeconds;
  const wallMs = (t: number): number => MONDAY + Math.floor(t / daySeconds) * WEEK_MS + (t % daySeconds) * k * 1000;
  const leadSpec = (): PredictiveSpec => ({ ...spec, leadTimeSeconds: Math.ceil((curve.startToReadySeconds ?? DEFAULT_LEAD_SECONDS) * k) });
  const counted = (t: number): boolean => t >= daySeconds;
  const hourOf = (t: number): number => ((t % daySeconds) / daySeconds) * 24;
  let curve: LoadCurve = emptyCurve();
  let watch: ReadyWatch | null = null;
  const hooks: SimHooks = {
    second(t, failed, pods) {
      if (!counted(t)) return;
      const h = hourOf(t);
      fig.failedAll += failed;
      if (h >= 5 && h < 11) fig.failedMorning += failed;
      if ((h >= 5 && h < 11) || (h >= 15 && h < 19)) fig.failedRamps += failed;
      fig.podSeconds += pods;
    },
  };
  if (policy !== 'predictive') return hooks;
  return {
    ...hooks,
    floor: (t) => floorOf(forecast(curve, leadSpec(), wallMs(t)), spec),
    learn(t, decision, before, after, ready) {
      const nowMs = t * 1000;
      const checked = checkReady(watch, nowMs, ready, after);
      watch = watchScaleUp(checked.watch, nowMs, before, after);
      if (checked.measuredMs !== undefined) curve = recordStartToReady(curve, checked.measuredMs / 1000);
      const need = neededReplicas(decision, before, base.tolerance);
      if (need !== null) curve = recordNeed(curve, wallMs(t), need, spec.historyWeeks);
      if (after > before && decision.inputs.forecast?.setFloor && counted(t)) fig.predictiveScaleUps++;
    },
  };
}

export function runPolicy(policy: Policy, days: number, daySeconds: number, seed: number): DayFigures {
  const trace = compressedDays(days, daySeconds, 40 + seed);
  const spec: PredictiveSpec = { ...PREDICTIVE_DEFAULTS, enabled: true };
  const fig = { failedMorning: 0, failedRamps: 0, failedAll: 0, podSeconds: 0, predictiveScaleUps: 0 };
  const scaler: ScalerKind = policy === 'hpa' ? 'hpa' : 'vnf-agent';
  const result = simulate(trace, scaler, policy === 'hpa' ? hpa : base, model, undefined, 7 + seed, hooksFor(policy, daySeconds, spec, fig));
  const offered = trace.load.slice(daySeconds).reduce((s, l) => s + l, 0);
  void result;
  return {
    policy, seed, offered,
    failedMorning: Math.round(fig.failedMorning), failedRamps: Math.round(fig.failedRamps), failedAll: Math.round(fig.failedAll),
    replicaHours: fig.podSeconds / 3600, predictiveScaleUps: fig.predictiveScaleUps,
  };
}

/** 1 - ours/theirs; null when reactive failed no call (nothing to reduce). */
const reduction = (ours: number, theirs: number): number | null => (theirs === 0 ? null : 1 - ours / theirs);
const pct = (x: number | null): string => (x === null ? 'n/a (reactive failed none)' : `${(100 * x).toFixed(1)} %`);

function main(): void {
  const arg = (name: string, def: number): number => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def);
  const days = arg('days', 5);
  const dayHours = arg('day-hours', 3);
  const seeds = arg('seeds', 3);
  const out = process.argv.find((a) => a.startsWith('--out='))?.slice('--out='.length);
  const started = performance.now();
  const m = machine();
  const runs: DayFigures[] = [];
  for (let seed = 0; seed < seeds; seed++) for (const p of ['reactive', 'predictive', 'hpa'] as const) runs.push(runPolicy(p, days, dayHours * 3600, seed));
  const header = ['policy', 'seed', 'failed, morning ramps', 'failed, both ramps', 'failed, all', 'failed % all', 'replica-h', 'predictive scale-ups'];
  const rows = runs.map((r) => [
    r.policy === 'hpa' ? 'HPA algorithm, model' : `${r.policy}, model`, String(r.seed), String(r.failedMorning), String(r.failedRamps), String(r.failedAll),
    ((100 * r.failedAll) / r.offered).toFixed(3), r.replicaHours.toFixed(1), String(r.predictiveScaleUps),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const row of rows) console.log(line(row));
  const total = (p: string, f: (r: DayFigures) => number): number => runs.filter((r) => r.policy === p).reduce((s, r) => s + f(r), 0);
  const summary = {
    reactive: { failedMorning: total('reactive', (r) => r.failedMorning), replicaHours: total('reactive', (r) => r.replicaHours) },
    predictive: { failedMorning: total('predictive', (r) => r.failedMorning), replicaHours: total('predictive', (r) => r.replicaHours) },
    hpa: { failedMorning: total('hpa', (r) => r.failedMorning), replicaHours: total('hpa', (r) => r.replicaHours) },
    morningFailedReduction: reduction(total('predictive', (r) => r.failedMorning), total('reactive', (r) => r.failedMorning)),
    rampsFailedReduction: reduction(total('predictive', (r) => r.failedRamps), total('reactive', (r) => r.failedRamps)),
    replicaHoursIncrease: total('predictive', (r) => r.replicaHours) / total('reactive', (r) => r.replicaHours) - 1,
  };
  console.log(
    `\nmodel: ${model.capacity} calls/s per pod, ready ${model.startupSeconds} s after creation, drain ${model.drainSeconds} s; ${days} days of ${dayHours} h, figures over days 1..${days - 1}; ` +
      `predictive: defaults (historyWeeks ${PREDICTIVE_DEFAULTS.historyWeeks}, maxBoostReplicas ${PREDICTIVE_DEFAULTS.maxBoostReplicas}, lead = measured start-to-ready). ` +
      `predictive vs reactive: morning-ramp failed calls fewer by ${pct(summary.morningFailedReduction)}, both ramps fewer by ${pct(summary.rampsFailedReduction)}, replica-hours ${(100 * summary.replicaHoursIncrease).toFixed(1)} %. ` +
      `${machineLine(m)} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
  const command = `node --import tsx bench/scaling-predictive.ts --days=${days} --day-hours=${dayHours} --seeds=${seeds}`;
  if (out) writeFileSync(out, `${JSON.stringify({ benchmark: 'scaling-predictive (model)', command, machine: m, settings: { days, dayHours, seeds, model, predictive: { ...PREDICTIVE_DEFAULTS, enabled: true, leadTime: 'measured start-to-ready, in compressed time' } }, summary, runs }, null, 2)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
