import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { CoordinationV1Api, CoreV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { readAudit } from '../support/controlplane.js';
import { sharedKubeconfig, stopOwnControlPlane } from '../support/shared-controlplane.js';
import { deleteNamespaceAndPods, freshNamespace, kubeConfigFrom } from '../support/kube.js';
import { eventually } from '../support/process.js';
import { removeScratchDir } from '../support/scratch.js';
import { createVnfCluster, sidecarIdentity } from '../support/sidecars.js';
import { TERM_PROCESS_ANNOTATION } from '../../agent/kube/lease-lock.js';

const LEASE_MS = 8_000;
const RENEW_DEADLINE_MS = 6_000;
const RETRY_MS = 2_000;
const AGENT_PORT = 8686;
const PODS = ['sprout-a', 'sprout-b', 'sprout-c'];
/** "Well under the lease duration": the kubelet's report and one Lease write, with room for a loaded machine. */
const PROOF_FAILOVER_LIMIT_MS = 4_000;

/**
 * Takeover on proof of death, on the real API server with the simulated
 * kubelet running three sidecar pods (each with its own ServiceAccount, so
 * the audit log tells their writes apart). kill -9 of the leader's sidecar:
 * the kubelet reports the container terminated (and restarts it), and a
 * standby takes over well before the lease would expire. SIGSTOP of the
 * leader's sidecar: its container still runs, so the standbys wait out the
 * lease, and the frozen process makes no leader write once it resumes.
 */
describe('failover on the kubelet\'s proof that the leader\'s sidecar died', { timeout: 300_000 }, () => {
  let kubeconfig: string;
  let kc: KubeConfig;
  let ns: string;
  let dir: string;
  const stopped: number[] = [];
  const figures: { killMs: number[]; sigstopMs?: number } = { killMs: [] };
  const violations: string[] = [];
  let monitoring = true;
  let monitor: Promise<void> = Promise.resolve();

  const lease = async (): Promise<V1Lease> => kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: 'sprout-leader', namespace: ns });
  const podIp = async (name: string): Promise<string> => (await kc.makeApiClient(CoreV1Api).readNamespacedPod({ name, namespace: ns })).status?.podIP ?? '';
  const statusOf = async (ip: string): Promise<{ pod: string; isLeader: boolean; lastRenewAgeMs?: number } | undefined> => {
    try {
      const res = await fetch(`http://${ip}:${AGENT_PORT}/status`, { signal: AbortSignal.timeout(500) });
      return res.ok ? ((await res.json()) as { pod: string; isLeader: boolean; lastRenewAgeMs?: number }) : undefined;
    } catch {
      return undefined;
    }
  };
  /** A lease with a holder that has recorded its process: the proof path is armed for this term. */
  const armedLease = (): Promise<V1Lease> =>
    eventually(async () => {
      const l = await lease().catch(() => undefined);
      return l?.spec?.holderIdentity && l.metadata?.annotations?.[TERM_PROCESS_ANNOTATION] ? l : undefined;
    }, 60_000, 'a leader that recorded its process in the Lease');
  /** Successful leader writes (Lease, VnfCluster status, scale) by `pod`'s ServiceAccount received at or after `since`. */
  const leaderWritesBy = (pod: string, since: Date): string[] =>
    readAudit(kubeconfig)
      .filter((e) => e.user.username === `system:serviceaccount:${ns}:${pod}` && new Date(e.requestReceivedTimestamp) >= since && (e.responseStatus?.code ?? 0) < 300)
      .filter((e) => ['create', 'update', 'patch'].includes(e.verb) && (e.objectRef?.resource === 'leases' || e.objectRef?.subresource === 'status' || e.objectRef?.subresource === 'scale'))
      .map((e) => `${e.verb} ${e.objectRef?.resource}/${e.objectRef?.subresource ?? ''} ${e.requestReceivedTimestamp}`);

  before(async () => {
    kubeconfig = await sharedKubeconfig();
    kc = kubeConfigFrom(kubeconfig);
    ns = await freshNamespace(kc, 'proof');
    dir = mkdtempSync(join(tmpdir(), 'vnf-proof-'));
    await createVnfCluster(kc, ns, 'sprout', { paused: true, minReplicas: 1, maxReplicas: 3 });
    for (const name of PODS) {
      const identity = await sidecarIdentity(kc, ns, name, dir);
      await kc.makeApiClient(CoreV1Api).createNamespacedPod({ namespace: ns, body: sidecarPod(name, identity) });
    }
    await eventually(async () => {
      const ips = await Promise.all(PODS.map(podIp));
      const up = await Promise.all(ips.map((ip) => (ip ? statusOf(ip) : Promise.resolve(undefined))));
      return up.every((s) => s !== undefined) ? true : undefined;
    }, 90_000, 'three sidecars serving /status');
    // Never two sidecars that believe they lead within their renew deadline, sampled every 100 ms.
    monitor = (async () => {
      const ips = await Promise.all(PODS.map(podIp));
      while (monitoring) {
        const fresh = (await Promise.all(ips.map(statusOf))).filter((s) => s?.isLeader && (s.lastRenewAgeMs ?? Infinity) < RENEW_DEADLINE_MS);
        if (fresh.length > 1) violations.push(`${new Date().toISOString()} ${fresh.map((s) => s?.pod).join()}`);
        await delay(100);
      }
    })();
  });

  after(async () => {
    monitoring = false;
    await monitor;
    for (const pid of stopped) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // already gone
      }
    }
    writeFileSync(join(dir, 'figures.json'), JSON.stringify(figures));
    process.stdout.write(`# proof failover figures (ms, sim kubelet): ${JSON.stringify(figures)}\n`);
    if (kc) await deleteNamespaceAndPods(kc, ns);
    await stopOwnControlPlane();
    removeScratchDir(dir);
  });

  test('kill -9 of the leader\'s sidecar: a new term well before the lease would expire, and no write by the old one after it', async () => {
    for (let round = 0; round < 3; round++) {
      const armed = await armedLease();
      const old = armed.spec?.holderIdentity ?? '';
      const term = armed.spec?.leaseTransitions ?? 0;
      const pid = agentPid(ns, old);
      const killedAt = performance.now();
      process.kill(pid, 'SIGKILL');
      const next = await eventually(async () => {
        const l = await lease().catch(() => undefined);
        return (l?.spec?.leaseTransitions ?? 0) > term && l?.spec?.holderIdentity ? l : undefined;
      }, LEASE_MS + 10_000, 'a new term');
      const ms = performance.now() - killedAt;
      figures.killMs.push(Math.round(ms));
      assert.ok(ms < PROOF_FAILOVER_LIMIT_MS, `round ${round}: failover took ${Math.round(ms)} ms after kill -9 of ${old} (lease ${LEASE_MS} ms)`);
      // The killed process is gone; its restarted container may lead only if it took the new term itself.
      const holder = next.spec?.holderIdentity ?? '';
      const since = new Date(next.spec?.acquireTime ?? Date.now());
      await delay(RETRY_MS * 2);
      if (holder !== old) assert.deepEqual(leaderWritesBy(old, since), [], `writes by ${old} after ${holder} took term ${next.spec?.leaseTransitions}`);
      // The kubelet restarted the killed container: its sidecar serves again before the next round.
      await eventually(async () => ((await statusOf(await podIp(old))) ? true : undefined), 30_000, `${old} restarted`);
    }
    assert.deepEqual(violations, []);
  });

  test('SIGSTOP of the leader\'s sidecar is no proof: the standbys wait for the lease, and the frozen leader writes nothing after it resumes', async () => {
    const armed = await armedLease();
    const old = armed.spec?.holderIdentity ?? '';
    const term = armed.spec?.leaseTransitions ?? 0;
    const pid = agentPid(ns, old);
    const frozenAt = performance.now();
    process.kill(pid, 'SIGSTOP');
    stopped.push(pid);
    let next: V1Lease;
    try {
      next = await eventually(async () => {
        const l = await lease().catch(() => undefined);
        return (l?.spec?.leaseTransitions ?? 0) > term ? l : undefined;
      }, LEASE_MS + 10_000, 'a new term after the lease expired');
      await delay(1_000);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const ms = performance.now() - frozenAt;
    figures.sigstopMs = Math.round(ms);
    // The last renewal came at most one retry period before the freeze; a standby waits a full lease from when it saw it.
    assert.ok(ms >= LEASE_MS - RETRY_MS, `a standby took over ${Math.round(ms)} ms after SIGSTOP, before the lease (${LEASE_MS} ms) could have expired`);
    const since = new Date(next.spec?.acquireTime ?? Date.now());
    await delay(RENEW_DEADLINE_MS);
    assert.deepEqual(leaderWritesBy(old, since), [], `writes by the frozen ${old} after ${next.spec?.holderIdentity} took the lease`);
    assert.deepEqual(violations, []);
  });
});

