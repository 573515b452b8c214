import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { NotLeaderError } from '../../agent/election/errors.js';
import { DRAINING_ANNOTATION, type PodFacts } from '../../agent/membership/state.js';
import type { Member } from '../../agent/model/vnfcluster.js';
import { ScaleIn, type ScaleInInput } from '../../agent/scaling/scale-in.js';
import { DELETION_COST_ANNOTATION, LOWEST_DELETION_COST } from '../../agent/scaling/pod-marks.js';
import type { Decision, MemberSample } from '../../agent/scaling/types.js';
import { FakeClock } from '../support/fake-clock.js';
import { pod } from '../support/membership-fakes.js';
import { ConflictError, decision, FakeAnnotator, FakeDrains, FakeFence, FakeScaleTarget, RecordingScalingMetrics } from '../support/scaler-fakes.js';

const DRAIN_MS = 60_000;

/** Three running pods: `leader`, `b` (least loaded), `c`. */
function cluster() {
  const clock = new FakeClock();
  const fence = new FakeFence();
  const drains = new FakeDrains();
  const target = new FakeScaleTarget(3, { readable: false });
  const pods: PodFacts[] = [
    pod('b', { ip: '10.0.0.2', ready: true, createdAt: '2026-11-27T10:00:00Z' }),
    pod('c', { ip: '10.0.0.3', ready: true, createdAt: '2026-11-27T11:00:00Z' }),
    pod('leader', { ip: '10.0.0.1', ready: true, createdAt: '2026-11-27T09:00:00Z' }),
  ];
  // The API server's copy of the pods is the same list the watch shows the scale-in.
  const annotator = new FakeAnnotator(() => pods);
  const metrics = new RecordingScalingMetrics();
  const scaleIn = new ScaleIn({ clock, logger: pino({ level: 'silent' }), fence: fence.fence, annotator, drains, apiTimeoutMs: 2_000, peerTimeoutMs: 1_000, metrics });
  const loads: Record<string, number> = { leader: 0.1, b: 0.2, c: 0.6 };
  const input = (over: Partial<ScaleInInput> & { down?: boolean } = {}): ScaleInInput => {
    const d: Decision = over.down === false ? decision('none', target.replicas, target.replicas) : decision('down', target.replicas, 1);
    const members: Member[] = pods.filter((p) => !p.deleting).map((p) => ({ pod: p.name, ip: p.ip, ready: p.ready, state: p.drainingAnnotation ? 'leaving' : 'active' }));
    const samples: MemberSample[] = members.map((m) => ({ pod: m.pod, ready: m.ready, utilization: loads[m.pod] ?? null, overloaded: false, sampleAgeMs: 0 }));
    return { decision: d, target, scale: { replicas: target.replicas, version: target.version }, pods, members, samples, drainTimeoutMs: DRAIN_MS, mayWrite: true, signal: new AbortController().signal, ...over };
  };
  const mark = (name: string, over: Partial<PodFacts>) => {
    const i = pods.findIndex((p) => p.name === name);
    pods[i] = { ...pods[i]!, ...over };
  };
  return { clock, fence, annotator, drains, target, scaleIn, pods, input, mark, metrics };
}

test('scale-in: the least-loaded non-leader is marked leaving, asked to drain, and waits while draining', async () => {
  const c = cluster();
  c.drains.starts.push(true);
  c.drains.settles.push(false);
  const step = await c.scaleIn.step(c.input());
  assert.deepEqual(c.annotator.reads, ['b'], 'the pod is read right before it is marked');
  assert.deepEqual(c.annotator.calls, [{ pod: 'b', annotations: { [DRAINING_ANNOTATION]: 'true' }, version: 'b@0' }], 'the leader (load 0.1) is passed over; the mark carries the version read');
  assert.deepEqual(c.drains.calls, ['POST 10.0.0.2', 'GET 10.0.0.2']);
  assert.equal(c.target.writes.length, 0);
  assert.equal(step.changed, true);
  assert.match(step.reason!, /^marked b as leaving \(chose b: it has the least load \(0\.20\)\); draining b \(0s of 60s\)$/);
  assert.deepEqual(c.scaleIn.state(), { victim: 'b', phase: 'draining', elapsedMs: 0, drainRequested: true });
});

