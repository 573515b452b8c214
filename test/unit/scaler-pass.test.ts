import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { Member, VnfCluster, VnfClusterSpec } from '../../agent/model/vnfcluster.js';
import { SampleGatherer, type SampleFetcher } from '../../agent/scaling/gather.js';
import { ScaleIn } from '../../agent/scaling/scale-in.js';
import { Scaler } from '../../agent/scaling/scaler.js';
import { FakeClock } from '../support/fake-clock.js';
import { pod } from '../support/membership-fakes.js';
import { ConflictError, FakeAnnotator, FakeDrains, FakeEvents, FakeFence, FakeScaleTarget, FakeStatus, QuietScheduler, RecordingScalingMetrics } from '../support/scaler-fakes.js';

/** Every peer answers GET /load with the utilization the test set; a new `time` per answer keeps samples fresh. */
class LoadFetcher implements SampleFetcher {
  loads = new Map<string, { pod: string; utilization: number }>();
  #n = 0;

  async fetch(ip: string): Promise<unknown> {
    const load = this.loads.get(ip);
    if (!load) throw new Error(`unexpected GET /load to ${ip}`);
    return { pod: load.pod, time: `t${++this.#n}`, utilization: load.utilization, overloaded: false, healthy: true, reason: 'ok', signals: {} };
  }
}

function spec(over: Partial<VnfClusterSpec> = {}): VnfClusterSpec {
  return {
    role: 'sprout', targetRef: { kind: 'Deployment', name: 'sprout' }, selector: { matchLabels: { app: 'sprout' } },
    minReplicas: 1, maxReplicas: 10, targetUtilization: 0.8, tolerance: 0.1,
    behavior: { scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max' }, scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max' } },
    overload: { enabled: true, step: 1 }, schedules: [], maintenanceWindows: [], drainTimeoutSeconds: 60, drainMinimumSeconds: 0, upstreams: [], paused: false,
    ...over,
  };
}

function setup(o: { replicas?: number; utilization?: number; spec?: Partial<VnfClusterSpec> } = {}) {
  const clock = new FakeClock();
  const fence = new FakeFence();
  const target = new FakeScaleTarget(o.replicas ?? 2);
  const events = new FakeEvents();
  const status = new FakeStatus();
  const scheduler = new QuietScheduler();
  const fetcher = new LoadFetcher();
  const members: Member[] = [];
  const podsNow = () => members.map((m) => pod(m.pod, { ip: m.ip, ready: true }));
  const annotator = new FakeAnnotator(podsNow);
  annotator.allowed = false; // no scale-in unless a test says so
  const drains = new FakeDrains();
  const logger = pino({ level: 'silent' });
  const metrics = new RecordingScalingMetrics();
  const scaleIn = new ScaleIn({ clock, logger, fence: fence.fence, annotator, drains, apiTimeoutMs: 2_000, peerTimeoutMs: 1_000, metrics });
  const setLoad = (n: number, utilization: number) => {
    members.length = 0;
    fetcher.loads.clear();
    for (let i = 0; i < n; i++) {
      const ip = `10.0.0.${i + 2}`;
      members.push({ pod: `sprout-${i}`, ip, state: 'active', ready: true });
      fetcher.loads.set(ip, { pod: `sprout-${i}`, utilization });
    }
  };
  setLoad(target.replicas, o.utilization ?? 0.8);
  const requests: string[] = [];
  const scaler = new Scaler({
    clock, logger, fence: fence.fence, scaleFor: () => target,
    gatherer: new SampleGatherer({ clock, fetcher, self: 'leader', localSample: () => undefined, timeoutMs: 500 }),
    scheduler, events, status, scaleIn, pods: podsNow,
    apiTimeoutMs: 2_000, sampleStaleMs: 10_000, statusRefreshMs: 15_000, onRequest: () => requests.push('pass'), metrics,
  });
  let vc: VnfCluster = { apiVersion: 'vnf-agent.dev/v1alpha1', kind: 'VnfCluster', metadata: { name: 'sprout', uid: 'u1', resourceVersion: '100' }, spec: spec(o.spec) };
  const pass = async () => {
    const out = await scaler.pass({ vc, members: [...members], signal: new AbortController().signal });
    const last = status.patches.at(-1);
    if (last) vc = { ...vc, metadata: { ...vc.metadata, resourceVersion: `${last.version}+1` }, status: { ...vc.status, ...last.status } };
    return out;
  };
  return { clock, fence, target, events, status, scheduler, scaler, setLoad, pass, requests, annotator, metrics };
}

