/** Turns each benchmark's results into lines of the one table. */
import type { RequestRate } from './election-requests.js';
import type { ProcessFailover } from './election-processes.js';
import type { ScalingFigures } from './scaling-anchor.js';
import type { Footprint } from './lib/proc.js';
import type { ColdStarts } from './footprint.js';
import type { RouteLatency } from './http-latency.js';
import type { GatherResult } from './gather-cycle.js';
import { summarize, type Summary } from './lib/stats.js';
import type { Row } from './lib/report.js';
import { clientGoVersion } from './lib/go-elector.js';

const spreadName = (s: Summary | undefined): string => (s?.spread === 'p10-p90' ? 'p10–p90' : 'min–max');
const over = (s: Summary | undefined, what: string, extra = ''): string => `${s?.n ?? 0} ${what}${extra}, ${spreadName(s)}`;

/** The election anchor: client-go's own elector, a real Go program (bench/go-elector). */
export const CLIENT_GO = `client-go ${clientGoVersion()} leaderelection`;
/** The scaling anchor, and vnf-agent's side of those rows: both are runs of a model, not of a cluster. */
export const HPA_MODEL = 'HPA algorithm, model';

export function failoverRows(p: ProcessFailover, footprintSeconds: number): Row[] {
  const ours = p.groups.find((g) => g.implementation === 'vnf-agent')!;
  const go = p.groups.find((g) => g.implementation === 'client-go')!;
  const runs = (s: Summary): string => over(s, 'runs each', ` (${p.members} processes per Lease, seeded kill phase)`);
  const rss = (g: typeof ours): Summary => summarize(g.idle.rssMiB);
  const cpu = (g: typeof ours): Summary => summarize(g.idle.cpuMsPerS);
  const windows = ours.idle.rssMiB.length / Math.max(1, ours.idle.cpuMsPerS.length);
  return [
    { benchmark: 'election: failover after kill -9 (lease left held)', ours: ours.kill9, anchor: go.kill9, anchorIs: CLIENT_GO, unit: 's', over: runs(ours.kill9) },
    { benchmark: 'election: handover after SIGTERM (lease released)', ours: ours.sigterm, anchor: go.sigterm, anchorIs: CLIENT_GO, unit: 's', over: runs(ours.sigterm) },
    { benchmark: `election: RSS, one idle member (standby of ${p.members})`, ours: rss(ours), anchor: rss(go), anchorIs: CLIENT_GO, unit: 'MiB', over: over(rss(ours), `samples 1 s apart over ${footprintSeconds} s`, ', sidecar vs Go process') },
    { benchmark: `election: CPU, one idle member (standby of ${p.members})`, ours: cpu(ours), anchor: cpu(go), anchorIs: CLIENT_GO, unit: 'ms CPU/s', over: over(cpu(ours), `windows of ${windows} s`, ', sidecar vs Go process') },
  ];
}

export function requestRows(rates: readonly RequestRate[], windowSeconds: number): Row[] {
  const sizes = [...new Set(rates.map((r) => r.electors))];
  const find = (n: number, mode: string) => rates.find((r) => r.electors === n && r.mode === mode);
  const how = (n: number, s: Summary | undefined, counted: string): string => over(s, `windows of ${windowSeconds} s`, ` (${counted}; ${n} electors in-process vs ${n} Go processes)`);
  return sizes.flatMap((n): Row[] => [
    { benchmark: `election: Lease reads/min at steady state, ${n} members`, ours: find(n, 'vnf-agent')?.reads, anchor: find(n, 'client-go')?.reads, anchorIs: CLIENT_GO, unit: 'req/min', over: how(n, find(n, 'vnf-agent')?.reads, 'counting proxy') },
    { benchmark: `election: Lease writes/min at steady state, ${n} members`, ours: find(n, 'vnf-agent')?.writes, anchor: find(n, 'client-go')?.writes, anchorIs: CLIENT_GO, unit: 'req/min', over: how(n, find(n, 'vnf-agent')?.writes, 'audit log') },
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

/** The footprint anchor: one go-elector process leading its own Lease on the same API server. */
export const CLIENT_GO_LEADING = `${CLIENT_GO}, leading`;

export function footprintRows(f: { idle: Footprint; leader: Footprint; go: Footprint }, peers: number, coldStart: ColdStarts): Row[] {
  const go = { rss: summarize(f.go.rssMiB), cpu: summarize(f.go.cpuMsPerS) };
  const rows = (label: string, p: Footprint): Row[] => {
    const rss = summarize(p.rssMiB);
    const cpu = summarize(p.cpuMsPerS);
    return [
      { benchmark: `footprint: RSS, ${label}`, ours: rss, anchor: go.rss, anchorIs: CLIENT_GO_LEADING, unit: 'MiB', over: over(rss, 'samples 1 s apart', ', bundle vs Go process') },
      { benchmark: `footprint: CPU, ${label}`, ours: cpu, anchor: go.cpu, anchorIs: CLIENT_GO_LEADING, unit: 'ms CPU/s', over: over(cpu, `windows of ${p.rssMiB.length / Math.max(1, p.cpuMsPerS.length)} s`, ', bundle vs Go process') },
    ];
  };
  const cold = summarize(coldStart.ms);
  const coldCpu = summarize(coldStart.cpuMs);
  return [
    ...rows('idle (SIP probe only)', f.idle),
    ...rows(`leading ${peers} peers`, f.leader),
    { benchmark: 'footprint: cold start to /readyz answering', ours: cold, unit: 'ms', over: over(cold, 'starts', ', spawn to first HTTP answer') },
    { benchmark: 'footprint: CPU of that cold start', ours: coldCpu, unit: 'ms CPU', over: over(coldCpu, 'starts', ', user + system until the first answer') },
  ];
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
