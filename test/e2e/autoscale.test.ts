import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { AppsV1Api, CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { sharedKubeconfig, stopOwnControlPlane } from '../support/shared-controlplane.js';
import { deleteNamespaceAndPods, freshNamespace, kubeConfigFrom } from '../support/kube.js';
import { eventually } from '../support/process.js';
import { startSippUac, type Sipp } from '../support/sipp.js';
import { AGENT_PORT, BONO_PORT, deploySipCluster, isReady, livePods } from './sip-cluster.js';
import { DRAINING_ANNOTATION } from '../../agent/membership/state.js';
import { removeScratchDir } from '../support/scratch.js';

/** Utilization 1.0 = this many concurrent dialogs on one Sprout. */
const DIALOGS_PER_SPROUT = 10;

interface Sample { utilization: number | null; overloaded: boolean }

/**
 * The leader scales its own Deployment from SIP load measured in each pod
 * (Kamailio's active dialogs), end to end on the real control plane, with
 * SIPp sending calls through Bono.
 */
describe('autoscaling from SIP load', { timeout: 300_000 }, () => {
  let kc: KubeConfig;
  let ns: string;
  let dir: string;
  const figures: Record<string, number | string> = {};
  const running: Sipp[] = [];

  before(async () => {
    kc = kubeConfigFrom(await sharedKubeconfig());
    ns = await freshNamespace(kc, 'scale');
    dir = mkdtempSync(join(tmpdir(), 'vnf-e2e-scale-'));
    await deploySipCluster({
      kc, namespace: ns, dir, sprouts: 2,
      sproutSpec: {
        minReplicas: 2, maxReplicas: 4, targetUtilization: 0.8, tolerance: 0.1,
        behavior: { scaleUp: { stabilizationWindowSeconds: 0 }, scaleDown: { stabilizationWindowSeconds: 15 } },
      },
      agentEnv: { VNF_AGENT_SIGNAL_TARGETS: `kamailio.activeDialogs=${DIALOGS_PER_SPROUT}`, VNF_AGENT_SIGNAL_INTERVAL_MS: '1000', VNF_AGENT_SIGNAL_TIMEOUT_MS: '800', VNF_AGENT_SIGNAL_OPTIONS_TIMEOUT_MS: '600', VNF_AGENT_SIGNAL_SMOOTHING: '1' },
    });
    await eventually(async () => {
      const sprouts = await livePods(kc, ns, 'sprout');
      const bono = await livePods(kc, ns, 'bono');
      return sprouts.length === 2 && sprouts.every(isReady) && bono.some(isReady) ? true : undefined;
    }, 60_000, 'cluster ready');
  });

  after(async () => {
    for (const s of running) s.stop();
    await deleteNamespaceAndPods(kc, ns);
    await stopOwnControlPlane();
    removeScratchDir(dir);
    process.stdout.write(`# autoscale figures: ${JSON.stringify(figures)}\n`);
  });

  const replicas = async (): Promise<number> => (await kc.makeApiClient(AppsV1Api).readNamespacedDeploymentScale({ name: 'sprout', namespace: ns })).spec?.replicas ?? 0;
  const loadOf = async (p: V1Pod): Promise<Sample | undefined> => {
    try {
      const res = await fetch(`http://${p.status?.podIP}:${AGENT_PORT}/load`, { signal: AbortSignal.timeout(500) });
      return res.ok ? ((await res.json()) as Sample) : undefined;
    } catch {
      return undefined;
    }
  };
  /** What every Sprout sidecar says, for a failure message. */
  const diagnose = async (): Promise<string> => {
    const lines: string[] = [];
    for (const p of await livePods(kc, ns, 'sprout')) {
      const get = async (path: string) => {
        try {
          return await (await fetch(`http://${p.status?.podIP}:${AGENT_PORT}${path}`, { signal: AbortSignal.timeout(1000) })).text();
        } catch (e) {
          return String(e);
        }
      };
      lines.push(`${p.metadata?.name} load=${(await get('/load')).slice(0, 600)}`, `  status=${(await get('/status')).slice(0, 600)}`, `  scale=${(await get('/scale')).slice(0, 800)}`);
    }
    return lines.join('\n');
  };
  const bonoTarget = async (): Promise<string> => `${(await livePods(kc, ns, 'bono'))[0]?.status?.podIP}:${BONO_PORT}`;

  test('a load step up leads to a scale-up write within 5 s of the overload becoming visible', async () => {
    assert.equal(await replicas(), 2);
    // 10 calls/s held 3.5 s = 35 concurrent dialogs over 2 Sprouts: utilization ~1.75 against a target of 0.8.
    running.push(await startSippUac({ target: await bonoTarget(), localHost: '127.0.0.1', rate: 10, calls: 250, holdMs: 3500 }));
    let visibleAt = 0;
    const scaledAt = await eventually(async () => {
      if (visibleAt === 0) {
        const samples = await Promise.all((await livePods(kc, ns, 'sprout')).map(loadOf));
        if (samples.some((s) => (s?.utilization ?? 0) > 0.8 * 1.1)) visibleAt = performance.now();
      }
      return visibleAt > 0 && (await replicas()) > 2 ? performance.now() : undefined;
    }, 60_000, 'a scale-up write', 100).catch(async (err: Error) => {
      throw new Error(`${err.message}\n${await diagnose()}`);
    });
    figures.scaleUpAfterVisibleMs = Math.round(scaledAt - visibleAt);
    assert.ok(scaledAt - visibleAt <= 5000, `scale-up came ${Math.round(scaledAt - visibleAt)} ms after the overload was visible`);
    await eventually(async () => ((await livePods(kc, ns, 'sprout')).filter(isReady).length > 2 ? true : undefined), 30_000, 'new Sprout ready');
  });

  test('a step down scales in one pod at a time after the stabilization window; the drained pod is the one deleted; no call fails', async () => {
    const peak = await eventually(async () => {
      const r = await replicas();
      return r >= 3 ? r : undefined;
    }, 10_000, 'peak replicas');
    // The step ends by itself (every call gets its BYE; a killed SIPp would leave dialogs open).
    const step = running.pop();
    const stepResult = await step?.exited(120_000);
    // Failures during the overload itself are what scaling up cures; they are reported, not asserted.
    figures.failedCallsDuringStep = Number(/Failed call\s*\|\s*\d+\s*\|\s*(\d+)/.exec(stepResult?.stdout ?? '')?.[1] ?? -1);
    // Light background traffic that must survive the scale-in untouched.
    const background = await startSippUac({ target: await bonoTarget(), localHost: '127.0.0.1', rate: 3, calls: 160, holdMs: 1500 });
    running.push(background);
    const core = kc.makeApiClient(CoreV1Api);
    let victim: string | undefined;
    const droppedAt = performance.now();
    await eventually(async () => {
      const pods = (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=sprout' })).items;
      victim ??= pods.find((p) => p.metadata?.annotations?.[DRAINING_ANNOTATION] === 'true')?.metadata?.name;
      return victim ? true : undefined;
    }, 90_000, 'a victim marked draining', 200).catch(async (err: Error) => {
      throw new Error(`${err.message}\n${await diagnose()}`);
    });
    figures.victimChosenAfterMs = Math.round(performance.now() - droppedAt);
    figures.victim = victim ?? '';
    await eventually(async () => ((await replicas()) === peak - 1 ? true : undefined), 60_000, `replicas ${peak - 1}`, 200);
    const remaining = await eventually(async () => {
      const pods = await livePods(kc, ns, 'sprout');
      return pods.length === peak - 1 ? pods : undefined;
    }, 60_000, 'the victim deleted');
    assert.ok(!remaining.some((p) => p.metadata?.name === victim), `${victim} should be the deleted pod`);
    const result = await background.exited(120_000);
    figures.backgroundCalls = 160;
    assert.equal(result.code, 0, `calls failed during scale-in:\n${result.stdout.slice(-2500)}`);
    await delay(100);
  });
});