test('scale-in: once drained, the lowest deletion cost is set at the pod version just read, right before spec.replicas - 1 is written with the version read', async () => {
  const c = cluster();
  c.drains.starts.push(true);
  c.drains.settles.push(false, true);
  await c.scaleIn.step(c.input());
  c.mark('b', { drainingAnnotation: true, ready: false });
  c.target.expectWrites('ok');
  const step = await c.scaleIn.step(c.input());
  assert.deepEqual(c.drains.calls, ['POST 10.0.0.2', 'GET 10.0.0.2', 'GET 10.0.0.2'], 'POST /drain is sent once');
  assert.deepEqual(c.annotator.reads, ['b', 'b']);
  assert.deepEqual(c.annotator.calls[1], { pod: 'b', annotations: { [DELETION_COST_ANNOTATION]: LOWEST_DELETION_COST }, version: 'b@1' });
  assert.deepEqual(c.target.writes.map((w) => [w.replicas, w.version]), [[2, 'v1']]);
  assert.ok(c.target.writes[0]!.signal, 'the write is bounded');
  assert.deepEqual(step.wrote, { from: 3, to: 2, victim: 'b' });
  assert.match(step.reason!, /^scaled down from 3 to 2, removing b$/);
});

test('scale-in: after the write nobody shrinks again until the victim is terminating, then the step is done', async () => {
  const c = cluster();
  c.drains.starts.push(true);
  c.drains.settles.push(true);
  c.target.expectWrites('ok');
  await c.scaleIn.step(c.input());
  assert.equal(c.target.writes.length, 1);
  // The ReplicaSet has not marked b yet: three live pods for spec.replicas 2.
  const waiting = await c.scaleIn.step(c.input());
  assert.match(waiting.reason!, /^removal of b waits: 3 pods are not terminating while spec.replicas is 2$/);
  assert.equal(waiting.changed, false);
  assert.equal(c.target.writes.length, 1, 'no second write');
  c.mark('b', { deleting: true });
  const done = await c.scaleIn.step(c.input({ down: false }));
  assert.match(done.reason!, /^b left the cluster; scale-in step done$/);
  assert.equal(c.scaleIn.state(), null);
});

test('scale-in: a victim that never settles is removed when the drain timeout passes', async () => {
  const c = cluster();
  c.drains.starts.push(true);
  c.drains.settles.push(false, false);
  await c.scaleIn.step(c.input());
  await c.clock.advance(30_000);
  assert.match((await c.scaleIn.step(c.input())).reason!, /draining b \(30s of 60s\)/);
  await c.clock.advance(30_000);
  c.target.expectWrites('ok');
  const step = await c.scaleIn.step(c.input());
  assert.deepEqual(step.wrote, { from: 3, to: 2, victim: 'b' });
  assert.equal(c.drains.calls.length, 3, 'no drain call once the timeout passed');
});

test('scale-in: an unreachable victim is retried each pass and removed at the timeout', async () => {
  const c = cluster();
  c.drains.starts.push(new Error('connect ECONNREFUSED'), new Error('connect ECONNREFUSED'));
  const first = await c.scaleIn.step(c.input());
  assert.match(first.reason!, /draining b: could not reach it \(connect ECONNREFUSED\); retrying until 60s/);
  await c.clock.advance(10_000);
  await c.scaleIn.step(c.input());
  await c.clock.advance(50_000);
  c.target.expectWrites('ok');
  assert.equal((await c.scaleIn.step(c.input())).wrote?.to, 2);
});

test('scale-in: losing leadership mid-way stops before any write; a new leader resumes from the annotation', async () => {
  const c = cluster();
  c.drains.starts.push(true);
  c.drains.settles.push(true);
  // Lose the lease right after the drain finished: the deletion cost's read is refused by the fence.
  const finished = c.metrics.drainFinished.bind(c.metrics);
  c.metrics.drainFinished = (...args) => {
    finished(...args);
    c.fence.lose();
  };
  await assert.rejects(c.scaleIn.step(c.input()), NotLeaderError);
  assert.equal(c.annotator.calls.length, 1, 'marked leaving, but no deletion cost');
  assert.deepEqual(c.annotator.reads, ['b'], 'not even read for the deletion cost');
  assert.equal(c.target.writes.length, 0);

  // The next leader knows nothing but the pods: b carries the draining annotation.
  c.mark('b', { drainingAnnotation: true, ready: false });
  const next = new FakeFence();
  const successor = new ScaleIn({ clock: c.clock, logger: pino({ level: 'silent' }), fence: next.fence, annotator: c.annotator, drains: c.drains, apiTimeoutMs: 2_000, peerTimeoutMs: 1_000 });
  c.drains.starts.push(true);
  c.drains.settles.push(true);
  c.target.expectWrites('ok');
  const step = await successor.step(c.input({ down: false }));
  assert.match(step.reason!, /^resumed the scale-in of b \(it carries vnf-agent.dev\/draining\); scaled down from 3 to 2, removing b$/);
  assert.deepEqual(c.annotator.calls.slice(1), [{ pod: 'b', annotations: { [DELETION_COST_ANNOTATION]: LOWEST_DELETION_COST }, version: 'b@1' }], 'b is not marked twice');
});

