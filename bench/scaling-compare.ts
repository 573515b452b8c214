/**
 * vnf-agent's scaling policy against the plain HPA on the same load traces.
 * Run: node --import tsx bench/scaling-compare.ts   (deterministic, seeded)
 *
 * Both sides run the same decision core (agent/scaling/decide.ts, a port of
 * the HPA algorithm), with the VnfCluster default behavior (scale-up: Percent
 * 100 / Pods 4 per 15 s; scale-down: 300 s window, Percent 100 per 15 s).
 * vnf-agent: 1 s loop, SIP load sampled every 2 s (smoothed; it sees offered load, so it exceeds 1.0
 * under overload, where CPU saturates), overload fast path (+1 per cycle),
 * scale-in one drained pod at a time. HPA: 15 s loop, metrics-server values
 * 15-60 s old, no overload signal, scale-in of many pods at once.
 */
import { pathToFileURL } from 'node:url';
import { simulate, type Model, type Result } from './scaling-sim.js';
import { allTraces } from './traces/traces.js';
import type { DecisionPolicy } from '../agent/scaling/types.js';

export const model: Model = { capacity: 100, startupSeconds: 30, drainSeconds: 15 };

export const base: DecisionPolicy = {
  minReplicas: 2,
  maxReplicas: 20,
  targetUtilization: 0.8,
  tolerance: 0.1,
  behavior: { scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max' }, scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max' } },
  overload: { enabled: true, step: 1 },
  paused: false,
  maintenanceWindows: [],
  sampleStaleMs: 10_000,
};
export const hpa: DecisionPolicy = { ...base, overload: { enabled: false, step: 1 }, sampleStaleMs: 3_600_000 };

/** The table of every trace, both scalers (bench/run-all.ts reuses model, base and hpa). */
function main(): void {
  // --verbose prints every scale change with its reason; --trace=NAME-PREFIX runs only matching traces.
  const verbose = process.argv.includes('--verbose');
  const only = process.argv.find((a) => a.startsWith('--trace='))?.slice('--trace='.length);
  const log = verbose ? (line: string): void => console.log(line) : undefined;

  const started = performance.now();
  const results: Result[] = [];
  for (const trace of allTraces().filter((t) => !only || t.name.startsWith(only))) {
    results.push(simulate(trace, 'vnf-agent', base, model, log));
    results.push(simulate(trace, 'hpa', hpa, model, log));
  }

  const header = ['trace', 'scaler', 'reaction s', 'settled s', 'reversals', 'replica-h', 'failed calls', 'failed %'];
  const rows = results.map((r) => [
    r.trace,
    r.scaler,
    r.reactionS === null ? '-' : String(r.reactionS),
    r.settledS === null ? '-' : String(r.settledS),
    String(r.reversals),
    (r.replicaSeconds / 3600).toFixed(1),
    String(r.failedCalls),
    ((100 * r.failedCalls) / Math.max(1, r.offeredCalls)).toFixed(3),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (i < 2 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const row of rows) console.log(line(row));
  console.log(
    `\nmodel: ${model.capacity} calls/s per pod, ready ${model.startupSeconds} s after creation, drain ${model.drainSeconds} s; ` +
      `target ${base.targetUtilization}, min ${base.minReplicas}, max ${base.maxReplicas}. ` +
      `reaction = first scale action after the change; settled = up: capacity covers the load again, down: last scale-in step. ` +
      `(${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
