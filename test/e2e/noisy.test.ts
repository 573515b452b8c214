import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { AppsV1Api, type KubeConfig } from '@kubernetes/client-node';
import { sharedKubeconfig, stopOwnControlPlane } from '../support/shared-controlplane.js';
import { deleteNamespaceAndPods, freshNamespace, kubeConfigFrom } from '../support/kube.js';
import { eventually } from '../support/process.js';
import { startSippUac, type Sipp } from '../support/sipp.js';
import { BONO_PORT, deploySipCluster, isReady, livePods } from './sip-cluster.js';
import { removeScratchDir } from '../support/scratch.js';
import { prng } from '../support/prng.js';

const RUN_MS = 5 * 60_000;
const SLICE_MS = 10_000;

/** Direction changes in a replica series: up then down, or down then up. */
export function reversals(series: readonly number[]): number {
  let last = 0;
  let count = 0;
  for (let i = 1; i < series.length; i++) {
    const d = Math.sign((series[i] ?? 0) - (series[i - 1] ?? 0));
    if (d === 0) continue;
    if (last !== 0 && d !== last) count++;
    last = d;
  }
  return count;
}

/**
 * Noisy SIP load around the target for five minutes: the leader must not
 * flap (no direction reversal), with the default behaviour the VnfCluster CRD
 * gives (scale-down stabilization 300 s, tolerance 0.1).
 */
describe('noisy load around the target', { timeout: RUN_MS + 180_000 }, () => {
  let kc: KubeConfig;
  let ns: string;
  let dir: string;
  const sipps: Sipp[] = [];
  const figures: Record<string, unknown> = {};

  before(async () => {
    kc = kubeConfigFrom(await sharedKubeconfig());
    ns = await freshNamespace(kc, 'noisy');
    dir = mkdtempSync(join(tmpdir(), 'vnf-e2e-noisy-'));
    await deploySipCluster({
      kc, namespace: ns, dir, sprouts: 2,
      sproutSpec: { minReplicas: 2, maxReplicas: 6, targetUtilization: 0.8 },
      agentEnv: { VNF_AGENT_SIGNAL_TARGETS: 'kamailio.activeDialogs=10', VNF_AGENT_SIGNAL_INTERVAL_MS: '1000', VNF_AGENT_SIGNAL_TIMEOUT_MS: '800', VNF_AGENT_SIGNAL_OPTIONS_TIMEOUT_MS: '600' },
    });
    await eventually(async () => {
      const sprouts = await livePods(kc, ns, 'sprout');
      return sprouts.length === 2 && sprouts.every(isReady) && (await livePods(kc, ns, 'bono')).some(isReady) ? true : undefined;
    }, 60_000, 'cluster ready');
  });

  after(async () => {
    for (const s of sipps) s.stop();
    await deleteNamespaceAndPods(kc, ns);
    await stopOwnControlPlane();
    removeScratchDir(dir);
    process.stdout.write(`# noisy figures: ${JSON.stringify(figures)}\n`);
  });

  test('no direction reversal over five minutes', async () => {
    const target = `${(await livePods(kc, ns, 'bono'))[0]?.status?.podIP}:${BONO_PORT}`;
    const apps = kc.makeApiClient(AppsV1Api);
    const series: number[] = [];
    const random = prng(20261127);
    const started = performance.now();
    let nextSlice = started;
    while (performance.now() - started < RUN_MS) {
      if (performance.now() >= nextSlice) {
        // 3..6 calls/s held 3.5 s: 10..21 dialogs over two Sprouts, i.e. utilization ~0.5..1.05 around 0.8.
        const rate = 3 + Math.floor(random() * 4);
        sipps.push(await startSippUac({ target, localHost: '127.0.0.1', rate, calls: Math.round((rate * SLICE_MS) / 1000), holdMs: 3500 }));
        nextSlice += SLICE_MS;
      }
      series.push((await apps.readNamespacedDeploymentScale({ name: 'sprout', namespace: ns })).spec?.replicas ?? 0);
      await delay(500);
    }
    figures.samples = series.length;
    figures.min = Math.min(...series);
    figures.max = Math.max(...series);
    figures.changes = series.filter((v, i) => i > 0 && v !== series[i - 1]).length;
    figures.reversals = reversals(series);
    assert.equal(figures.reversals, 0, `replicas flapped: ${series.join(',')}`);
  });
});