/**
 * A 409 on a pod annotation means the pod changed between our read and our
 * write: the scale-in reads it again and decides again on what is there now,
 * never re-sends the old patch, and is fenced again before each request.
 */
const conflicts: {
  name: string;
  /** What someone else did to the pod between our read and our write (phase 'mark' or 'cost'). */
  phase: 'mark' | 'cost';
  interfere: (c: ReturnType<typeof cluster>) => void;
  reason: RegExp;
  versions: string[];
  victim: string | null;
  /** The shrink (spec.replicas - 1) is written after the deletion cost. */
  shrinks?: boolean;
  rejects?: boolean;
}[] = [
  {
    name: 'the chosen pod began terminating meanwhile: it is not marked and not taken as the victim',
    phase: 'mark', interfere: (c) => c.annotator.interfere('b', () => c.mark('b', { deleting: true })),
    reason: /^scale-in waits: b is terminating already$/, versions: ['b@0'], victim: null,
  },
  {
    name: 'the chosen pod marked itself leaving meanwhile (its own drain): the mark is not written again, the scale-in goes on with it',
    phase: 'mark', interfere: (c) => c.annotator.interfere('b', () => c.mark('b', { drainingAnnotation: true })),
    reason: /^b carries the leaving mark already \(chose b: it has the least load \(0\.20\)\); draining b/, versions: ['b@0'], victim: 'b',
  },
  {
    name: 'another annotation changed meanwhile: the re-read still says mark it, so it is marked at the new version',
    phase: 'mark', interfere: (c) => c.annotator.interfere('b'),
    reason: /^marked b as leaving \(chose b: it has the least load \(0\.20\)\); draining b/, versions: ['b@0', 'b@1'], victim: 'b',
  },
  {
    name: 'the pod kept changing under three writes in a row: nothing is sent a fourth time, the next pass decides again',
    phase: 'mark', interfere: (c) => ['b', 'b', 'b'].forEach((p) => c.annotator.interfere(p)),
    reason: /^scale-in waits: b changed under 3 writes in a row \(409\); deciding again next pass$/, versions: ['b@0', 'b@1', 'b@2'], victim: null,
  },
  {
    name: 'the leader lost the lease meanwhile: the re-read is refused by the fence and nothing more is sent',
    phase: 'mark', interfere: (c) => c.annotator.interfere('b', () => c.fence.lose()),
    reason: /./, versions: ['b@0'], victim: null, rejects: true,
  },
  {
    name: 'another annotation changed before the deletion cost landed: still the victim, so the cost is written at the new version',
    phase: 'cost', interfere: (c) => c.annotator.interfere('b'),
    reason: /scaled down from 3 to 2, removing b$/, versions: ['b@0', 'b@1', 'b@2'], victim: 'b', shrinks: true,
  },
  {
    name: 'the victim began terminating before the deletion cost landed: no cost, no shrink',
    phase: 'cost', interfere: (c) => c.annotator.interfere('b', () => c.mark('b', { deleting: true })),
    reason: /removal of b waits: b is terminating already$/, versions: ['b@0', 'b@1'], victim: 'b',
  },
];
for (const row of conflicts) {
  test(`scale-in: a 409 on the ${row.phase === 'mark' ? 'leaving mark' : 'deletion cost'}: ${row.name}`, async () => {
    const c = cluster();
    c.drains.starts.push(true);
    c.drains.settles.push(row.phase === 'cost');
    if (row.shrinks) c.target.expectWrites('ok');
    if (row.phase === 'mark') row.interfere(c);
    else {
      // After the mark landed and the drain settled: the next write is the deletion cost.
      const settled = c.drains.settled.bind(c.drains);
      c.drains.settled = async (ip) => {
        const done = await settled(ip);
        row.interfere(c);
        return done;
      };
    }
    if (row.rejects) {
      await assert.rejects(c.scaleIn.step(c.input()), NotLeaderError);
    } else {
      const step = await c.scaleIn.step(c.input());
      assert.match(step.reason!, row.reason);
    }
    assert.deepEqual(c.annotator.calls.map((w) => w.version), row.versions);
    assert.equal(c.scaleIn.state()?.victim ?? null, row.victim);
    assert.equal(c.target.writes.length, row.shrinks ? 1 : 0);
  });
}

