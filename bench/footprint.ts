/**
 * Sidecar footprint: RSS and CPU of real `vnf-agent run` processes, started
 * as the image starts them (the bundle with its node flags), from
 * /proc/<pid>/status and /proc/<pid>/stat, sampled over the same window:
 * - idle: no cluster, sampling a local SIP responder (OPTIONS over UDP every 2 s);
 * - leading 100 peers: the same plus leader of a VnfCluster whose selector
 *   matches 100 ready pods (a Deployment of 100 on the stand-in API server in
 *   sim/, whose simulated kubelet gives each pod its own 127.0.0.x IP), each
 *   pod's /load answered by a fake peer sidecar at that IP, so the leader runs
 *   its whole loop: membership, status, gathering 100 samples, deciding.
 * Beside them, over the same window, the anchor: client-go's own elector
 * (bench/go-elector), one Go process leading a Lease on the same API server.
 * Cold start: from spawning the bundle to its first answer on /readyz, and its CPU by then.
 * Both sidecars are left running for the HTTP latency benchmark.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { startSim, deploymentManifest, type SimClient } from '../test/support/sim-apiserver.js';
import { createVnfCluster, startSidecar, statusOf, type Sidecar } from '../test/support/sidecars.js';
import { freePort, SHIPPED, startAgent, type AgentLaunch } from '../test/support/process.js';
import { GoElector, goElectorBin } from './lib/go-elector.js';
import { SipResponder } from '../test/support/sip-responder.js';
import { cpuSeconds, sampleProcess, type Footprint } from './lib/proc.js';
import { killOnExit } from './lib/cleanup.js';
import { startFakePeers } from './fixtures/fake-peers.js';

export interface Sidecars {
  readonly idle: Sidecar;
  readonly leader: Sidecar;
  /** client-go's elector leading a Lease of its own on the same API server. */
  readonly go: GoElector;
  readonly peers: number;
  stop(): Promise<void>;
}

const sipEnv = (port: number): Record<string, string> => ({
  VNF_AGENT_POD_IP: '127.0.0.1', VNF_AGENT_SIP_PORT: String(port), VNF_AGENT_SIGNAL_SOURCES: 'sip-options',
  VNF_AGENT_SIGNAL_OPTIONS_TRANSPORTS: 'udp', VNF_AGENT_LOG_LEVEL: 'info',
});

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, intervalMs = 200): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await delay(intervalMs);
  }
  throw new Error(`${what} within ${timeoutMs} ms`);
}

