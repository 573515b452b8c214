/**
 * Failover after kill -9 and handover after SIGTERM, real processes on the
 * real kube-apiserver, three members per Lease, same 8/6/2 s lease settings:
 * - vnf-agent: sidecars of one VnfCluster started as the image starts them
 *   (the bundle with its node flags, `dist/vnf-agent.mjs run`), each
 *   with its own ServiceAccount; the new leader is seen by polling every
 *   sidecar's GET /status every 25 ms, so its figures carry up to ~25 ms of
 *   detection delay;
 * - client-go: bench/go-elector processes (client-go's own leaderelection on a
 *   LeaseLock, ReleaseOnCancel: true); the new leader's startedLeading time is
 *   the one the process printed.
 * Both groups run at the same time, each on its own Lease, with the same
 * seeded schedule: before each kill the standbys have watched the leader renew
 * for 4-6 s, so the kill lands at a spread of points in the 2 s renew cycle.
 * The killed member is restarted (same name, a fresh process, as a restarted
 * container) before the next round. Afterwards one standby of each group is
 * sampled for RSS and CPU: one idle member.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { CoreV1Api } from '@kubernetes/client-node';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createVnfCluster, sidecarIdentity, startSidecar, statusOf, type Sidecar } from '../test/support/sidecars.js';
import { SHIPPED } from '../test/support/process.js';
import { SipResponder } from '../test/support/sip-responder.js';
import { prng } from '../test/support/prng.js';
import { killOnExit } from './lib/cleanup.js';
import { GoElector, goElectorBin, writeGoKubeconfig } from './lib/go-elector.js';
import { sampleProcess, type Footprint } from './lib/proc.js';
import type { RunningProcess } from '../test/support/process.js';
import { summarize, type Summary } from './lib/stats.js';

export type Implementation = 'vnf-agent' | 'client-go';

export interface GroupFailover {
  readonly implementation: Implementation;
  /** Seconds from the signal to the new leader's start of term. */
  readonly kill9: Summary;
  readonly sigterm: Summary;
  /** Per round and signal: what the members logged meanwhile that explains an outlier (stop outcome, warnings, errors). */
  readonly notes: readonly { readonly round: number; readonly signal: 'SIGKILL' | 'SIGTERM'; readonly seconds: number; readonly lines: readonly string[] }[];
  /** One idle member (a standby) sampled after the runs. */
  readonly idle: Footprint;
  readonly idlePid: number;
}

export interface ProcessFailover {
  readonly members: number;
  readonly seed: number;
  readonly groups: readonly GroupFailover[];
}

export interface ProcessFailoverOptions {
  readonly repeats: number;
  readonly footprintSeconds: number;
  readonly seed: number;
}

const MEMBERS = ['a', 'b', 'c'] as const;

