/** Turns each benchmark's results into lines of the one table. */
import type { FailoverResult } from './election-failover.js';
import type { RequestRate } from './election-requests.js';
import type { ProcessFailover } from './election-processes.js';
import type { ScalingFigures } from './scaling-anchor.js';
import type { Footprint } from './lib/proc.js';
import type { RouteLatency } from './http-latency.js';
import type { GatherResult } from './gather-cycle.js';
import { summarize, type Summary } from './lib/stats.js';
import type { Row } from './lib/report.js';

const spreadName = (s: Summary | undefined): string => (s?.spread === 'p10-p90' ? 'p10–p90' : 'min–max');
const over = (s: Summary | undefined, what: string, extra = ''): string => `${s?.n ?? 0} ${what}${extra}, ${spreadName(s)}`;

/** The election anchor so far: vnf-agent's own elector with its watch off, standing in for client-go's. */
const STAND_IN = "stand-in: vnf-agent's elector, watch off";
/** The scaling anchor, and vnf-agent's side of those rows: both are runs of a model, not of a cluster. */
export const HPA_MODEL = 'HPA algorithm, model';

export function failoverRows(results: readonly FailoverResult[], processes: ProcessFailover): Row[] {
  const find = (stop: string, mode: string) => results.find((r) => r.stop === stop && r.mode === mode)?.seconds;
  const inProcess = (s: Summary | undefined): string => over(s, 'runs', ' (2 electors in-process)');
  const real = (s: Summary): string => over(s, 'runs', ' (3 sidecar processes)');
  return [
    { benchmark: 'election: failover after kill -9 (lease left held)', ours: find('kill -9', 'vnf-agent'), anchor: find('kill -9', 'client-go'), anchorIs: STAND_IN, unit: 's', over: inProcess(find('kill -9', 'vnf-agent')) },
    { benchmark: 'election: failover after kill -9, real sidecars', ours: processes.kill9, unit: 's', over: real(processes.kill9) },
    { benchmark: 'election: handover after SIGTERM (lease released)', ours: find('SIGTERM', 'vnf-agent'), anchor: find('SIGTERM', 'client-go'), anchorIs: STAND_IN, unit: 's', over: inProcess(find('SIGTERM', 'vnf-agent')) },
    { benchmark: 'election: handover after SIGTERM, real sidecars', ours: processes.sigterm, unit: 's', over: real(processes.sigterm) },
  ];
}

export function requestRows(rates: readonly RequestRate[], windowSeconds: number): Row[] {
  const sizes = [...new Set(rates.map((r) => r.electors))];
  const find = (n: number, mode: string) => rates.find((r) => r.electors === n && r.mode === mode);
  return sizes.flatMap((n): Row[] => [
    { benchmark: `election: Lease reads/min at steady state, ${n} electors`, ours: find(n, 'vnf-agent')?.reads, anchor: find(n, 'client-go')?.reads, anchorIs: STAND_IN, unit: 'req/min', over: over(find(n, 'vnf-agent')?.reads, `windows of ${windowSeconds} s`, ' (counting proxy)') },
    { benchmark: `election: Lease writes/min at steady state, ${n} electors`, ours: find(n, 'vnf-agent')?.writes, anchor: find(n, 'client-go')?.writes, anchorIs: STAND_IN, unit: 'req/min', over: over(find(n, 'vnf-agent')?.writes, `windows of ${windowSeconds} s`, ' (audit log)') },
  ]);
}

export function scalingRows(figures: readonly ScalingFigures[]): Row[] {
  const ours = figures.find((f) => f.scaler === 'vnf-agent')!;
  const hpa = figures.find((f) => f.scaler === 'hpa')!;
  // Both columns come from the one-second cluster model in bench/scaling-compare.ts, not from a cluster: the row says so.
  const row = (what: string, key: keyof Omit<ScalingFigures, 'scaler'>, unit: string): Row => ({
    benchmark: `scaling, model: ${what}`, ours: ours[key], anchor: hpa[key], anchorIs: HPA_MODEL, unit, over: over(ours[key], 'seeds of the model'),
  });
  return [
    row('scale-up reaction, step 300->900 calls/s', 'upReactionStepS', 's'),
    row('scale-up reaction, 3-min spike 300->1200', 'upReactionSpikeS', 's'),
    row('scale-down reaction, step 900->300', 'downReactionStepS', 's'),
    row('direction reversals, all 5 traces', 'reversals', 'count'),
    row('replica-hours, all 5 traces', 'replicaHours', 'pod-h'),
    row('failed calls, all 5 traces', 'failedPercent', '% offered'),
    row('failed calls, 3-min spike', 'failedSpikePercent', '% offered'),
  ];
}

export function footprintRows(idle: Footprint, leader: Footprint, peers: number): Row[] {
  const rows = (label: string, f: Footprint): Row[] => {
    const rss = summarize(f.rssMiB);
    const cpu = summarize(f.cpuMsPerS);
    return [
      { benchmark: `footprint: RSS, ${label}`, ours: rss, unit: 'MiB', over: over(rss, 'samples 1 s apart') },
      { benchmark: `footprint: CPU, ${label}`, ours: cpu, unit: 'ms CPU/s', over: over(cpu, `windows of ${f.rssMiB.length / Math.max(1, f.cpuMsPerS.length)} s`) },
    ];
  };
  return [...rows('idle (SIP probe only)', idle), ...rows(`leading ${peers} peers`, leader)];
}

export function httpRows(routes: readonly RouteLatency[], connections: number, seconds: number): Row[] {
  return routes.flatMap((r): Row[] => {
    const rps = `${Math.round(r.requestsPerS.median / 1000)}k req/s`;
    const how = ` × ${seconds} s, ${connections} conns, ${rps}${r.failures > 0 ? `, ${r.failures} FAILED` : ''}`;
    return [
      { benchmark: `http: GET ${r.route} p50 under load`, ours: r.p50Ms, unit: 'ms', over: over(r.p50Ms, 'runs', how) },
      { benchmark: `http: GET ${r.route} p99 under load`, ours: r.p99Ms, unit: 'ms', over: over(r.p99Ms, 'runs', how) },
    ];
  });
}

export function gatherRows(results: readonly GatherResult[]): Row[] {
  return results.map((g) => ({
    benchmark: `gather: leader's /load cycle, ${g.peers} peers`,
    ours: g.cycleMs,
    unit: 'ms',
    over: over(g.cycleMs, 'cycles', g.missing > 0 ? `, ${g.missing} samples MISSING` : ''),
  }));
}
