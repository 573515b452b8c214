import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import { readAudit } from '../support/controlplane.js';
import { sharedKubeconfig, stopOwnControlPlane } from '../support/shared-controlplane.js';
import { deleteNamespaceAndPods, freshNamespace, kubeConfigFrom } from '../support/kube.js';
import { eventually } from '../support/process.js';
import { removeScratchDir } from '../support/scratch.js';
import { createVnfCluster } from '../support/sidecars.js';
import { SidecarPods } from '../support/sidecar-pods.js';

const LEASE_MS = 8_000;
const RENEW_DEADLINE_MS = 6_000;
const RETRY_MS = 2_000;
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
  let pods: SidecarPods;
  const stopped: number[] = [];
  const figures: { killMs: number[]; sigstopMs?: number } = { killMs: [] };
  const violations: string[] = [];
  let monitoring = true;
  let monitor: Promise<void> = Promise.resolve();

  /** Successful leader writes (Lease, VnfCluster status, scale) by `pod`'s ServiceAccount, as the audit log has them. */
  const leaderWrites = (pod: string) =>
    readAudit(kubeconfig)
      .filter((e) => e.user.username === `system:serviceaccount:${ns}:${pod}` && (e.responseStatus?.code ?? 0) < 300)
      .filter((e) => ['create', 'update', 'patch'].includes(e.verb) && (e.objectRef?.resource === 'leases' || e.objectRef?.subresource === 'status' || e.objectRef?.subresource === 'scale'));
  /** Those received at or after `since`. */
  const leaderWritesBy = (pod: string, since: Date): string[] =>
    leaderWrites(pod)
      .filter((e) => new Date(e.requestReceivedTimestamp) >= since)
      .map((e) => `${e.verb} ${e.objectRef?.resource}/${e.objectRef?.subresource ?? ''} ${e.requestReceivedTimestamp}`);

  before(async () => {
    kubeconfig = await sharedKubeconfig();
    kc = kubeConfigFrom(kubeconfig);
    ns = await freshNamespace(kc, 'proof');
    dir = mkdtempSync(join(tmpdir(), 'vnf-proof-'));
    await createVnfCluster(kc, ns, 'sprout', { paused: true, minReplicas: 1, maxReplicas: 3 });
    pods = new SidecarPods(kc, ns, 'sprout');
    await pods.create(PODS, dir);
    // Never two sidecars that believe they lead within their renew deadline, sampled every 100 ms.
    monitor = (async () => {
      const ips = await Promise.all(PODS.map((p) => pods.ip(p)));
      while (monitoring) {
        const fresh = (await Promise.all(PODS.map((p, i) => pods.status(p, ips[i])))).filter((s) => s?.isLeader && (s.lastRenewAgeMs ?? Infinity) < RENEW_DEADLINE_MS);
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
    process.stdout.write(`# proof failover figures (ms, sim kubelet): ${JSON.stringify(figures)}\n`);
    if (kc) await deleteNamespaceAndPods(kc, ns);
    await stopOwnControlPlane();
    removeScratchDir(dir);
  });

  test('kill -9 of the leader\'s sidecar: a new term well before the lease would expire, and no write by the old one after it', async () => {
    for (let round = 0; round < 3; round++) {
      const armed = await pods.armedLease();
      const old = armed.spec?.holderIdentity ?? '';
      const killedAt = performance.now();
      process.kill(pods.pid(old), 'SIGKILL');
      const next = await pods.nextTerm(armed.spec?.leaseTransitions ?? 0, LEASE_MS + 10_000);
      const ms = performance.now() - killedAt;
      figures.killMs.push(Math.round(ms));
      assert.ok(ms < PROOF_FAILOVER_LIMIT_MS, `round ${round}: failover took ${Math.round(ms)} ms after kill -9 of ${old} (lease ${LEASE_MS} ms)`);
      // The killed process is gone; its restarted container may lead only if it took the new term itself.
      const holder = next.spec?.holderIdentity ?? '';
      const since = new Date(next.spec?.acquireTime ?? Date.now());
      await delay(RETRY_MS * 2);
      if (holder !== old) assert.deepEqual(leaderWritesBy(old, since), [], `writes by ${old} after ${holder} took term ${next.spec?.leaseTransitions}`);
      // The kubelet restarted the killed container: its sidecar serves again before the next round.
      await eventually(async () => ((await pods.status(old)) ? true : undefined), 60_000, `${old} restarted`);
    }
    assert.deepEqual(violations, []);
  });

  test('SIGSTOP of the leader\'s sidecar is no proof: the standbys wait for the lease, and the frozen leader writes nothing after it resumes', async () => {
    const armed = await pods.armedLease();
    const old = armed.spec?.holderIdentity ?? '';
    const pid = pods.pid(old);
    const frozenAt = performance.now();
    process.kill(pid, 'SIGSTOP');
    stopped.push(pid);
    const next = await pods.nextTerm(armed.spec?.leaseTransitions ?? 0, LEASE_MS + 10_000).finally(() => process.kill(pid, 'SIGCONT'));
    figures.sigstopMs = Math.round(performance.now() - frozenAt);
    // A standby waits a full lease from when it saw the frozen leader's last renewal, which the API server received before.
    const since = new Date(next.spec?.acquireTime ?? Date.now());
    const lastLeaseWrite = Math.max(...leaderWrites(old).filter((e) => e.objectRef?.resource === 'leases').map((e) => new Date(e.requestReceivedTimestamp).getTime()));
    assert.ok(since.getTime() - lastLeaseWrite >= LEASE_MS,
      `${next.spec?.holderIdentity} took the lease ${since.getTime() - lastLeaseWrite} ms after ${old}'s last renewal, before the lease (${LEASE_MS} ms) expired`);
    await delay(RENEW_DEADLINE_MS);
    assert.deepEqual(leaderWritesBy(old, since), [], `writes by the frozen ${old} after ${next.spec?.holderIdentity} took the lease`);
    assert.deepEqual(violations, []);
  });
});