/** Three members of one implementation on one Lease: start, find the leader, kill, restart. */
interface Group {
  readonly implementation: Implementation;
  /** Starts (or restarts) member `name`. */
  start(name: string): Promise<void>;
  /** The member that leads, other than `exclude`, having begun its term at or after `since` (epoch ms); resolves with the time that term began. */
  nextLeader(exclude: string | undefined, since: number, timeoutMs: number): Promise<{ name: string; at: number }>;
  kill(name: string, signal: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** A member that does not lead, for the footprint. */
  pidOfStandby(): Promise<number>;
  /** Where every live member's output is now; `notesSince` returns what they logged after it that matters. */
  mark(): Map<RunningProcess, number>;
  notesSince(mark: Map<RunningProcess, number>): string[];
  stop(): Promise<void>;
}

async function vnfAgentGroup(kc: KubeConfig, dir: string, pid: number): Promise<Group> {
  const ns = `bench-sidecars-${pid}`;
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  await createVnfCluster(kc, ns, 'sprout');
  const sip = new SipResponder();
  await sip.start();
  const kubeconfigs = new Map<string, string>();
  const sidecars = new Map<string, Sidecar>();
  const nameOf = (m: string): string => `sprout-${m}`;
  const polled = async (exclude: string | undefined): Promise<{ leaders: string[]; at: number }> => {
    const live = [...sidecars.values()].filter((s) => s.name !== exclude);
    const statuses = await Promise.all(live.map((s) => statusOf(s, 200)));
    return { leaders: live.filter((_, i) => statuses[i]?.isLeader).map((s) => s.name), at: Date.now() };
  };
  return {
    implementation: 'vnf-agent',
    async start(m) {
      const name = nameOf(m);
      if (!kubeconfigs.has(name)) kubeconfigs.set(name, await sidecarIdentity(kc, ns, name, dir));
      const s = await startSidecar(name, {
        VNF_AGENT_CLUSTER: 'sprout', VNF_AGENT_POD_NAMESPACE: ns, VNF_AGENT_KUBECONFIG: kubeconfigs.get(name)!,
        VNF_AGENT_POD_IP: '127.0.0.1', VNF_AGENT_SIP_PORT: String(sip.port), VNF_AGENT_SIGNAL_SOURCES: 'sip-options',
        // info: the stopping leader logs its stop outcome (released or not, and why).
        VNF_AGENT_SIGNAL_OPTIONS_TRANSPORTS: 'udp', VNF_AGENT_LOG_LEVEL: 'info',
      }, SHIPPED);
      killOnExit(s.process.child);
      sidecars.set(name, s);
    },
    async nextLeader(exclude, since, timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      while (performance.now() < deadline) {
        const { leaders, at } = await polled(exclude === undefined ? undefined : nameOf(exclude));
        if (leaders.length === 1 && at >= since) return { name: leaders[0]!.replace(/^sprout-/, ''), at };
        await delay(25);
      }
      throw new Error(`vnf-agent: no leader among the sidecars within ${timeoutMs} ms`);
    },
    async kill(m, signal) {
      const s = sidecars.get(nameOf(m))!;
      s.process.child.kill(signal);
      await s.process.exited(15_000).catch(() => undefined);
    },
    async pidOfStandby() {
      const { leaders } = await polled(undefined);
      const standby = [...sidecars.values()].find((s) => !leaders.includes(s.name));
      return standby!.process.child.pid!;
    },
    mark: () => new Map([...sidecars.values()].map((s) => [s.process, s.process.stdout().length])),
    notesSince(mark) {
      const lines: string[] = [];
      for (const [p, from] of mark) {
        for (const line of p.stdout().slice(from).split('\n')) {
          if (!line.startsWith('{')) continue;
          const e = JSON.parse(line) as { level: number; pod?: string; msg: string; outcome?: string; err?: { message?: string } };
          if (e.outcome !== undefined) lines.push(`${e.pod}: ${e.outcome}`);
          else if (e.level >= 40) lines.push(`${e.pod}: ${e.msg}${e.err?.message ? `: ${e.err.message}` : ''}`);
        }
      }
      return lines;
    },
    async stop() {
      for (const s of sidecars.values()) s.process.child.kill('SIGKILL');
      await Promise.all([...sidecars.values()].map((s) => s.process.exited(5_000).catch(() => undefined)));
      sip.stop();
      await kc.makeApiClient(CoreV1Api).deleteNamespace({ name: ns }).catch(() => undefined);
    },
  };
}

async function clientGoGroup(kc: KubeConfig, cp: { server: string; caPath: string; adminToken: string; dir: string }, pid: number): Promise<Group> {
  const ns = `bench-go-elector-${pid}`;
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  const bin = goElectorBin();
  const kubeconfig = writeGoKubeconfig(join(cp.dir, 'go-elector.kubeconfig'), cp.server, cp.adminToken, cp.caPath);
  const members = new Map<string, GoElector>();
  return {
    implementation: 'client-go',
    async start(m) {
      members.set(m, new GoElector({ bin, kubeconfig, namespace: ns, lease: 'sprout-leader', identity: `sprout-${m}` }));
    },
    async nextLeader(exclude, since, timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      while (performance.now() < deadline) {
        for (const [m, e] of members) {
          const at = e.leadingSince();
          if (m !== exclude && at !== undefined && at >= since) return { name: m, at };
        }
        await delay(5);
      }
      throw new Error(`client-go: no leader among the go-electors within ${timeoutMs} ms\n${[...members.values()].map((e) => e.tail()).join('\n')}`);
    },
    async kill(m, signal) {
      const e = members.get(m)!;
      e.kill(signal);
      await e.exited(15_000).catch(() => undefined);
    },
    async pidOfStandby() {
      return [...members.values()].find((e) => e.leadingSince() === undefined)!.pid;
    },
    mark: () => new Map([...members.values()].map((e) => [e.process, e.process.stderr().length])),
    notesSince(mark) {
      const lines: string[] = [];
      for (const [p, from] of mark) {
        // klog: errors and warnings start with E or W.
        for (const line of p.stderr().slice(from).split('\n')) if (/^[EW]\d{4} /.test(line)) lines.push(line);
      }
      return lines;
    },
    async stop() {
      for (const e of members.values()) e.kill('SIGKILL');
      await Promise.all([...members.values()].map((e) => e.exited(5_000).catch(() => undefined)));
      await kc.makeApiClient(CoreV1Api).deleteNamespace({ name: ns }).catch(() => undefined);
    },
  };
}

/** `repeats` rounds of kill -9 then SIGTERM on one group, kill phases from `seed`. */
async function rounds(g: Group, o: ProcessFailoverOptions, log: (line: string) => void): Promise<{ kill9: number[]; sigterm: number[]; notes: GroupFailover['notes'][number][] }> {
  const random = prng(o.seed);
  const kill9: number[] = [];
  const sigterm: number[] = [];
  const notes: GroupFailover['notes'][number][] = [];
  for (const m of MEMBERS) await g.start(m);
  await g.nextLeader(undefined, 0, 30_000);
  for (let i = 0; i < o.repeats; i++) {
    for (const how of ['SIGKILL', 'SIGTERM'] as const) {
      // Standbys have watched the leader renew for 4-6 s (seeded).
      await delay(4_000 + Math.round(random() * 2_000));
      const { name: victim } = await g.nextLeader(undefined, 0, 20_000);
      const mark = g.mark();
      const stoppedAt = Date.now();
      const killed = g.kill(victim, how);
      const { at } = await g.nextLeader(victim, stoppedAt, 30_000);
      const seconds = (at - stoppedAt) / 1000;
      (how === 'SIGKILL' ? kill9 : sigterm).push(seconds);
      await killed;
      notes.push({ round: i + 1, signal: how, seconds, lines: g.notesSince(mark) });
      // A restarted container: the same pod name, a fresh process.
      await g.start(victim);
    }
    const said = notes.slice(-2).flatMap((n) => n.lines.map((l) => `${n.signal === 'SIGKILL' ? 'kill -9' : 'SIGTERM'}: ${l}`));
    log(`  ${g.implementation} #${i + 1}: kill -9 ${kill9.at(-1)!.toFixed(2)} s, SIGTERM ${sigterm.at(-1)!.toFixed(2)} s${said.length ? ` (${said.join('; ')})` : ''}`);
  }
  return { kill9, sigterm, notes };
}

export async function measureProcessFailover(
  kc: KubeConfig, cp: { server: string; caPath: string; adminToken: string; dir: string }, o: ProcessFailoverOptions, log: (line: string) => void,
): Promise<ProcessFailover> {
  const groups: Group[] = [];
  try {
    groups.push(await vnfAgentGroup(kc, cp.dir, process.pid), await clientGoGroup(kc, cp, process.pid));
    // The same seed for both: the same schedule of kill phases.
    const runs = await Promise.all(groups.map((g) => rounds(g, o, log)));
    // Let the restarted member settle as a standby, then sample one standby of each group over the same window.
    await delay(5_000);
    const pids = await Promise.all(groups.map((g) => g.pidOfStandby()));
    log(`  sampling one idle member of each for ${o.footprintSeconds} s`);
    const idle = await Promise.all(pids.map((pid) => sampleProcess(pid, o.footprintSeconds)));
    return {
      members: MEMBERS.length,
      seed: o.seed,
      groups: groups.map((g, i) => ({
        implementation: g.implementation, kill9: summarize(runs[i]!.kill9), sigterm: summarize(runs[i]!.sigterm), notes: runs[i]!.notes, idle: idle[i]!, idlePid: pids[i]!,
      })),
    };
  } finally {
    await Promise.all(groups.map((g) => g.stop()));
  }
}