/** A bare pod with one vnf-agent container, its own ServiceAccount kubeconfig, and nothing to scale (the VnfCluster is paused). */
function sidecarPod(name: string, kubeconfig: string) {
  const downward = (env: string, fieldPath: string) => ({ name: env, valueFrom: { fieldRef: { fieldPath } } });
  return {
    metadata: { name, labels: { app: 'sprout' } },
    spec: {
      terminationGracePeriodSeconds: 2,
      containers: [{
        name: 'vnf-agent', image: 'vnf-agent', args: ['run'],
        env: [
          downward('VNF_AGENT_POD_NAME', 'metadata.name'), downward('VNF_AGENT_POD_NAMESPACE', 'metadata.namespace'), downward('VNF_AGENT_POD_IP', 'status.podIP'),
          { name: 'VNF_AGENT_CLUSTER', value: 'sprout' }, { name: 'VNF_AGENT_HTTP_HOST', value: '$(VNF_AGENT_POD_IP)' },
          { name: 'VNF_AGENT_KUBECONFIG', value: kubeconfig }, { name: 'VNF_AGENT_SIGNAL_SOURCES', value: 'sip-options' },
          { name: 'VNF_AGENT_SIGNAL_OPTIONS_TRANSPORTS', value: 'udp' }, { name: 'VNF_AGENT_LOG_LEVEL', value: 'info' },
        ],
      }],
    },
  };
}

/** The pid of the sidecar process the simulated kubelet runs for `pod` (found by its downward-API environment). */
function agentPid(namespace: string, pod: string): number {
  const wanted = [`VNF_AGENT_POD_NAME=${pod}`, `VNF_AGENT_POD_NAMESPACE=${namespace}`];
  const pids = readdirSync('/proc').filter((e) => /^\d+$/.test(e)).filter((e) => {
    try {
      const env = readFileSync(`/proc/${e}/environ`, 'utf8').split('\0');
      return wanted.every((w) => env.includes(w));
    } catch {
      return false;
    }
  });
  assert.equal(pids.length, 1, `one sidecar process of ${pod}, found ${pids.join() || 'none'}`);
  return Number(pids[0]);
}
