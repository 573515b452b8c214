import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { Member, VnfCluster, VnfClusterSpec } from '../../agent/model/vnfcluster.js';
import { SampleGatherer, type SampleFetcher } from '../../agent/scaling/gather.js';
import { ScaleIn } from '../../agent/scaling/scale-in.js';
import { Scaler } from '../../agent/scaling/scaler.js';
import { ScaleDesk } from '../../agent/scaling/scaler-control.js';
import { encodeCurve } from '../../agent/scaling/predictive/codec.js';
import { emptyCurve, recordNeed } from '../../agent/scaling/predictive/curve.js';
import { Predictor } from '../../agent/scaling/predictive/predictor.js';
import { FakeClock } from '../support/fake-clock.js';
import { pod } from '../support/membership-fakes.js';
import { FakeAnnotator, FakeDrains, FakeEvents, FakeFence, FakeScaleTarget, FakeStatus, QuietScheduler } from '../support/scaler-fakes.js';
import { FakeHistoryStore } from '../support/history-fakes.js';

/** Every member answers GET /load at utilization 0.4 (well inside what 2 pods carry). */
class QuietLoad implements SampleFetcher {
  #n = 0;
  constructor(private readonly pods: Map<string, string>) {}
  async fetch(ip: string): Promise<unknown> {
    const name = this.pods.get(ip);
    if (!name) throw new Error(`unexpected GET /load to ${ip}`);
    return { pod: name, time: `t${++this.#n}`, utilization: 0.4, overloaded: false, healthy: true, reason: 'ok', signals: {} };
  }
}

const spec = (predictive: VnfClusterSpec['predictive']): VnfClusterSpec => ({
  role: 'sprout', targetRef: { kind: 'Deployment', name: 'sprout' }, selector: { matchLabels: { app: 'sprout' } },
  minReplicas: 2, maxReplicas: 10, targetUtilization: 0.8, tolerance: 0.1,
  behavior: { scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max' }, scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max' } },
  overload: { enabled: true, step: 1 }, schedules: [], maintenanceWindows: [], drainTimeoutSeconds: 60, drainMinimumSeconds: 0, upstreams: [], paused: false,
  ...(predictive ? { predictive } : {}),
});

function setup(predictive: VnfClusterSpec['predictive']) {
  // Monday 07:59:00; last week needed 6 pods from 08:00.
  const clock = new FakeClock(1_000_000, '2026-11-30T07:59:00.000Z');
  const fence = new FakeFence();
  const target = new FakeScaleTarget(2);
  const events = new FakeEvents();
  const status = new FakeStatus();
  const store = new FakeHistoryStore();
  let curve = emptyCurve();
  for (let t = Date.parse('2026-11-23T07:30:00Z'); t < Date.parse('2026-11-23T08:30:00Z'); t += 60_000) curve = recordNeed(curve, t, t < Date.parse('2026-11-23T08:00:00Z') ? 2 : 6, 2);
  store.put(encodeCurve(curve));
  const members: Member[] = [0, 1].map((i) => ({ pod: `sprout-${i}`, ip: `10.0.0.${i + 2}`, state: 'active', ready: true }));
  const logger = pino({ level: 'silent' });
  const podsNow = () => members.map((m) => pod(m.pod, { ip: m.ip, ready: true }));
  const annotator = new FakeAnnotator(podsNow);
  annotator.allowed = false;
  const scaleIn = new ScaleIn({ clock, logger, fence: fence.fence, annotator, drains: new FakeDrains(), apiTimeoutMs: 2_000, peerTimeoutMs: 1_000 });
  const predictor = new Predictor({ clock, logger, fence: fence.fence, store, apiTimeoutMs: 2_000, persistEveryMs: 60_000 });
  const scaler = new Scaler({
    clock, logger, fence: fence.fence, scaleFor: () => target,
    gatherer: new SampleGatherer({ clock, fetcher: new QuietLoad(new Map(members.map((m) => [m.ip, m.pod]))), self: 'leader', localSample: () => undefined, timeoutMs: 500 }),
    scheduler: new QuietScheduler(), events, status, scaleIn, pods: podsNow, apiTimeoutMs: 2_000, sampleStaleMs: 10_000, statusRefreshMs: 15_000, predictor,
  });
  const vc: VnfCluster = { apiVersion: 'vnf-agent.dev/v1alpha1', kind: 'VnfCluster', metadata: { name: 'sprout', uid: 'u1', resourceVersion: '100' }, spec: spec(predictive) };
  const desk = new ScaleDesk({ pod: 'leader', leadership: () => ({ isLeader: true, leader: 'leader' }), policy: () => vc, scaler, scaleIn });
  const pass = () => scaler.pass({ vc, members, signal: new AbortController().signal });
  return { clock, target, events, status, store, pass, desk };
}

test('scaler + predictor: the forecast scales up ahead of the ramp, says so, marks it with PredictiveScaleUp, and GET /scale shows it', async () => {
  const s = setup({ enabled: true, leadTimeSeconds: 30, historyWeeks: 2, maxBoostReplicas: 5 });
  s.store.expect('read');
  // 07:59:00 + 30 s is still before the ramp: no change, and the forecast is shown.
  const quiet = await s.pass();
  assert.match(quiet.reason, /^no change at 2/);
  assert.equal(s.desk.state().forecast?.replicas, 2);
  assert.equal(s.target.writes.length, 0);
  // 07:59:31 + 30 s is in the ramp's bucket: the floor of 6 scales up now.
  await s.clock.advance(31_000);
  s.target.expectWrites('ok');
  const up = await s.pass();
  assert.match(up.reason, /^scaled up from 2 to 6: the forecast for the next 30s sets a floor of 6; average utilization 0\.40/);
  assert.deepEqual(s.target.writes.map((w) => w.replicas), [6]);
  assert.deepEqual(s.events.recorded.map((e) => [e.kind, e.reason]), [['VnfCluster', 'PredictiveScaleUp'], ['Deployment', 'PredictiveScaleUp']]);
  assert.match(s.status.patches.at(-1)?.status.lastDecision?.reason ?? '', /the forecast for the next 30s sets a floor of 6/);
  const state = s.desk.state();
  assert.equal(state.forecast?.replicas, 6);
  assert.equal(state.forecast?.leadSource, 'spec');
  assert.deepEqual(state.lastDecision?.inputs.forecast, { replicas: 6, setFloor: true });
  assert.equal(s.store.pending, 0);
});

test('scaler without spec.predictive: no history read, no forecast shown, ScaledUp as before', async () => {
  const s = setup(undefined);
  const out = await s.pass();
  assert.match(out.reason, /^no change at 2/);
  assert.equal(s.desk.state().forecast, null);
  assert.equal(s.desk.state().lastDecision?.inputs.forecast, undefined);
  assert.deepEqual(s.store.calls, []);
});