test('scaler: a scale-up is written once with the version just read, with Events on both objects and status', async () => {
  const s = setup({ replicas: 2, utilization: 1.6 });
  s.target.expectWrites('ok');
  const out = await s.pass();
  assert.deepEqual(s.target.writes.map((w) => [w.replicas, w.version]), [[4, 'v1']]);
  assert.equal(s.target.reads, 1);
  assert.equal(out.acted, true);
  assert.match(out.reason, /^scaled up from 2 to 4: average utilization 1\.60 is above target 0\.80/);
  const note = out.reason;
  assert.deepEqual(s.events.recorded, [
    { kind: 'VnfCluster', name: 'sprout', reason: 'ScaledUp', note },
    { kind: 'Deployment', name: 'sprout', reason: 'ScaledUp', note },
  ]);
  assert.equal(s.status.patches.length, 1);
  assert.equal(s.status.patches[0]!.version, '100', 'status is conditional on the version read');
  assert.deepEqual({ ...s.status.patches[0]!.status, lastDecision: { ...s.status.patches[0]!.status.lastDecision!, time: 'x' } }, {
    replicas: 4, desiredReplicas: 4, load: '1.60', lastDecision: { replicas: 4, reason: note, time: 'x' },
  });
  assert.equal(s.scheduler.loads, 1);
});

test('scaler: a 409 is not retried within the pass; the next pass re-reads and writes with the new version', async () => {
  const s = setup({ replicas: 2, utilization: 1.6 });
  s.target.expectWrites(new ConflictError());
  const first = await s.pass();
  assert.equal(s.target.writes.length, 1);
  assert.match(first.reason, /not written: the scale changed since it was read \(409\); re-reading next pass/);
  assert.deepEqual(s.events.recorded, [], 'no Event for a write that did not happen');
  s.target.version = 'v9';
  s.target.expectWrites('ok');
  await s.pass();
  assert.equal(s.target.reads, 2);
  assert.deepEqual(s.target.writes.map((w) => w.version), ['v1', 'v9']);
});

test('scaler: without a valid fence nothing is read or written', async () => {
  const s = setup({ replicas: 2, utilization: 1.6 });
  s.fence.leading = false;
  const out = await s.pass();
  assert.match(out.reason, /^scaling stopped: not the leader/);
  assert.equal(out.acted, true);
  assert.equal((await s.pass()).acted, false, 'the same failure again is not news');
  assert.equal(s.target.reads, 0);
  assert.equal(s.target.writes.length, 0);
  assert.equal(s.status.patches.length, 0);
});

test('scaler: leadership lost between the read and the write: no write', async () => {
  const s = setup({ replicas: 2, utilization: 1.6 });
  const read = s.target.read.bind(s.target);
  s.target.read = async () => {
    const r = await read();
    s.fence.lose();
    return r;
  };
  const out = await s.pass();
  assert.match(out.reason, /^scaling stopped: /);
  assert.equal(s.target.writes.length, 0);
  assert.equal(s.status.patches.length, 0);
});

test('scaler: status is written only when it changed; wording and load alone wait for the refresh period', async () => {
  const s = setup({ replicas: 3, utilization: 0.8 });
  const first = await s.pass();
  assert.equal(first.acted, false);
  assert.equal(s.status.patches.length, 1, 'the first pass publishes');
  await s.clock.advance(1_000);
  await s.pass();
  assert.equal(s.status.patches.length, 1, 'nothing changed');
  s.setLoad(3, 0.82);
  await s.clock.advance(1_000);
  await s.pass();
  assert.equal(s.status.patches.length, 1, 'only the load text changed, within the refresh period');
  await s.clock.advance(15_000);
  await s.pass();
  assert.equal(s.status.patches.length, 2);
  assert.equal(s.status.patches[1]!.status.load, '0.82');
});

