import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { CoordinationV1Api, AppsV1Api, CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { setTimeout as delay } from 'node:timers/promises';
import { sharedKubeconfig, stopOwnControlPlane } from '../support/shared-controlplane.js';
import { deleteNamespaceAndPods, freshNamespace, kubeConfigFrom } from '../support/kube.js';
import { eventually } from '../support/process.js';
import { removeScratchDir } from '../support/scratch.js';
import { AGENT_PORT, deploySipCluster, isReady, livePods } from '../e2e/sip-cluster.js';
import { DRAINING_ANNOTATION } from '../../agent/membership/state.js';
import { VNF_GROUP, VNF_PLURAL } from '../../agent/model/vnfcluster.js';
import { kubectlBin } from '../support/controlplane.js';

/**
 * The leader is the scale-in victim, on the real API server (controller
 * manager included) with three Sprout pods run by the simulated kubelet: the
 * leader's Kamailio is stopped (SIGSTOP), so the leader is the only member not
 * ready and chooses itself. It must hand the Lease over before anyone drains
 * it, and the new leader must finish the scale-in on exactly that pod.
 */
describe('a leader that is the scale-in victim hands the Lease over', { timeout: 240_000 }, () => {
  let kc: KubeConfig;
  let ns: string;
  let dir: string;
  let stopped: number[] = [];
  let kubeconfig: string;

  before(async () => {
    kubeconfig = await sharedKubeconfig();
    kc = kubeConfigFrom(kubeconfig);
    ns = await freshNamespace(kc, 'handover');
    dir = mkdtempSync(join(tmpdir(), 'vnf-handover-'));
    await deploySipCluster({
      kc, namespace: ns, dir, sprouts: 3,
      sproutSpec: { minReplicas: 2, maxReplicas: 3, drainTimeoutSeconds: 5, behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } },
    });
    await eventually(async () => {
      const sprouts = await livePods(kc, ns, 'sprout');
      return sprouts.length === 3 && sprouts.every(isReady) ? true : undefined;
    }, 90_000, 'three Sprouts ready');
  });

  after(async () => {
    for (const pid of stopped) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // gone with its pod
      }
    }
    await deleteNamespaceAndPods(kc, ns);
    await stopOwnControlPlane();
    removeScratchDir(dir);
  });

  const holder = async (): Promise<string> =>
    (await kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: 'sprout-leader', namespace: ns })).spec?.holderIdentity ?? '';
  const drainOf = async (p: V1Pod): Promise<{ draining: boolean } | undefined> => {
    try {
      const res = await fetch(`http://${p.status?.podIP}:${AGENT_PORT}/drain`, { signal: AbortSignal.timeout(500) });
      return res.ok ? ((await res.json()) as { draining: boolean }) : undefined;
    } catch {
      return undefined;
    }
  };

  test('the Lease moves to another member before the victim drains, and the new leader removes exactly the old leader', async () => {
    const leader = await eventually(async () => (await holder()) || undefined, 30_000, 'a leader');
    const before = (await livePods(kc, ns, 'sprout')).map((p) => p.metadata?.name ?? '').sort();
    assert.ok(before.includes(leader));
    const leaderPod = (await livePods(kc, ns, 'sprout')).find((p) => p.metadata?.name === leader)!;
    // Kamailio's main process and its workers (which answer the OPTIONS probes).
    stopped = withDescendants(Number(readFileSync(join(dir, 'run', leader, 'pid'), 'utf8').trim()));
    for (const pid of stopped) process.kill(pid, 'SIGSTOP');
    await eventually(async () => ((await livePods(kc, ns, 'sprout')).find((p) => p.metadata?.name === leader && !isReady(p)) ? true : undefined), 30_000, 'the leader not ready');
    // The leader's pod watch must have seen it too, or it would still choose by a stale view.
    await delay(3_000);
    execFileSync(kubectlBin(), ['--kubeconfig', kubeconfig, '-n', ns, 'patch', `${VNF_PLURAL}.${VNF_GROUP}`, 'sprout', '--type=merge', '-p', JSON.stringify({ spec: { manualReplicas: 2 } })]);

    // Watch, every 50 ms, who holds the Lease and whether the old leader's sidecar was asked to drain.
    let movedTo: string | undefined;
    let movedAtMs: number | undefined;
    let drainAtMs: number | undefined;
    let markedAtMs: number | undefined;
    const t0 = performance.now();
    while (performance.now() - t0 < 90_000 && (movedAtMs === undefined || drainAtMs === undefined)) {
      const now = await holder();
      if (movedAtMs === undefined && now !== '' && now !== leader) {
        movedTo = now;
        movedAtMs = performance.now();
      }
      const pod = (await kc.makeApiClient(CoreV1Api).readNamespacedPod({ name: leader, namespace: ns }).catch(() => undefined));
      if (markedAtMs === undefined && pod?.metadata?.annotations?.[DRAINING_ANNOTATION] === 'true') markedAtMs = performance.now();
      if (drainAtMs === undefined && (await drainOf(leaderPod))?.draining) drainAtMs = performance.now();
      if (!pod || pod.metadata?.deletionTimestamp) break;
      await delay(50);
    }
    if (markedAtMs === undefined) {
      const said = await Promise.all((await livePods(kc, ns, 'sprout')).map(async (p) => `${p.metadata?.name}: ${await (await fetch(`http://${p.status?.podIP}:${AGENT_PORT}/scale`).catch(() => undefined))?.text().catch(() => '')}`));
      assert.fail(`${leader} was never marked leaving\n${said.join('\n').slice(0, 4000)}`);
    }
    assert.ok(movedTo !== undefined && movedAtMs !== undefined, `the Lease never left ${leader}`);
    assert.ok(before.includes(movedTo), `the new holder ${movedTo} is a Sprout`);
    assert.ok(drainAtMs !== undefined, `${leader} was never asked to drain`);
    assert.ok(movedAtMs <= drainAtMs, `${leader} drained ${Math.round(movedAtMs - drainAtMs)} ms before the Lease moved`);

    const replicas = async (): Promise<number> => (await kc.makeApiClient(AppsV1Api).readNamespacedDeploymentScale({ name: 'sprout', namespace: ns })).spec?.replicas ?? 0;
    await eventually(async () => ((await replicas()) === 2 ? true : undefined), 60_000, 'replicas 2');
    const remaining = await eventually(async () => {
      const pods = await livePods(kc, ns, 'sprout');
      return pods.length === 2 ? pods : undefined;
    }, 60_000, 'the victim deleted');
    const names = remaining.map((p) => p.metadata?.name ?? '').sort();
    assert.deepEqual(names, before.filter((n) => n !== leader), 'only the old leader was deleted');
    assert.equal(await replicas(), 2);
    assert.equal(await holder(), movedTo, 'the new leader kept the Lease');
  });
});

/** `pid` and every process below it, from /proc. */
function withDescendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) for (const [child, parent] of parents) if (parent === out[i]) out.push(child);
  return out;
}
