/**
 * The same failover and handover with real sidecar processes
 * (`node dist/agent/main.js run`, three per VnfCluster, each with its own
 * ServiceAccount) against the real kube-apiserver, vnf-agent mode only: the
 * sidecar has no setting for client-go-style polling standbys, so the anchor
 * is measured in-process (election-failover.ts). The new leader is seen by
 * polling every sidecar's GET /status every 25 ms, so figures carry up to
 * ~25 ms of detection delay.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { CoreV1Api } from '@kubernetes/client-node';
import { setTimeout as delay } from 'node:timers/promises';
import { createVnfCluster, sidecarIdentity, startSidecar, statusOf, type Sidecar } from '../test/support/sidecars.js';
import { SipResponder } from '../test/support/sip-responder.js';
import { killOnExit } from './lib/cleanup.js';
import { prng } from './lib/electors.js';
import { summarize, type Summary } from './lib/stats.js';

export interface ProcessFailover {
  readonly kill9: Summary;
  readonly sigterm: Summary;
}

export async function measureProcessFailover(kc: KubeConfig, dir: string, repeats: number, log: (line: string) => void): Promise<ProcessFailover> {
  const ns = `bench-sidecars-${process.pid}`;
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  await createVnfCluster(kc, ns, 'sprout');
  const sip = new SipResponder();
  await sip.start();
  const kubeconfigs = new Map<string, string>();
  const sidecars: Sidecar[] = [];
  const start = async (name: string): Promise<Sidecar> => {
    const s = await startSidecar(name, {
      VNF_AGENT_CLUSTER: 'sprout', VNF_AGENT_POD_NAMESPACE: ns, VNF_AGENT_KUBECONFIG: kubeconfigs.get(name) ?? '',
      VNF_AGENT_POD_IP: '127.0.0.1', VNF_AGENT_SIP_PORT: String(sip.port), VNF_AGENT_SIGNAL_SOURCES: 'sip-options',
      VNF_AGENT_SIGNAL_OPTIONS_TRANSPORTS: 'udp', VNF_AGENT_LOG_LEVEL: 'warn',
    });
    killOnExit(s.process.child);
    return s;
  };
  /** The one sidecar (other than `exclude`) that says it leads, polled until `timeoutMs`; resolves with the time it was seen. */
  const nextLeader = async (exclude: string | undefined, timeoutMs: number): Promise<{ leader: Sidecar; at: number }> => {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      const live = sidecars.filter((s) => s.name !== exclude);
      const statuses = await Promise.all(live.map((s) => statusOf(s, 200)));
      const at = performance.now();
      const leaders = live.filter((_, i) => statuses[i]?.isLeader);
      if (leaders.length === 1) return { leader: leaders[0]!, at };
      await delay(25);
    }
    throw new Error(`no leader among the sidecars within ${timeoutMs} ms`);
  };
  const random = prng(34);
  const kill9: number[] = [];
  const sigterm: number[] = [];
  try {
    for (const name of ['sprout-a', 'sprout-b', 'sprout-c']) {
      kubeconfigs.set(name, await sidecarIdentity(kc, ns, name, dir));
      sidecars.push(await start(name));
    }
    await nextLeader(undefined, 20_000);
    for (let i = 0; i < repeats; i++) {
      for (const how of ['SIGKILL', 'SIGTERM'] as const) {
        // Standbys have watched the leader renew for 4-6 s (seeded), as in the in-process runs.
        await delay(4_000 + Math.round(random() * 2_000));
        const { leader: victim } = await nextLeader(undefined, 20_000);
        const stoppedAt = performance.now();
        victim.process.child.kill(how);
        const { at } = await nextLeader(victim.name, 30_000);
        (how === 'SIGKILL' ? kill9 : sigterm).push((at - stoppedAt) / 1000);
        await victim.process.exited(15_000).catch(() => undefined);
        // A restarted container: the same pod name, a fresh process.
        sidecars[sidecars.indexOf(victim)] = await start(victim.name);
      }
      log(`  real sidecars #${i + 1}: kill -9 ${kill9.at(-1)!.toFixed(2)} s, SIGTERM ${sigterm.at(-1)!.toFixed(2)} s`);
    }
    return { kill9: summarize(kill9), sigterm: summarize(sigterm) };
  } finally {
    for (const s of sidecars) s.process.child.kill('SIGKILL');
    await Promise.all(sidecars.map((s) => s.process.exited(5_000).catch(() => undefined)));
    sip.stop();
    await kc.makeApiClient(CoreV1Api).deleteNamespace({ name: ns }).catch(() => undefined);
  }
}