test('scaler: a new term starts with an empty decide() history and no manual request', async () => {
  // Scale-up limited to 1 pod per 60 s: within a term the second step waits; a new term does not know the first.
  const s = setup({ replicas: 2, utilization: 1.6, spec: { behavior: { scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] }, scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max' } } } });
  s.target.expectWrites('ok');
  await s.pass();
  assert.equal(s.target.replicas, 3);
  s.setLoad(3, 1.6);
  await s.clock.advance(5_000);
  const limited = await s.pass();
  assert.match(limited.reason, /^no change at 3: .*limited by scale-up policy Pods 1\/60s/);
  s.scaler.setManual({ kind: 'pause' });
  s.fence.term = 2;
  s.target.expectWrites('ok');
  await s.clock.advance(1_000);
  const fresh = await s.pass();
  assert.match(fresh.reason, /^scaled up from 3 to 4/);
  assert.equal(s.scaler.manual, undefined);
});

test('scaler: a manual request made before the first pass of the term is used by it and wakes the loop', async () => {
  const s = setup({ replicas: 2, utilization: 0.8 });
  s.scaler.setManual({ kind: 'replicas', replicas: 5 });
  assert.deepEqual(s.requests, ['pass']);
  s.target.expectWrites('ok');
  const out = await s.pass();
  assert.match(out.reason, /^scaled up from 2 to 5: a manual request holds 5 replicas/);
  assert.deepEqual(s.target.writes.map((w) => w.replicas), [5]);
});

test('scaler: a manual request is refused when this pod does not lead', () => {
  const s = setup();
  s.fence.leading = false;
  assert.throws(() => s.scaler.setManual({ kind: 'pause' }), /not the leader/);
  assert.deepEqual(s.requests, []);
});

test('scaler: a decision to scale down starts a graceful scale-in instead of writing the count', async () => {
  const s = setup({ replicas: 3, utilization: 0.1, spec: { behavior: { scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max' }, scaleDown: { stabilizationWindowSeconds: 0, selectPolicy: 'Max' } } } });
  s.annotator.allowed = true;
  const out = await s.pass();
  assert.equal(s.target.writes.length, 0, 'no direct write of the smaller count');
  assert.match(out.reason, /^scaling down from 3 to 1 one pod at a time \(next 2\): .*; marked sprout-\d as leaving/);
  assert.match(out.reason, /draining sprout-\d: could not reach it/);
  assert.equal(out.acted, true);
});

/** Settles `p` into a readable state, so a test can look without awaiting a promise that may hang. */
function watch<T>(p: Promise<T>): { readonly state: 'pending' | 'resolved' | 'rejected'; readonly value: T | undefined } {
  const w = { state: 'pending' as 'pending' | 'resolved' | 'rejected', value: undefined as T | undefined };
  p.then((v) => ((w.state = 'resolved'), (w.value = v)), () => (w.state = 'rejected'));
  return w;
}

test('scaler: a Scale read that never answers is given up after apiTimeoutMs on the injected clock', async () => {
  const s = setup({ replicas: 2, utilization: 1.6 });
  s.target.read = () => new Promise(() => undefined); // a hung API server that ignores the abort
  const pass = watch(s.pass());
  await s.clock.advance(1_999);
  assert.equal(pass.state, 'pending');
  await s.clock.advance(1);
  assert.equal(pass.state, 'resolved');
  assert.equal(pass.value!.reason, 'scaling stopped: read Scale did not finish within 2000 ms');
  assert.equal(s.clock.pendingSleeps, 0, 'no deadline timer is left behind');
});

test('scaler: a scale write is given up when the fence runs out on the injected clock, before apiTimeoutMs', async () => {
  const s = setup({ replicas: 2, utilization: 1.6 });
  s.fence.validForMs = 300;
  s.target.write = () => new Promise(() => undefined);
  const pass = watch(s.pass());
  await s.clock.advance(300);
  assert.equal(pass.state, 'resolved');
  assert.match(pass.value!.reason, /not written: write Scale did not finish within 300 ms/);
});

const FAST_DOWN = { behavior: { scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max' as const }, scaleDown: { stabilizationWindowSeconds: 0, selectPolicy: 'Max' as const } } };
const metricRows: { name: string; replicas: number; utilization: number; spec?: Partial<VnfClusterSpec>; arrange?: (s: ReturnType<typeof setup>) => void; calls: string[] }[] = [
  { name: 'a scale-up counts the decision, the write and the new count', replicas: 2, utilization: 1.6, arrange: (s) => s.target.expectWrites('ok'), calls: ['decided scale_up', 'write up ok', 'replicas sprout 4->4'] },
  { name: 'a 409 counts a conflicted write and keeps the count read', replicas: 2, utilization: 1.6, arrange: (s) => s.target.expectWrites(new ConflictError()), calls: ['decided scale_up', 'write up conflict', 'replicas sprout 2->4'] },
  { name: 'a failed write counts an error', replicas: 2, utilization: 1.6, arrange: (s) => s.target.expectWrites(new Error('etcdserver: request timed out')), calls: ['decided scale_up', 'write up error', 'replicas sprout 2->4'] },
  { name: 'no change counts none', replicas: 3, utilization: 0.8, calls: ['decided none', 'replicas sprout 3->3'] },
  { name: 'a scale-down decision counts scale_down; nothing is written while the victim drains', replicas: 3, utilization: 0.1, spec: FAST_DOWN, arrange: (s) => (s.annotator.allowed = true), calls: ['decided scale_down', 'replicas sprout 3->1'] },
  { name: 'a pass that fails before deciding counts an error and leaves the counts alone', replicas: 2, utilization: 0.8, arrange: (s) => (s.target.read = () => Promise.reject(new Error('connect ECONNREFUSED'))), calls: ['decided error'] },
  { name: 'a pass without the lease counts nothing', replicas: 2, utilization: 0.8, arrange: (s) => (s.fence.leading = false), calls: [] },
];
for (const row of metricRows) {
  test(`scaler metrics: ${row.name}`, async () => {
    const s = setup({ replicas: row.replicas, utilization: row.utilization, ...(row.spec ? { spec: row.spec } : {}) });
    row.arrange?.(s);
    await s.pass();
    assert.deepEqual(s.metrics.calls, row.calls);
  });
}

test('scaler metrics: the replica counts go when the term ends', async () => {
  const s = setup({ replicas: 3, utilization: 0.8 });
  await s.pass();
  s.fence.lose();
  assert.deepEqual(s.metrics.calls, ['decided none', 'replicas sprout 3->3', 'stopped leading']);
});
