/**
 * Sidecar footprint: RSS and CPU of real `vnf-agent run` processes, from
 * /proc/<pid>/status and /proc/<pid>/stat, sampled over the same window:
 * - idle: no cluster, sampling a local SIP responder (OPTIONS over UDP every 2 s);
 * - leading 100 peers: the same plus leader of a VnfCluster whose selector
 *   matches 100 ready pods (a Deployment of 100 on the stand-in API server in
 *   sim/, whose simulated kubelet gives each pod its own 127.0.0.x IP), each
 *   pod's /load answered by a fake peer sidecar at that IP, so the leader runs
 *   its whole loop: membership, status, gathering 100 samples, deciding.
 * Both processes are left running for the HTTP latency benchmark.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { startSim, deploymentManifest, type SimClient } from '../test/support/sim-apiserver.js';
import { createVnfCluster, startSidecar, statusOf, type Sidecar } from '../test/support/sidecars.js';
import { SipResponder } from '../test/support/sip-responder.js';
import { sampleProcess, type Footprint } from './lib/proc.js';
import { killOnExit } from './lib/cleanup.js';
import { startFakePeers } from './fixtures/fake-peers.js';

export interface Sidecars {
  readonly idle: Sidecar;
  readonly leader: Sidecar;
  readonly peers: number;
  stop(): Promise<void>;
}

const sipEnv = (port: number): Record<string, string> => ({
  VNF_AGENT_POD_IP: '127.0.0.1', VNF_AGENT_SIP_PORT: String(port), VNF_AGENT_SIGNAL_SOURCES: 'sip-options',
  VNF_AGENT_SIGNAL_OPTIONS_TRANSPORTS: 'udp', VNF_AGENT_LOG_LEVEL: 'info',
});

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await delay(200);
  }
  throw new Error(`${what} within ${timeoutMs} ms`);
}

/** Starts the idle sidecar and the leader of `peers` pods; resolves when both are ready and the leader sees every pod. */
export async function startFootprintSidecars(peers: number): Promise<Sidecars> {
  const sip = new SipResponder();
  await sip.start();
  const dir = mkdtempSync(join(tmpdir(), 'vnf-bench-'));
  let sim: SimClient | undefined;
  const started: Sidecar[] = [];
  let fakePeers: ChildProcess | undefined;
  const stop = async (): Promise<void> => {
    fakePeers?.kill('SIGKILL');
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
    const idle = await startSidecar('bench-idle', sipEnv(sip.port));
    started.push(idle);
    killOnExit(idle.process.child);
    const leader = await startSidecar('bench-leader', { ...sipEnv(sip.port), VNF_AGENT_CLUSTER: 'sprout', VNF_AGENT_POD_NAMESPACE: 'default', VNF_AGENT_KUBECONFIG: kubeconfig });
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
    return { idle, leader, peers, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Both processes over the same `seconds` (after `settleSeconds`). */
export async function measureFootprint(s: Sidecars, seconds: number, settleSeconds = 5): Promise<{ idle: Footprint; leader: Footprint }> {
  await delay(settleSeconds * 1000);
  const [idle, leader] = await Promise.all([sampleProcess(s.idle.process.child.pid!, seconds), sampleProcess(s.leader.process.child.pid!, seconds)]);
  return { idle, leader };
}
