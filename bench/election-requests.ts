/**
 * Lease API requests per minute at steady state (a leader renewing, the rest
 * standing by) for 3, 10 and 30 members on one Lease against the real
 * kube-apiserver: vnf-agent's elector (watch-accelerated standbys), in-process
 * over KubeLeaseLock with an API client each, as each sidecar has, against
 * client-go's own elector, one bench/go-elector process per member. Writes are
 * counted from the API server's audit log; reads (GET, LIST, and WATCH when it
 * starts) by a counting proxy in front of it. Every configuration runs at the
 * same time in its own namespace, then the same consecutive windows are
 * counted for all.
 */
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { setTimeout as delay } from 'node:timers/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readAudit } from '../test/support/controlplane.js';
import { CountingProxy, type Counts } from './lib/counting-proxy.js';
import { benchElector, kubeConfigFor, type BenchElector } from './lib/electors.js';
import { GoElector, goElectorBin, writeGoKubeconfig } from './lib/go-elector.js';
import type { Implementation } from './election-processes.js';
import { summarize, type Summary } from './lib/stats.js';

export interface RequestRate {
  readonly electors: number;
  readonly mode: Implementation;
  /** Per minute, one value per window. */
  readonly reads: Summary;
  readonly writes: Summary;
  /** Raw counts of the whole measurement, by kind (proxy), and how long it was. */
  readonly totals: Counts;
  readonly seconds: number;
}

export interface RequestOptions {
  readonly sizes: readonly number[];
  readonly windows: number;
  readonly windowSeconds: number;
  readonly warmupSeconds: number;
}

interface Setup {
  readonly electors: number;
  readonly mode: Implementation;
  readonly ns: string;
  /** vnf-agent: in-process electors; client-go: go-elector processes. */
  readonly members: BenchElector[];
  readonly processes: GoElector[];
}

const MODES: readonly Implementation[] = ['vnf-agent', 'client-go'];

const reads = (c: Counts): number => c.get + c.list + c.watch;
const minus = (a: Counts, b: Counts): Counts => ({
  get: a.get - b.get, list: a.list - b.list, watch: a.watch - b.watch, create: a.create - b.create, update: a.update - b.update, other: a.other - b.other,
  watchEvents: a.watchEvents - b.watchEvents,
});

function auditedWrites(kubeconfigPath: string, ns: string, from: Date, to: Date): number {
  return readAudit(kubeconfigPath).filter((e) => {
    const at = new Date(e.stageTimestamp);
    return e.objectRef?.namespace === ns && e.objectRef.resource === 'leases' && at >= from && at < to && (e.verb === 'create' || e.verb === 'update' || e.verb === 'patch');
  }).length;
}

export async function measureRequestRates(
  admin: KubeConfig, cp: { server: string; caPath: string; adminToken: string; kubeconfigPath: string; dir: string }, o: RequestOptions, log: (line: string) => void,
): Promise<RequestRate[]> {
  const proxy = new CountingProxy(cp.server, readFileSync(cp.caPath, 'utf8'), cp.adminToken);
  const proxyUrl = await proxy.start();
  const viaProxy = kubeConfigFor(proxyUrl, cp.adminToken);
  const bin = goElectorBin();
  const goKubeconfig = writeGoKubeconfig(join(cp.dir, 'go-elector-proxy.kubeconfig'), proxyUrl, cp.adminToken);
  const core = admin.makeApiClient(CoreV1Api);
  const setups: Setup[] = [];
  try {
    for (const electors of o.sizes) {
      for (const mode of MODES) {
        const ns = `bench-requests-${mode}-${electors}-${process.pid}`;
        await core.createNamespace({ body: { metadata: { name: ns } } });
        setups.push({ electors, mode, ns, members: [], processes: [] });
      }
    }
    for (const s of setups) {
      for (let i = 0; i < s.electors; i++) {
        if (s.mode === 'vnf-agent') {
          const m = benchElector(viaProxy, s.ns, 'sprout-leader', `pod-${i}`);
          s.members.push(m);
          m.elector.start();
        } else {
          s.processes.push(new GoElector({ bin, kubeconfig: goKubeconfig, namespace: s.ns, lease: 'sprout-leader', identity: `pod-${i}` }));
        }
        await delay(20);
      }
    }
    await delay(o.warmupSeconds * 1000);
    for (const s of setups) {
      const leaders = s.members.filter((m) => m.elector.status().isLeader).length + s.processes.filter((p) => p.leadingSince() !== undefined).length;
      if (leaders !== 1) throw new Error(`${s.ns}: ${leaders} leaders after warm-up${s.processes.map((p) => `\n${p.tail()}`).join('')}`);
    }
    const perWindow = new Map<Setup, { reads: number[]; writes: number[] }>(setups.map((s) => [s, { reads: [], writes: [] }]));
    const first = new Map(setups.map((s) => [s, proxy.counts(s.ns)]));
    const firstAt = performance.now();
    let before = new Map(first);
    for (let w = 0; w < o.windows; w++) {
      const from = new Date();
      await delay(o.windowSeconds * 1000);
      const to = new Date();
      const now = new Map(setups.map((s) => [s, proxy.counts(s.ns)]));
      const perMinute = 60 / ((to.getTime() - from.getTime()) / 1000);
      for (const s of setups) {
        const d = minus(now.get(s)!, before.get(s)!);
        const acc = perWindow.get(s)!;
        acc.reads.push(reads(d) * perMinute);
        acc.writes.push(auditedWrites(cp.kubeconfigPath, s.ns, from, to) * perMinute);
      }
      before = now;
      log(`  window ${w + 1}/${o.windows} done`);
    }
    return setups.map((s) => {
      const acc = perWindow.get(s)!;
      const totals = minus(before.get(s)!, first.get(s)!);
      return { electors: s.electors, mode: s.mode, reads: summarize(acc.reads), writes: summarize(acc.writes), totals, seconds: Math.round((performance.now() - firstAt) / 1000) };
    });
  } finally {
    await Promise.all(setups.flatMap((s) => s.members.map((m) => m.elector.stop({ release: false }))));
    for (const p of setups.flatMap((s) => s.processes)) p.kill('SIGKILL');
    await Promise.all(setups.flatMap((s) => s.processes.map((p) => p.exited(5_000).catch(() => undefined))));
    await proxy.stop();
    for (const s of setups) await core.deleteNamespace({ name: s.ns }).catch(() => undefined);
  }
}
