/** The real-node scaling figures as lines of the benchmark table, and the issue's targets checked against them. */
import { summarize } from '../lib/stats.js';
import type { Row } from '../lib/report.js';
import type { ScalerRun, TraceRun } from './run-trace.js';

export const REAL_HPA = 'real HPA (kube-controller-manager), CPU';

const REPLICA_MINUTES = 'replica-minutes <= HPA';
const SPIKE_FAILURES = 'failed calls <= 1/4 of HPA';
const NO_REVERSALS = '0 direction reversals';

const one = (v: number | null): ReturnType<typeof summarize> | undefined => (v === null ? undefined : summarize([v]));
const short = (t: TraceRun): string => t.trace.split(',')[0] ?? t.trace;

export function realNodeRows(traces: readonly TraceRun[]): Row[] {
  return traces.flatMap((t): Row[] => {
    const [ours, hpa] = [t.runs.find((r) => r.scaler === 'vnf-agent')!, t.runs.find((r) => r.scaler === 'hpa')!];
    const checks = checkTargets([t]);
    // A row with a target says in the table itself whether this run met it.
    const over = (target?: string): string => {
      const check = checks.find((c) => c.target === target);
      return `1 run, real node, ${t.seconds} s at ${t.offeredCps.min}–${t.offeredCps.max} calls/s${check ? `; target ${check.target}: ${check.met ? 'met' : 'missed'}` : ''}`;
    };
    const row = (what: string, unit: string, f: (r: ScalerRun) => number | null, target?: string): Row =>
      ({ benchmark: `scaling, real node: ${what}, ${short(t)}`, ours: one(f(ours)), anchor: one(f(hpa)), anchorIs: REAL_HPA, unit, over: over(target) });
    return [
      ...(t.changeAtS === null ? [] : [row('reaction, load change to a new Sprout answering calls', 's', (r) => r.reactionAnsweringS)]),
      row('failed calls', 'calls', (r) => r.failedCalls, SPIKE_FAILURES),
      row('replica-minutes', 'pod-min', (r) => r.replicaMinutes, REPLICA_MINUTES),
      row('direction reversals', 'count', (r) => r.reversals, NO_REVERSALS),
    ];
  });
}

export interface TargetCheck {
  readonly target: string;
  readonly trace: string;
  readonly ours: number;
  readonly hpa: number;
  readonly met: boolean;
}

/** The issue's targets: spike failures at most 1/4 of the HPA's, replica-minutes no more than the HPA's, no reversal on the noisy trace. */
export function checkTargets(traces: readonly TraceRun[]): TargetCheck[] {
  return traces.flatMap((t): TargetCheck[] => {
    const [ours, hpa] = [t.runs.find((r) => r.scaler === 'vnf-agent')!, t.runs.find((r) => r.scaler === 'hpa')!];
    const checks: TargetCheck[] = [{ target: REPLICA_MINUTES, trace: t.trace, ours: ours.replicaMinutes, hpa: hpa.replicaMinutes, met: ours.replicaMinutes <= hpa.replicaMinutes }];
    if (t.trace.startsWith('spike')) checks.push({ target: SPIKE_FAILURES, trace: t.trace, ours: ours.failedCalls, hpa: hpa.failedCalls, met: ours.failedCalls <= hpa.failedCalls / 4 });
    if (t.trace.startsWith('noisy')) checks.push({ target: NO_REVERSALS, trace: t.trace, ours: ours.reversals, hpa: hpa.reversals, met: ours.reversals === 0 });
    return checks;
  });
}
