import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { NotLeaderError } from '../../agent/election/errors.js';
import type { VnfCluster, VnfClusterSpec } from '../../agent/model/vnfcluster.js';
import { decodeCurve, encodeCurve } from '../../agent/scaling/predictive/codec.js';
import { emptyCurve, recordNeed } from '../../agent/scaling/predictive/curve.js';
import { Predictor, neededReplicas } from '../../agent/scaling/predictive/predictor.js';
import type { Decision } from '../../agent/scaling/types.js';
import { FakeClock } from '../support/fake-clock.js';
import { memorySink } from '../support/log-sink.js';
import { FakeFence } from '../support/scaler-fakes.js';
import { FakeHistoryStore } from '../support/history-fakes.js';

const WALL = '2026-11-30T07:58:00.000Z'; // a Monday, two minutes before the ramp
const PERSIST_MS = 60_000;

function vc(predictive: Partial<NonNullable<VnfClusterSpec['predictive']>> | undefined): VnfCluster {
  const spec = { targetRef: { kind: 'Deployment', name: 'sprout' }, tolerance: 0.1, ...(predictive ? { predictive } : {}) } as unknown as VnfClusterSpec;
  return { apiVersion: 'vnf-agent.dev/v1alpha1', kind: 'VnfCluster', metadata: { name: 'sprout', uid: 'u1' }, spec };
}

/** A decision whose load needs `need` pods (2 fresh samples, usage ratio at the top of the 0.1 tolerance band). */
function decision(need: number, freshSamples = 2, o: { usageRatio?: number | null; overloaded?: string[] } = {}): Decision {
  const usageRatio = o.usageRatio === undefined ? (need * 1.1) / freshSamples : o.usageRatio;
  return {
    replicas: 2, nextStep: 2, direction: 'none', reason: 'test',
    inputs: { currentReplicas: 2, averageUtilization: 0.5, targetUtilization: 0.8, usageRatio, recommendation: 2, freshSamples, missingSamples: 0, unreadyMembers: 0, overloadedMembers: o.overloaded ?? [], floor: 0 },
  };
}

/** Last week: 2 replicas until 08:00, 7 from 08:00 to 09:00. */
function lastWeeksRamp(): ReturnType<typeof encodeCurve> {
  let curve = emptyCurve();
  const ramp = Date.parse('2026-11-23T08:00:00Z');
  for (let t = ramp - 3600_000; t < ramp + 3600_000; t += 60_000) curve = recordNeed(curve, t, t < ramp ? 2 : 7, 2);
  return encodeCurve(curve);
}

function setup(wall = WALL) {
  const clock = new FakeClock(1_000_000, wall);
  const fence = new FakeFence();
  const store = new FakeHistoryStore();
  const sink = memorySink();
  const predictor = new Predictor({ clock, logger: pino(sink), fence: fence.fence, store, apiTimeoutMs: 2_000, persistEveryMs: PERSIST_MS });
  const signal = new AbortController().signal;
  const after = (cluster: VnfCluster, o: { rec?: number; before?: number; after?: number; ready?: number; loadDecided?: boolean; fresh?: number } = {}) =>
    predictor.after({ vc: cluster, decision: decision(o.rec ?? 2, o.fresh), replicasBefore: o.before ?? 2, replicasAfter: o.after ?? o.before ?? 2, ready: o.ready ?? 2, loadDecided: o.loadDecided ?? true, signal });
  return { clock, fence, store, sink, predictor, signal, after };
}

test('predictor: disabled, it never touches the API and offers no floor', async () => {
  const s = setup();
  for (const cluster of [vc(undefined), vc({ enabled: false })]) {
    assert.equal(await s.predictor.before(cluster, s.signal), undefined);
    assert.equal(await s.after(cluster, { rec: 9 }), undefined);
  }
  await s.clock.advance(PERSIST_MS);
  assert.equal(await s.after(vc({ enabled: false })), undefined);
  assert.deepEqual(s.store.calls, []);
  assert.equal(s.predictor.last, undefined);
});

