import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { sharedKubeconfig, stopOwnControlPlane } from '../support/shared-controlplane.js';
import { deleteNamespaceAndPods, freshNamespace, kubeConfigFrom } from '../support/kube.js';
import { eventually } from '../support/process.js';
import { removeScratchDir } from '../support/scratch.js';
import { AGENT_PORT, deploySipCluster, isReady, livePods } from './sip-cluster.js';
import { decodeCurve, encodeCurve } from '../../agent/scaling/predictive/codec.js';
import { emptyCurve, recordNeed } from '../../agent/scaling/predictive/curve.js';
import { BUCKET_MS, WEEK_MS } from '../../agent/scaling/predictive/week.js';

interface ScaleBody {
  isLeader: boolean;
  forecast?: { replicas: number | null; leadSeconds: number; leadSource: string } | null;
}

/** The leader should order the ramp's capacity this long after the test starts (cluster start fits well inside). */
const PRESCALE_AFTER_MS = 45_000;
const QUIET = 2;
const RAMP = 4;

/**
 * Predictive scaling end to end on the real API server: the history
 * ConfigMap is seeded with last week's morning ramp (2 pods, then 4 from a
 * bucket boundary a minute or more ahead), no load is sent at all, and the
 * leader must scale the Deployment to 4 one lead time before that boundary:
 * not earlier (the forecast window has not reached the ramp), not late, and
 * well before the ramp. The lead time is set so the pre-scale falls 45 s
 * after the test starts; real wall time drives it, as in production.
 */
describe('predictive scale-up before a scheduled ramp', { timeout: 240_000 }, () => {
  let kc: KubeConfig;
  let ns: string;
  let dir: string;
  let rampAt: number;
  let leadSeconds: number;
  const figures: Record<string, number | string> = {};

  before(async () => {
    kc = kubeConfigFrom(await sharedKubeconfig());
    ns = await freshNamespace(kc, 'predict');
    dir = mkdtempSync(join(tmpdir(), 'vnf-e2e-predict-'));
    const t0 = Date.now();
    // The ramp starts at a bucket boundary at least a minute ahead; the lead time puts the pre-scale at t0 + 30 s.
    rampAt = Math.ceil((t0 + 60_000) / BUCKET_MS) * BUCKET_MS;
    leadSeconds = Math.ceil((rampAt - t0 - PRESCALE_AFTER_MS) / 1000);
    let curve = emptyCurve();
    for (let t = rampAt - 20 * 60_000; t < rampAt + 20 * 60_000; t += 60_000) curve = recordNeed(curve, t - WEEK_MS, t < rampAt ? QUIET : RAMP, 2);
    await kc.makeApiClient(CoreV1Api).createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'sprout-load-history' }, ...encodeCurve(curve) } });
    await deploySipCluster({
      kc, namespace: ns, dir, sprouts: QUIET,
      sproutSpec: { minReplicas: QUIET, maxReplicas: 5, predictive: { enabled: true, leadTimeSeconds: leadSeconds, historyWeeks: 2, maxBoostReplicas: 5 } },
      agentEnv: { VNF_AGENT_SIGNAL_TARGETS: 'kamailio.activeDialogs=10' },
    });
    await eventually(async () => ((await livePods(kc, ns, 'sprout')).filter(isReady).length === QUIET ? true : undefined), 60_000, 'cluster ready');
  });

  after(async () => {
    await deleteNamespaceAndPods(kc, ns);
    await stopOwnControlPlane();
    removeScratchDir(dir);
    process.stdout.write(`# predictive figures: ${JSON.stringify(figures)}\n`);
  });

  const replicas = async (): Promise<number> => (await kc.makeApiClient(AppsV1Api).readNamespacedDeploymentScale({ name: 'sprout', namespace: ns })).spec?.replicas ?? 0;

  /** GET /scale on whichever Sprout leads. */
  const leaderScale = () =>
    eventually(async () => {
      for (const p of (await livePods(kc, ns, 'sprout')).filter(isReady)) {
        try {
          const body = (await (await fetch(`http://${p.status?.podIP}:${AGENT_PORT}/scale`, { signal: AbortSignal.timeout(1000) })).json()) as ScaleBody;
          if (body.isLeader) return body;
        } catch {
          // Not answering yet: try the next pod.
        }
      }
      return undefined;
    }, 10_000, 'GET /scale on the leader');

  test('the Deployment is scaled to the ramp one lead time before it, with no load, and says why', async () => {
    const dueAt = rampAt - leadSeconds * 1000;
    // The leader runs and forecasts below the ramp first (the ramp is not in its window yet; this
    // week's idle samples already pull the current bucket below last week's QUIET).
    const early = await eventually(async () => {
      const body = await leaderScale();
      const replicas = body.forecast?.replicas;
      return typeof replicas === 'number' && replicas < RAMP ? body : undefined;
    }, Math.max(1, dueAt - 3_000 - Date.now()), 'the leader forecasting below the ramp before the ramp is due');
    figures.quietForecastBeforeDueMs = dueAt - Date.now();
    assert.equal(early.forecast?.leadSource, 'spec');
    // Until the forecast window reaches the ramp, the quiet level holds.
    while (Date.now() < dueAt - 2_000) {
      assert.equal(await replicas(), QUIET, `scaled before the forecast window reached the ramp (${Math.round((dueAt - Date.now()) / 1000)} s early)`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const scaledAt = await eventually(async () => ((await replicas()) === RAMP ? Date.now() : undefined), dueAt + 10_000 - Date.now(), 'the pre-scale to the ramp', 100);
    figures.scaledAfterDueMs = scaledAt - dueAt;
    figures.scaledBeforeRampMs = rampAt - scaledAt;
    assert.ok(scaledAt >= dueAt - 1_000, `scaled ${dueAt - scaledAt} ms before the ramp entered the forecast window`);
    assert.ok(scaledAt < rampAt, 'scaled before the ramp');

    // The leader explains it: /scale shows the forecast, status and an Event name it.
    const leader = await leaderScale();
    assert.equal(leader.forecast?.replicas, RAMP);
    assert.equal(leader.forecast?.leadSeconds, leadSeconds);
    assert.equal(leader.forecast?.leadSource, 'spec');
    const events = await eventually(async () => {
      const list = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ns });
      const found = list.items.filter((e) => e.reason === 'PredictiveScaleUp');
      return found.length > 0 ? found : undefined;
    }, 10_000, 'a PredictiveScaleUp Event');
    assert.match(events[0]?.message ?? (events[0] as { note?: string }).note ?? '', /scaled up from 2 to 4: the forecast for the next \d+s sets a floor of 4/);
  });

  test('the leader stores the history back: owned by the VnfCluster, conditional on the version it read', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    // The first write is due a minute after the leader read the history.
    const cm = await eventually(async () => {
      const got = await core.readNamespacedConfigMap({ name: 'sprout-load-history', namespace: ns });
      return got.metadata?.ownerReferences?.length ? got : undefined;
    }, 90_000, 'the history written by the leader', 500);
    assert.deepEqual(cm.metadata?.ownerReferences?.map((o) => [o.kind, o.name]), [['VnfCluster', 'sprout']]);
    const curve = decodeCurve(cm.data, cm.binaryData);
    assert.ok(curve.level.some((l) => l === RAMP * 16), 'last week\'s ramp is still there');
  });
});
