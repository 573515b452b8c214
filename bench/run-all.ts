/**
 * Every benchmark, one table:  npm run bench  (builds dist/ first)
 *   node --import tsx bench/run-all.ts [--quick] [--only election,scaling,footprint,http,gather] [--realnode] [--out FILE]
 * --realnode (or --only realnode-scaling) adds vnf-agent against the real HPA
 * on the real node (bench/realnode-scaling.ts): about 25 minutes more, and the
 * real node's lock (one per machine).
 * Prints progress to stderr, then the machine line and one markdown table to
 * stdout, and writes every figure with its raw values, the machine and the
 * commit to bench/results/latest.json (or --out).
 * Anchors: client-go's own leader elector as real Go processes
 * (bench/go-elector, same Lease settings, same API server) and the plain HPA
 * algorithm, a model (bench/scaling-compare.ts): rows from a model say so.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { startControlPlane } from '../test/support/controlplane.js';
import { installCrd, kubeConfigFrom } from '../test/support/kube.js';
import { measureRequestRates, type RequestRate } from './election-requests.js';
import { measureProcessFailover } from './election-processes.js';
import { goElectorBin } from './lib/go-elector.js';
import { measureScaling } from './scaling-anchor.js';
import { measureRealNodeScaling } from './realnode-scaling.js';
import { measureColdStart, measureFootprint, startFootprintSidecars } from './footprint.js';
import { SHIPPED } from '../test/support/process.js';
import { measureHttpLatency } from './http-latency.js';
import { measureGather } from './gather-cycle.js';
import { failoverRows, footprintRows, gatherRows, httpRows, requestRows, scalingRows } from './rows.js';
import { machine, machineLine, renderTable, type Row } from './lib/report.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    realnode: { type: 'boolean', default: false },
    only: { type: 'string', default: 'election,footprint,http,gather,scaling' },
    out: { type: 'string', default: 'bench/results/latest.json' },
    // Node flags for the footprint sidecars instead of the image's (scripts/sidecar-launch.ts), to compare: --node-flags="--a --b".
    'node-flags': { type: 'string' },
  },
});
const quick = values.quick;
const only = new Set(values.only.split(','));
if (values.realnode) only.add('realnode-scaling');
/** Full settings (npm run bench) and --quick ones for iterating; a full run takes about 10 minutes on 2 cores (the election part 7½). */
const settings = {
  /** Rounds of kill -9 then SIGTERM per implementation; the seed draws each kill's phase. */
  failover: { repeats: quick ? 1 : 10, seed: 34 },
  // Windows as long as a standby's watch (the API server ends it after 60 s, then it is re-opened).
  requests: { sizes: [3, 10, 30], windows: quick ? 2 : 3, windowSeconds: quick ? 6 : 60, warmupSeconds: quick ? 5 : 10 },
  footprintSeconds: quick ? 10 : 30,
  coldStarts: quick ? 3 : 20,
  footprintLaunch: { ...SHIPPED, nodeFlags: values['node-flags'] === undefined ? SHIPPED.nodeFlags : values['node-flags'].split(' ').filter(Boolean) },
  peers: 100,
  http: { connections: 10, seconds: quick ? 2 : 5, repeats: quick ? 1 : 3 },
  gather: { sizes: [10, 100, 300], cycles: quick ? 5 : 20 },
  scalingSeeds: quick ? 2 : 5,
};

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const began = performance.now();
const elapsed = (): string => `${((performance.now() - began) / 1000).toFixed(0)} s`;
const host = machine();
const rows: Row[] = [];
const details: Record<string, unknown> = {};