test('predictor: with last week\'s ramp stored, the floor is the ramp one lead time ahead', async () => {
  const s = setup();
  s.store.put(lastWeeksRamp());
  s.store.expect('read');
  const cluster = vc({ enabled: true, leadTimeSeconds: 180 });
  const floor = await s.predictor.before(cluster, s.signal);
  assert.deepEqual(floor, { replicas: 7, maxBoost: 5, clause: 'the forecast for the next 180s sets a floor of 7' });
  assert.equal(s.predictor.last?.replicas, 7);
  assert.equal(s.predictor.last?.until, '2026-11-30T08:01:00.000Z');
  // With the default lead (60 s, nothing measured) 07:58 sees only the quiet level.
  const quiet = await s.predictor.before(vc({ enabled: true }), s.signal);
  assert.equal(quiet?.replicas, 2);
  assert.equal(s.predictor.last?.leadSource, 'default');
  assert.deepEqual(s.store.calls, ['read sprout-load-history'], 'read once per term');
});

test('predictor: no ConfigMap yet: learns, creates it after persistEveryMs with the owner, then replaces at the version written', async () => {
  // 07:50: four minutes in one bucket.
  const s = setup('2026-11-30T07:50:00.000Z');
  const cluster = vc({ enabled: true });
  s.store.expect('read');
  assert.equal(await s.predictor.before(cluster, s.signal), undefined);
  assert.match(s.predictor.last?.note ?? '', /not enough history/);
  assert.equal(await s.after(cluster, { rec: 3 }), undefined);
  assert.deepEqual(s.store.calls, ['read sprout-load-history'], 'nothing written before persistEveryMs');
  await s.clock.advance(PERSIST_MS);
  s.store.expect('create');
  assert.equal(await s.after(cluster, { rec: 4 }), undefined);
  assert.deepEqual(s.store.object?.owner, { apiVersion: 'vnf-agent.dev/v1alpha1', kind: 'VnfCluster', name: 'sprout', uid: 'u1' });
  const stored = decodeCurve(s.store.object.data, s.store.object.binaryData);
  assert.equal(Math.max(...stored.level) / 16, 4);
  await s.clock.advance(PERSIST_MS);
  assert.equal(await s.after(cluster, { rec: 3 }), undefined, 'nothing new (3 < 4 in the same bucket): no write');
  await s.clock.advance(PERSIST_MS);
  s.store.expect('replace');
  await s.after(cluster, { rec: 5 });
  assert.deepEqual(s.store.calls.slice(1), ['create sprout-load-history', 'replace sprout-load-history@rv1']);
  assert.equal(s.store.pending, 0);
});

test('predictor: paused or manual passes and passes without samples teach nothing', async () => {
  const s = setup();
  const cluster = vc({ enabled: true });
  s.store.expect('read');
  await s.predictor.before(cluster, s.signal);
  await s.clock.advance(PERSIST_MS);
  assert.equal(await s.after(cluster, { rec: 9, loadDecided: false }), undefined);
  assert.equal(await s.after(cluster, { rec: 9, fresh: 0 }), undefined);
  assert.deepEqual(s.store.calls, ['read sprout-load-history'], 'nothing learnt, so nothing written');
});

test('predictor: a malformed ConfigMap is logged, the history restarts and overwrites it at the version read', async () => {
  const s = setup();
  s.store.put({ data: { format: 'something else' }, binaryData: {} });
  s.store.expect('read');
  const cluster = vc({ enabled: true });
  assert.equal(await s.predictor.before(cluster, s.signal), undefined);
  const warned = s.sink.lines().find((l) => l.msg === 'Load history is malformed; starting afresh');
  assert.ok(warned, s.sink.text());
  assert.match(String((warned.err as { message?: string }).message), /data.format/);
  await s.clock.advance(PERSIST_MS);
  s.store.expect('replace');
  await s.after(cluster, { rec: 3 });
  assert.deepEqual(s.store.calls, ['read sprout-load-history', 'replace sprout-load-history@rv1']);
  assert.doesNotThrow(() => decodeCurve(s.store.object!.data, s.store.object!.binaryData));
});

