import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { readAudit } from '../support/controlplane.js';
import { ChaosCluster, MAX_REPLICAS, MIN_REPLICAS, TIMING } from './harness.js';
import { Injector } from './inject.js';
import { isLeaderOnly, isLeaseWrite, isOwnLeavingMark, leaseHistory, overlappingBeliefs, replicasOutside, sidecarWrites, staleLeaderWrites, strayPodWrites, unconditionalWrites } from './invariants.js';
import type { ChaosMode } from './bed.js';
import { memberStatus, Observer } from './observe.js';
import { planFaults, type FaultKind } from './schedule.js';

export interface ChaosOptions {
  readonly seed: number;
  /** Length of the fault phase. */
  readonly runMs: number;
  readonly sidecars: number;
  /** Where the members run (bed.ts): as pods, kills are container deaths the kubelet reports and the proof of death can act. */
  readonly mode?: ChaosMode;
  /** Mean time between faults (schedule.ts, 800 ms). */
  readonly meanGapMs?: number;
  readonly progress?: (line: string) => void;
  /** Copy the API server's audit log here before the control plane is removed. */
  readonly keepAudit?: string;
}

export interface ChaosReport {
  readonly seed: number;
  readonly runMs: number;
  readonly sidecars: number;
  readonly faults: Record<FaultKind, number>;
  readonly totalFaults: number;
  /** Draws that found no sidecar free for them (all busy or dead). */
  readonly skippedDraws: number;
  readonly leaderChanges: number;
  /** Takeovers before the lease expired, each on a death of the holder's process (pods only: the kubelet's proof). */
  readonly provenTakeovers: number;
  readonly mode: ChaosMode;
  /** Leadership terms started (distinct leaseTransitions written), re-acquisitions by the same pod included. */
  readonly terms: number;
  readonly writes: Record<string, number>;
  readonly beliefSamples: number;
  /** Single /readyz 503s followed by a 200, with the failing check: not violations (see Observer#ready). */
  readonly readyBlips: string[];
  /** From healing every fault to one agreed leader named in the VnfCluster status too. */
  readonly convergenceMs: number | null;
  readonly violations: Record<string, string[]>;
}

const OPERATOR_EVERY_MS = 7_000;

const MODE_WORDS: Record<ChaosMode, string> = {
  processes: 'as processes',
  pods: 'as pods of the simulated kubelet (kills are container deaths it reports)',
  realnode: 'as pods on the real node (kills by containerd, reported by the real kubelet)',
};

/** After faults stop, a leader is agreed within a lease duration plus a few retry periods. */
export const CONVERGENCE_BOUND_MS = TIMING.leaseDurationMs + 8_000;

/** One agreed leader among the live sidecars, also named by the VnfCluster status; undefined if not yet. */
async function agreedLeader(cluster: ChaosCluster): Promise<string | undefined> {
  const live = cluster.live();
  const statuses = await Promise.all(live.map((m) => memberStatus(m)));
  const leader = statuses[0]?.leader;
  if (!leader || statuses.some((s) => s?.leader !== leader)) return undefined;
  if (statuses.filter((s) => s?.isLeader).map((s) => s?.pod).join() !== leader) return undefined;
  return (await cluster.statusLeader().catch(() => undefined)) === leader ? leader : undefined;
}

async function waitAgreed(cluster: ChaosCluster, timeoutMs: number): Promise<number | null> {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    if (await agreedLeader(cluster)) return Math.round(performance.now() - t0);
    await delay(100);
  }
  return null;
}

/**
 * One chaos run: start the cluster, wait for a leader, fire the seeded faults
 * for `runMs`, heal everything, check convergence, then judge every invariant
 * from the evidence (audit log, /status timeline, replica samples, exits,
 * /readyz answers). Always tears everything down.
 */
export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const say = opts.progress ?? (() => undefined);
  const cluster = new ChaosCluster(opts.mode ?? 'processes');
  const observer = new Observer(cluster);
  const injector = new Injector(cluster, observer);
  try {
    await cluster.start(opts.sidecars);
    observer.start();
    const first = await waitAgreed(cluster, TIMING.leaseDurationMs + 20_000);
    if (first === null) throw new Error('no leader agreed before the faults started');
    say(`leader agreed after ${first} ms; injecting faults for ${Math.round(opts.runMs / 1000)} s (seed ${opts.seed})`);
    const ticker = setInterval(() => say(`${injector.injected.length} faults so far ${JSON.stringify(injector.byKind())}`), 60_000);
    // The operator moves spec.manualReplicas between 2 and 3 every ~7 s: the leader has scale and status writes to make under fire.
    // (Members as pods: scaling is paused, see ChaosCluster; the leader still writes the Lease and the status.)
    let held = MIN_REPLICAS;
    const operator = setInterval(() => void (cluster.asPods ? undefined : cluster.holdReplicas((held = held === MIN_REPLICAS ? MIN_REPLICAS + 1 : MIN_REPLICAS)).catch(() => undefined)), OPERATOR_EVERY_MS);
    try {
      await injector.run(planFaults(opts.seed, opts.runMs, opts.sidecars, opts.meanGapMs));
    } finally {
      clearInterval(ticker);
      clearInterval(operator);
    }
    await injector.healAll();
    const convergenceMs = await waitAgreed(cluster, CONVERGENCE_BOUND_MS + 10_000);
    say(`faults healed; convergence ${convergenceMs ?? 'never'} ms`);
    await delay(2_000);
    await observer.stop();
    if (opts.keepAudit) copyFileSync(join(cluster.cp.kubeconfigPath, '..', 'audit.log'), opts.keepAudit);
    return judge(opts, cluster, observer, injector, convergenceMs);
  } finally {
    await observer.stop();
    await injector.healAll().catch(() => undefined);
    await cluster.close();
  }
}