test('scale-in: the leader is never drained; with every other member leaving it waits', async () => {
  const c = cluster();
  c.annotator.allowed = false;
  c.mark('b', { deleting: true });
  c.mark('c', { deleting: true });
  const step = await c.scaleIn.step(c.input());
  assert.match(step.reason!, /^scale-in waits: the leader leader is the only candidate/);
  assert.equal(step.changed, false);
  assert.equal(c.scaleIn.state(), null);
});

test('scale-in: nothing happens when the decision does not say down and no pod is marked', async () => {
  const c = cluster();
  c.annotator.allowed = false;
  const step = await c.scaleIn.step(c.input({ down: false }));
  assert.deepEqual(step, { reason: undefined, changed: false });
});

const waits: { name: string; setup: (c: ReturnType<typeof cluster>) => Partial<ScaleInInput>; reason: RegExp }[] = [
  { name: 'a pass that already wrote the scale', setup: () => ({ mayWrite: false }), reason: /waits for the next pass/ },
];
for (const row of waits) {
  test(`scale-in: removal waits for ${row.name}`, async () => {
    const c = cluster();
    c.drains.starts.push(true);
    c.drains.settles.push(true);
    const over = row.setup(c);
    const step = await c.scaleIn.step(c.input(over));
    assert.match(step.reason!, row.reason);
    assert.equal(c.target.writes.length, 0);
    assert.equal(c.scaleIn.state()?.phase, 'shrinking');
  });
}

test('scale-in: removal waits for a pod that appeared meanwhile and is still pending (the ReplicaSet would remove it first)', async () => {
  const c = cluster();
  c.drains.starts.push(true);
  c.drains.settles.push(false, true);
  await c.scaleIn.step(c.input());
  c.pods.push(pod('d'));
  c.target.replicas = 4;
  const step = await c.scaleIn.step(c.input({ down: false }));
  assert.match(step.reason!, /^removal of b waits for d to start/);
  assert.equal(c.target.writes.length, 0);
});

test('scale-in: a not-ready pod without an IP is chosen first and removed without a drain', async () => {
  const c = cluster();
  c.pods.push(pod('d'));
  c.target.replicas = 4;
  c.target.expectWrites('ok');
  const step = await c.scaleIn.step(c.input());
  assert.deepEqual(c.drains.calls, []);
  assert.deepEqual(step.wrote, { from: 4, to: 3, victim: 'd' });
});

test('scale-in: a 409 on the shrink is reported, not retried in the pass, and retried on the next', async () => {
  const c = cluster();
  c.drains.starts.push(true);
  c.drains.settles.push(true);
  c.target.expectWrites(new ConflictError(), 'ok');
  const first = await c.scaleIn.step(c.input());
  assert.match(first.reason!, /the scale changed since it was read \(409\); re-reading next pass/);
  assert.equal(c.target.writes.length, 1);
  c.target.version = 'v7';
  const second = await c.scaleIn.step(c.input());
  assert.deepEqual(c.target.writes.map((w) => w.version), ['v1', 'v7']);
  assert.equal(second.wrote?.to, 2);
});

test('scale-in: a victim whose drain route never answers is given up after peerTimeoutMs on the injected clock, and retried', async () => {
  const c = cluster();
  c.drains.start = () => new Promise(() => undefined); // accepts the connection, never answers
  let done = false;
  const stepping = c.scaleIn.step(c.input()).then((s) => ((done = true), s));
  await c.clock.advance(999);
  assert.equal(done, false);
  await c.clock.advance(1);
  const step = await stepping;
  assert.match(step.reason!, /draining b: could not reach it \(drain of b did not finish within 1000 ms\); retrying until 60s$/);
  assert.equal(c.scaleIn.state()?.drainRequested, false, 'POST /drain is sent again next pass');
  assert.equal(c.clock.pendingSleeps, 0);
});

test('scale-in metrics: the drain duration runs from the mark to "drained", then the write is counted', async () => {
  const c = cluster();
  c.drains.starts.push(true);
  c.drains.settles.push(false, true);
  await c.scaleIn.step(c.input());
  c.mark('b', { drainingAnnotation: true, ready: false });
  await c.clock.advance(12_500);
  c.target.expectWrites('ok');
  await c.scaleIn.step(c.input());
  assert.deepEqual(c.metrics.calls, ['drain drained 12.5s', 'write down ok']);
});