test('predictor: a 409 drops the unsaved samples and re-reads; theirs wins', async () => {
  const s = setup();
  const cluster = vc({ enabled: true, leadTimeSeconds: 180 });
  s.store.put(encodeCurve(emptyCurve()));
  s.store.expect('read');
  await s.predictor.before(cluster, s.signal);
  s.store.put(lastWeeksRamp()); // an operator seeds it meanwhile
  await s.clock.advance(PERSIST_MS);
  s.store.expect('replace');
  assert.match((await s.after(cluster, { rec: 3 })) ?? '', /load history not written: it changed since it was read \(409\)/);
  s.store.expect('read');
  assert.equal((await s.predictor.before(cluster, s.signal))?.replicas, 7, 'the seeded ramp is used');
  assert.equal(s.store.pending, 0);
});

test('predictor: a failed read gives no floor and is retried next pass; a failed write is reported and retried later', async () => {
  const s = setup();
  const cluster = vc({ enabled: true, leadTimeSeconds: 180 });
  s.store.expect('read', new Error('connection refused'));
  assert.equal(await s.predictor.before(cluster, s.signal), undefined);
  assert.equal(await s.after(cluster, { rec: 3 }), undefined, 'not loaded: nothing learnt');
  s.store.put(lastWeeksRamp());
  s.store.expect('read');
  assert.equal((await s.predictor.before(cluster, s.signal))?.replicas, 7);
  await s.clock.advance(PERSIST_MS);
  s.store.expect('replace', new Error('etcd timeout'));
  assert.match((await s.after(cluster, { rec: 3 })) ?? '', /load history not written: etcd timeout/);
  assert.equal(await s.after(cluster, { rec: 3 }), undefined, 'not again before persistEveryMs');
  await s.clock.advance(PERSIST_MS);
  s.store.expect('replace');
  assert.equal(await s.after(cluster, { rec: 3 }), undefined);
  assert.equal(s.store.pending, 0);
});

test('predictor: not leading, it throws before any API call; a new term reads again', async () => {
  const s = setup();
  const cluster = vc({ enabled: true });
  s.store.expect('read');
  await s.predictor.before(cluster, s.signal);
  s.fence.lose();
  await assert.rejects(s.predictor.before(cluster, s.signal), NotLeaderError);
  s.fence.leading = true;
  s.fence.term = 2;
  s.store.expect('read');
  await s.predictor.before(cluster, s.signal);
  assert.deepEqual(s.store.calls, ['read sprout-load-history', 'read sprout-load-history']);
});

test('predictor: the measured start-to-ready time is stored and becomes the lead time', async () => {
  const s = setup();
  const cluster = vc({ enabled: true });
  s.store.expect('read');
  await s.predictor.before(cluster, s.signal);
  await s.after(cluster, { before: 2, after: 4, ready: 2, loadDecided: false });
  await s.clock.advance(20_000);
  await s.after(cluster, { before: 4, ready: 3, loadDecided: false });
  await s.clock.advance(PERSIST_MS);
  s.store.expect('create');
  await s.after(cluster, { before: 4, ready: 4, loadDecided: false });
  assert.equal(s.store.object?.data.startToReadySeconds, '80');
  assert.equal(s.predictor.last?.leadSource, 'default');
  await s.predictor.before(cluster, s.signal);
  assert.equal(s.predictor.last?.leadSeconds, 80);
  assert.equal(s.predictor.last?.leadSource, 'measured');
});

test('the need learnt: the fewest pods the reactive rule would not scale up from, never the recommendation', () => {
  const rows: { name: string; d: Decision; before: number; want: number | null }[] = [
    { name: '4 fresh pods at ratio 1.1: 4 pods at the top of the band', d: decision(0, 4, { usageRatio: 1.1 }), before: 4, want: 4 },
    { name: '4 fresh pods at ratio 1.2: 5', d: decision(0, 4, { usageRatio: 1.2 }), before: 4, want: 5 },
    { name: '6 pods raised by the forecast at ratio 0.6: 4, not the 6 held', d: decision(0, 6, { usageRatio: 0.6 }), before: 6, want: 4 },
    { name: 'idle: at least 1', d: decision(0, 3, { usageRatio: 0 }), before: 3, want: 1 },
    { name: 'overloaded: one more than there were', d: decision(0, 3, { usageRatio: 1.05, overloaded: ['sprout-0'] }), before: 3, want: 4 },
    { name: 'no fresh sample: nothing', d: decision(0, 0, { usageRatio: null }), before: 3, want: null },
  ];
  for (const r of rows) assert.equal(neededReplicas(r.d, r.before, 0.1), r.want, r.name);
});
