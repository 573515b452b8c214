/**
 * Lease API requests per minute at steady state (a leader renewing, the rest
 * standing by) for 3, 10 and 30 electors on one Lease, vnf-agent's elector
 * (watch) against the client-go-style configuration (poll), in-process over
 * KubeLeaseLock against the real kube-apiserver. Writes are counted from the
 * API server's audit log; reads (GET, LIST, and WATCH when it starts) by a
 * counting proxy in front of it. Every configuration runs at the same time in
 * its own namespace, then the same consecutive windows are counted for all.
 */
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { setTimeout as delay } from 'node:timers/promises';
import { readFileSync } from 'node:fs';
import { readAudit } from '../test/support/controlplane.js';
import { CountingProxy, type Counts } from './lib/counting-proxy.js';
import { benchElector, kubeConfigFor, MODES, type BenchElector, type ElectorMode } from './lib/electors.js';
import { summarize, type Summary } from './lib/stats.js';

export interface RequestRate {
  readonly electors: number;
  readonly mode: ElectorMode;
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
  readonly mode: ElectorMode;
  readonly ns: string;
  readonly members: BenchElector[];
}

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
  admin: KubeConfig, cp: { server: string; caPath: string; adminToken: string; kubeconfigPath: string }, o: RequestOptions, log: (line: string) => void,
): Promise<RequestRate[]> {
  const proxy = new CountingProxy(cp.server, readFileSync(cp.caPath, 'utf8'));
  const viaProxy = kubeConfigFor(await proxy.start(), cp.adminToken);
  const core = admin.makeApiClient(CoreV1Api);
  const setups: Setup[] = [];
  try {
    for (const electors of o.sizes) {
      for (const mode of MODES) {
        const ns = `bench-requests-${mode}-${electors}-${process.pid}`;
        await core.createNamespace({ body: { metadata: { name: ns } } });
        setups.push({ electors, mode, ns, members: Array.from({ length: electors }, (_, i) => benchElector(viaProxy, ns, 'sprout-leader', `pod-${i}`, mode)) });
      }
    }
    for (const s of setups) {
      for (const m of s.members) {
        m.elector.start();
        await delay(20);
      }
    }
    await delay(o.warmupSeconds * 1000);
    for (const s of setups) {
      const leaders = s.members.filter((m) => m.elector.status().isLeader).length;
      if (leaders !== 1) throw new Error(`${s.ns}: ${leaders} leaders after warm-up`);
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
    await proxy.stop();
    for (const s of setups) await core.deleteNamespace({ name: s.ns }).catch(() => undefined);
  }
}