function judge(opts: ChaosOptions, cluster: ChaosCluster, observer: Observer, injector: Injector, convergenceMs: number | null): ChaosReport {
  const writes = sidecarWrites(readAudit(cluster.cp.kubeconfigPath), cluster.ns);
  const history = leaseHistory(writes, TIMING.leaseDurationMs, cluster.deaths());
  const beliefOf = (pod: string, at: number) => observer.beliefBefore(pod, at);
  const alive = cluster.live().map((m) => m.name);
  const counts: Record<string, number> = {};
  for (const w of writes.filter((x) => x.ok)) counts[`${w.verb} ${w.what}`] = (counts[`${w.verb} ${w.what}`] ?? 0) + 1;
  counts['leader-only (total)'] = writes.filter(isLeaderOnly).length;
  counts['leader-only pod annotations'] = writes.filter((w) => isLeaderOnly(w) && w.what === 'pods').length;
  counts['own leaving marks'] = writes.filter(isOwnLeavingMark).length;
  counts.refused = writes.filter((w) => !w.ok).length;
  return {
    seed: opts.seed,
    runMs: opts.runMs,
    sidecars: opts.sidecars,
    faults: injector.byKind(),
    totalFaults: injector.injected.length,
    skippedDraws: injector.skipped,
    leaderChanges: history.changes.filter((c) => c.holder !== '').length,
    provenTakeovers: history.proven,
    mode: opts.mode ?? 'processes',
    terms: new Set(writes.filter(isLeaseWrite).map((w) => w.term)).size,
    writes: counts,
    beliefSamples: observer.timeline.length,
    readyBlips: observer.readyBlips.map((p) => `${new Date(p.at).toISOString()} ${p.pod} /readyz ${p.status} (${p.why})`),
    convergenceMs,
    violations: {
      leaseWrites: history.violations,
      staleLeaderWrites: staleLeaderWrites(writes, history.changes, beliefOf),
      unconditionalWrites: unconditionalWrites(writes),
      strayPodWrites: strayPodWrites(writes),
      overlappingBeliefs: overlappingBeliefs(observer.timeline, TIMING.renewDeadlineMs),
      replicasOutsideBounds: replicasOutside(observer.replicas, MIN_REPLICAS, MAX_REPLICAS),
      noReplicaSamples: observer.replicas.length === 0 ? ['the Deployment was never read'] : [],
      crashes: cluster.exits.filter((e) => !e.ours).map((e) => `${e.name} pid ${e.pid} exited code=${e.code} signal=${e.signal}: ${e.stderrTail}`),
      notRunningAtEnd: cluster.members.filter((m) => !alive.includes(m.name)).map((m) => `${m.name} is not running at the end`),
      readyz: observer.readyProblems.map((p) => `${new Date(p.at).toISOString()} ${p.pod} /readyz ${p.status} (${p.why})`),
      convergence: convergenceMs === null || convergenceMs > CONVERGENCE_BOUND_MS ? [`no agreed leader within ${CONVERGENCE_BOUND_MS} ms after healing (took ${convergenceMs ?? 'forever'})`] : [],
    },
  };
}

export function violationCount(report: ChaosReport): number {
  return Object.values(report.violations).reduce((n, v) => n + v.length, 0);
}

/** A short human summary: faults by kind, violations by invariant, leader changes, writes. */
export function summary(r: ChaosReport): string {
  const lines = [
    `chaos run: seed ${r.seed}, ${Math.round(r.runMs / 1000)} s of faults, ${r.sidecars} sidecars ${MODE_WORDS[r.mode]}`,
    `faults: ${r.totalFaults} ${JSON.stringify(r.faults)} (draws skipped, no free target: ${r.skippedDraws})`,
    `leader changes: ${r.leaderChanges} (${r.provenTakeovers} before the lease expired, on proof of death); terms: ${r.terms}; /status samples: ${r.beliefSamples}; convergence after healing: ${r.convergenceMs ?? 'never'} ms`,
    `single /readyz blips (one failed poll, then 200): ${r.readyBlips.length}${r.readyBlips.length > 0 ? ` e.g. ${r.readyBlips[0]}` : ''}`,
    `writes by sidecars: ${JSON.stringify(r.writes)}`,
    `violations: ${violationCount(r)} ${JSON.stringify(Object.fromEntries(Object.entries(r.violations).map(([k, v]) => [k, v.length])))}`,
  ];
  for (const [k, v] of Object.entries(r.violations)) for (const line of v.slice(0, 10)) lines.push(`  ${k}: ${line}`);
  return lines.join('\n');
}
