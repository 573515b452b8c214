/**
 * vnf-agent against the real HorizontalPodAutoscaler, on the project's real
 * node (test/realnode: kubelet, containerd, kube-controller-manager's HPA on
 * metrics-server), with the same seeded traces:
 *   node --import tsx bench/realnode-scaling.ts [--traces step,spike,noisy,day] [--cpu 20] [--pod-cps N] [--warmup 60] [--out FILE]
 * Two releases of the chart run side by side per trace (bench/realnode-scaling/).
 * Sprout's SIP container gets a CPU request and limit; a calibration pod
 * measures what that carries (skipped with --pod-cps), and the traces are
 * scaled to it. Writes bench/results/realnode-scaling.json with the machine
 * and the commit, and prints the table. About 7 minutes per trace, plus 2 for
 * the cluster and the calibration.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { controlPlaneBinDir } from '../test/support/controlplane.js';
import { startRealCluster } from '../test/realnode/cluster.js';
import { calibrate, type Calibration } from './realnode-scaling/calibrate.js';
import { clusterIo } from './realnode-scaling/cluster-io.js';
import { schedules, TRACE_NAMES, type TraceName } from './realnode-scaling/plan.js';
import type { PodSizing } from './realnode-scaling/releases.js';
import { checkTargets, realNodeRows } from './realnode-scaling/rows.js';
import { runTrace, type TraceRun } from './realnode-scaling/run-trace.js';
import { machine, machineLine, renderTable, type Machine, type Row } from './lib/report.js';

export interface RealNodeScalingOptions {
  readonly traces: readonly TraceName[];
  readonly sipCpuMilli: number;
  /** Calls/s per pod; undefined = calibrate. */
  readonly podCps?: number;
  readonly warmupS: number;
}

export interface RealNodeScaling {
  readonly machine: Machine;
  readonly durationS: number;
  readonly sizing: PodSizing;
  readonly calibration: Calibration | null;
  readonly settings: { readonly warmupS: number; readonly holdMs: number; readonly recvTimeoutMs: number };
  readonly traces: readonly TraceRun[];
  readonly rows: readonly Row[];
  readonly targets: ReturnType<typeof checkTargets>;
}

export async function measureRealNodeScaling(o: RealNodeScalingOptions, log: (line: string) => void): Promise<RealNodeScaling> {
  // The machine and commit as the run starts.
  const host = machine();
  const began = performance.now();
  const binDir = controlPlaneBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'vnf-realnode-scaling-'));
  log('realnode-scaling: starting the real node (waits for its lock if another run holds it)');
  const cluster = await startRealCluster({ binDir });
  try {
    const io = clusterIo(cluster, dir);
    const base: PodSizing = { sipCpuMilli: o.sipCpuMilli, podCps: o.podCps ?? 0, minReplicas: 1, maxReplicas: 5, targetUtilization: 0.7 };
    const calibration = o.podCps === undefined ? await calibrate(io, base, dir, log) : null;
    const sizing: PodSizing = { ...base, podCps: calibration?.podCps ?? base.podCps };
    const settings = { warmupS: o.warmupS, holdMs: 2000, recvTimeoutMs: 5000 };
    const traces: TraceRun[] = [];
    for (const [i, schedule] of schedules(sizing.podCps, o.traces).entries()) {
      const result = await runTrace(io, o.traces[i]!, schedule, { ...settings, sizing, dir }, log);
      log(`realnode-scaling: ${result.trace}: ${JSON.stringify(result.runs.map((r) => ({ ...r, samples: r.samples.length })))}`);
      traces.push(result);
    }
    const rows = realNodeRows(traces);
    return { machine: host, durationS: Math.round((performance.now() - began) / 1000), sizing, calibration, settings, traces, rows, targets: checkTargets(traces) };
  } finally {
    await cluster.stop();
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      traces: { type: 'string', default: 'step,spike,noisy' },
      cpu: { type: 'string', default: '20' },
      'pod-cps': { type: 'string' },
      warmup: { type: 'string', default: '60' },
      out: { type: 'string', default: 'bench/results/realnode-scaling.json' },
    },
  });
  const traces = values.traces.split(',').filter((t): t is TraceName => (TRACE_NAMES as readonly string[]).includes(t));
  const log = (line: string): void => void process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  const r = await measureRealNodeScaling({ traces, sipCpuMilli: Number(values.cpu), warmupS: Number(values.warmup), ...(values['pod-cps'] ? { podCps: Number(values['pod-cps']) } : {}) }, log);
  process.stdout.write(`\nvnf-agent vs the real HPA on the real node: ${machineLine(r.machine)}; took ${r.durationS} s\n\n${renderTable(r.rows)}\n\n`);
  for (const t of r.targets) process.stdout.write(`target ${t.target} (${t.trace}): vnf-agent ${t.ours}, HPA ${t.hpa}: ${t.met ? 'met' : 'MISSED'}\n`);
  mkdirSync(dirname(values.out), { recursive: true });
  const command = `node --import tsx bench/realnode-scaling.ts ${process.argv.slice(2).join(' ')}`.trim();
  writeFileSync(values.out, `${JSON.stringify({ command, ...r }, null, 2)}\n`);
  log(`wrote ${values.out}`);
  process.exit(0);
}