test('scale-in metrics: a drain that runs out of time is observed as a timeout, and a 409 as a conflicted write', async () => {
  const c = cluster();
  c.drains.starts.push(true);
  c.drains.settles.push(false);
  await c.scaleIn.step(c.input());
  c.mark('b', { drainingAnnotation: true, ready: false });
  await c.clock.advance(DRAIN_MS);
  c.target.expectWrites(new ConflictError());
  await c.scaleIn.step(c.input());
  assert.deepEqual(c.metrics.calls, ['drain timeout 60s', 'write down conflict']);
});

test('scale-in: a not-ready leader chooses itself, marks itself at the version read, hands the Lease over and never drains itself', async () => {
  const c = cluster();
  c.mark('leader', { ready: false });
  let handOvers = 0;
  const scaleIn = new ScaleIn({ clock: c.clock, logger: pino({ level: 'silent' }), fence: c.fence.fence, annotator: c.annotator, drains: c.drains, apiTimeoutMs: 2_000, peerTimeoutMs: 1_000, handOver: () => handOvers++ });
  const step = await scaleIn.step(c.input());
  assert.deepEqual(c.annotator.calls, [{ pod: 'leader', annotations: { [DRAINING_ANNOTATION]: 'true' }, version: 'leader@0' }]);
  assert.equal(handOvers, 1);
  assert.deepEqual(c.drains.calls, [], 'the leader does not drain itself');
  assert.equal(c.target.writes.length, 0);
  assert.equal(scaleIn.state(), null, 'the leader does not adopt itself');
  assert.match(step.reason!, /^marked leader as leaving \(the leader leader is the only member not ready .*\); handing the Lease over to a standby, which drains leader and removes it$/);

  // The next leader, b, sees the mark through its pod watch, adopts exactly that pod, drains it and shrinks.
  c.mark('leader', { drainingAnnotation: true });
  const fenceB = new FakeFence();
  fenceB.identity = 'b';
  const next = new ScaleIn({ clock: c.clock, logger: pino({ level: 'silent' }), fence: fenceB.fence, annotator: c.annotator, drains: c.drains, apiTimeoutMs: 2_000, peerTimeoutMs: 1_000, handOver: () => assert.fail('b must not hand over') });
  c.drains.starts.push(true);
  c.drains.settles.push(false, true);
  const adopting = await next.step(c.input({ down: false }));
  assert.match(adopting.reason!, /^resumed the scale-in of leader .*; draining leader/);
  c.target.expectWrites('ok');
  const shrinking = await next.step(c.input({ down: false }));
  assert.deepEqual(c.drains.calls, ['POST 10.0.0.1', 'GET 10.0.0.1', 'GET 10.0.0.1']);
  assert.deepEqual(c.annotator.calls.slice(1), [{ pod: 'leader', annotations: { [DELETION_COST_ANNOTATION]: LOWEST_DELETION_COST }, version: 'leader@1' }]);
  assert.deepEqual(shrinking.wrote, { from: 3, to: 2, victim: 'leader' });
  assert.deepEqual(c.annotator.calls.map((w) => w.pod), ['leader', 'leader'], 'no other pod is marked');
});

test('scale-in: a leader that finds itself marked hands over again, or waits when no member that stays could lead', async () => {
  const c = cluster();
  c.mark('leader', { drainingAnnotation: true });
  let handOvers = 0;
  const scaleIn = new ScaleIn({ clock: c.clock, logger: pino({ level: 'silent' }), fence: c.fence.fence, annotator: c.annotator, drains: c.drains, apiTimeoutMs: 2_000, peerTimeoutMs: 1_000, handOver: () => handOvers++ });
  const again = await scaleIn.step(c.input({ down: false }));
  assert.equal(handOvers, 1);
  assert.match(again.reason!, /^the leader leader carries .*; handing the Lease over/);
  c.mark('b', { drainingAnnotation: true });
  c.mark('c', { deleting: true });
  // b is leaving and c is going: no member that stays could lead. (b's pod is left out of the pods so the leader's own mark is the one found.)
  const adopt = await scaleIn.step(c.input({ down: false, pods: c.pods.filter((p) => p.name !== 'b') }));
  assert.equal(handOvers, 1, 'nobody that stays can lead: no hand-over');
  assert.match(adopt.reason!, /no member that stays can take the Lease/);
  assert.deepEqual(c.drains.calls, []);
  assert.deepEqual(c.annotator.calls, []);
});