if (only.has('election')) {
  log(`[${elapsed()}] election: client-go's elector (bench/go-elector/build.sh, cached): ${goElectorBin()}`);
  log(`[${elapsed()}] election: starting the real control plane (etcd, kube-apiserver, kube-controller-manager)`);
  const cp = await startControlPlane();
  try {
    const admin = kubeConfigFrom(cp.kubeconfigPath);
    await installCrd(admin);
    log(`[${elapsed()}] election: failover and handover, 3 vnf-agent sidecars and 3 client-go electors, ${settings.failover.repeats} rounds each`);
    const processes = await measureProcessFailover(admin, cp, { ...settings.failover, footprintSeconds: settings.footprintSeconds }, log);
    rows.push(...failoverRows(processes, settings.footprintSeconds));
    log(`[${elapsed()}] election: requests at steady state, ${settings.requests.sizes.join('/')} members of each`);
    const rates: RequestRate[] = await measureRequestRates(admin, cp, settings.requests, log);
    rows.push(...requestRows(rates, settings.requests.windowSeconds));
    details.election = { processes, requests: rates };
  } finally {
    await cp.stop();
  }
}

if (only.has('footprint') || only.has('http')) {
  log(`[${elapsed()}] footprint: starting an idle sidecar and the leader of ${settings.peers} pods (stand-in API server)`);
  const sidecars = await startFootprintSidecars(settings.peers, settings.footprintLaunch);
  try {
    if (only.has('footprint')) {
      log(`[${elapsed()}] footprint: sampling both for ${settings.footprintSeconds} s`);
      const f = await measureFootprint(sidecars, settings.footprintSeconds);
      log(`[${elapsed()}] footprint: cold start of the bundle, ${settings.coldStarts} starts`);
      const coldStart = await measureColdStart(settings.coldStarts, settings.footprintLaunch);
      rows.push(...footprintRows(f, settings.peers, coldStart));
      details.footprint = { ...f, coldStartMs: coldStart.ms, coldStartCpuMs: coldStart.cpuMs };
    }
    if (only.has('http')) {
      log(`[${elapsed()}] http: autocannon against the idle sidecar`);
      const latency = await measureHttpLatency(sidecars.idle.port, settings.http, log);
      rows.push(...httpRows(latency, settings.http.connections, settings.http.seconds));
      details.http = latency;
    }
  } finally {
    await sidecars.stop();
  }
}

if (only.has('gather')) {
  log(`[${elapsed()}] gather: ${settings.gather.sizes.join('/')} fake peers`);
  const gather = await measureGather(settings.gather.sizes, settings.gather.cycles);
  rows.push(...gatherRows(gather));
  details.gather = gather;
}

if (only.has('scaling')) {
  log(`[${elapsed()}] scaling: ${settings.scalingSeeds} seeds of every trace, vnf-agent vs plain HPA`);
  const scaling = measureScaling(settings.scalingSeeds);
  rows.push(...scalingRows(scaling.figures));
  details.scaling = { figures: scaling.figures, runs: scaling.runs };
}

if (only.has('realnode-scaling')) {
  log(`[${elapsed()}] realnode-scaling: vnf-agent vs the real HPA on the real node, ${quick ? 'the step' : 'step, spike and noise'}`);
  const real = await measureRealNodeScaling({ traces: quick ? ['step'] : ['step', 'spike', 'noisy'], sipCpuMilli: 20, warmupS: 60 }, log);
  rows.push(...real.rows);
  details.realnodeScaling = real;
}

const durationS = Math.round((performance.now() - began) / 1000);
const table = renderTable(rows);
process.stdout.write(`\nvnf-agent benchmarks: ${machineLine(host)}; took ${durationS} s${quick ? ' (--quick: fewer runs, shorter windows)' : ''}\n\n${table}\n\n`);
process.stdout.write('Cells: median (spread). Anchors: election = client-go\'s own leader elector (bench/go-elector, a Go process per member, LeaseLock, ReleaseOnCancel), same API server, same 8/6/2 s lease; scaling = the plain HPA algorithm in a one-second cluster model (15 s sync, metrics-server CPU): rows marked "model" are not measured on a cluster; rows marked "real node" are vnf-agent and the HorizontalPodAutoscaler of kube-controller-manager on the real node, one run.\n');
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, `${JSON.stringify({ machine: host, durationS, quick, settings, rows, details }, null, 2)}\n`);
log(`wrote ${values.out}`);
process.exit(0);