/** Starts the idle sidecar and the leader of `peers` pods; resolves when both are ready and the leader sees every pod. */
export async function startFootprintSidecars(peers: number, launch: AgentLaunch = SHIPPED): Promise<Sidecars> {
  const sip = new SipResponder();
  await sip.start();
  const dir = mkdtempSync(join(tmpdir(), 'vnf-bench-'));
  let sim: SimClient | undefined;
  const started: Sidecar[] = [];
  let fakePeers: ChildProcess | undefined;
  let go: GoElector | undefined;
  const stop = async (): Promise<void> => {
    fakePeers?.kill('SIGKILL');
    go?.kill('SIGKILL');
    for (const s of started) s.process.child.kill('SIGKILL');
    await Promise.all(started.map((s) => s.process.exited(5_000).catch(() => undefined)));
    sip.stop();
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    sim = await startSim();
    const client = sim;
    await client.apps.createNamespacedDeployment({ namespace: 'default', body: deploymentManifest('sprout', peers) });
    await createVnfCluster(client.kc, 'default', 'sprout', { minReplicas: peers, maxReplicas: peers });
    const pods = await until(`${peers} pods not running`, 30_000, async () => {
      const list = await client.core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=sprout' });
      const running = list.items.filter((p) => p.status?.podIP).map((p) => ({ ip: p.status?.podIP ?? '', pod: p.metadata?.name ?? '' }));
      return running.length === peers ? running : undefined;
    });
    writeFileSync(join(dir, 'peers.json'), JSON.stringify(pods));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, sim.server.kubeconfig('bench-leader'));
    writeFileSync(join(dir, 'go.kubeconfig'), sim.server.kubeconfig('bench-go'));
    go = new GoElector({ bin: goElectorBin(), kubeconfig: join(dir, 'go.kubeconfig'), namespace: 'default', lease: 'go-anchor', identity: 'go-anchor' });
    const anchor = go;
    await until('go-elector does not lead', 20_000, async () => (anchor.leadingSince() !== undefined ? true : undefined)).catch((err: Error) => {
      throw new Error(`${err.message}\n${anchor.tail()}`);
    });
    const idle = await startSidecar('bench-idle', sipEnv(sip.port), launch);
    started.push(idle);
    killOnExit(idle.process.child);
    const leader = await startSidecar('bench-leader', { ...sipEnv(sip.port), VNF_AGENT_CLUSTER: 'sprout', VNF_AGENT_POD_NAMESPACE: 'default', VNF_AGENT_KUBECONFIG: kubeconfig }, launch);
    started.push(leader);
    killOnExit(leader.process.child);
    // Every pod's sidecar answers the leader's GET /load on the leader's own HTTP port, at the pod's IP.
    fakePeers = killOnExit(await startFakePeers(leader.port, join(dir, 'peers.json')));
    await until('idle sidecar not ready', 20_000, async () => ((await fetch(`http://127.0.0.1:${idle.port}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined));
    let last: { isLeader?: boolean; members?: unknown[]; lastPass?: string } | undefined;
    let scale: { samples?: unknown[]; missing?: unknown[] } | undefined;
    await until(`leader does not lead ${peers} members with a sample each`, 45_000, async () => {
      last = (await statusOf(leader));
      if (!last?.isLeader || last.members?.length !== peers) return undefined;
      scale = (await (await fetch(`http://127.0.0.1:${leader.port}/scale`)).json()) as typeof scale;
      return scale?.samples?.length === peers && scale.missing?.length === 0 ? true : undefined;
    }).catch((err: Error) => {
      const seen = `leading ${last?.isLeader}, ${last?.members?.length} members, ${scale?.samples?.length} samples, missing ${JSON.stringify(scale?.missing?.slice(0, 2))}, ${last?.lastPass}`;
      throw new Error(`${err.message}; last status: ${seen}\n${leader.process.stdout().slice(-3000)}${leader.process.stderr().slice(-2000)}`);
    });
    return { idle, leader, go: anchor, peers, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The three processes over the same `seconds` (after `settleSeconds`). */
export async function measureFootprint(s: Sidecars, seconds: number, settleSeconds = 5): Promise<{ idle: Footprint; leader: Footprint; go: Footprint }> {
  await delay(settleSeconds * 1000);
  const [idle, leader, go] = await Promise.all([s.idle, s.leader, s.go].map((p) => sampleProcess(('pid' in p ? p.pid : p.process.child.pid)!, seconds)));
  return { idle: idle!, leader: leader!, go: go! };
}

/** Cold starts: wall milliseconds from spawn to the first answer, and the CPU the process had used by then. */
export interface ColdStarts {
  readonly ms: number[];
  readonly cpuMs: number[];
}

/**
 * Milliseconds from spawning the shipped bundle to its first HTTP answer on
 * /readyz (any status: the SIP probe decides 200 or 503 later), `runs` times
 * one after the other; polled every 5 ms. Beside each, the CPU (user +
 * system, /proc/<pid>/stat) the process had used when it answered: on a
 * loaded machine the wall time is mostly waiting for a core, the CPU is not.
 */
export async function measureColdStart(runs: number, launch: AgentLaunch = SHIPPED): Promise<ColdStarts> {
  const times: ColdStarts = { ms: [], cpuMs: [] };
  for (let i = 0; i < runs; i++) {
    const port = await freePort();
    const began = performance.now();
    const child = startAgent(['run'], { VNF_AGENT_POD_NAME: `cold-${i}`, VNF_AGENT_HTTP_HOST: '127.0.0.1', VNF_AGENT_HTTP_PORT: String(port), VNF_AGENT_LOG_LEVEL: 'warn' }, launch);
    killOnExit(child.child);
    try {
      times.ms.push(await until('bundle did not answer /readyz', 10_000, async () => {
        const answered = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(500) }).then(() => true, () => false);
        return answered ? performance.now() - began : undefined;
      }, 5));
      times.cpuMs.push(cpuSeconds(child.child.pid!) * 1000);
    } finally {
      child.child.kill('SIGKILL');
      await child.exited(5_000).catch(() => undefined);
    }
  }
  return times;
}
