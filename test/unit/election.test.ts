import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LockConflictError, LockNotFoundError } from '../../agent/election/lock.js';
import { NotLeaderError } from '../../agent/election/errors.js';
import { versioned, type Reply, type ScriptStep } from '../support/fake-lease-lock.js';
import { scripted } from '../support/election-harness.js';

const echo = (version: string): ScriptStep['reply'] => (call) => ({ version, record: call.record! });
const released = (version = 'v1', transitions = 3) => versioned(version, { holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: transitions });

/** Steps that make a fresh elector leader at t0 with the lease at version v2 (term 4). */
const acquireSteps = (): ScriptStep[] => [
  { op: 'get', reply: released() },
  { op: 'update', reply: echo('v2') },
];

test('a standby takes a released lease at once, as a new term', async () => {
  const h = scripted(acquireSteps());
  h.elector.start();
  await h.clock.advance(0);
  const update = h.lock.calls[1]!;
  assert.equal(update.version, 'v1');
  const wall = h.clock.wallTime();
  assert.deepEqual(update.record, { holderIdentity: 'sprout-a', leaseDurationSeconds: 8, acquireTime: wall, renewTime: wall, leaseTransitions: 4 });
  assert.equal(h.elector.status().isLeader, true);
  assert.equal(h.elector.status().leader, 'sprout-a');
  const fence = h.elector.fence();
  assert.deepEqual({ version: fence.version, term: fence.term, validForMs: fence.validForMs }, { version: 'v2', term: 4, validForMs: 6_000 });
  assert.deepEqual(h.events.map((e) => e.event), ['newLeader', 'startedLeading']);
  assert.equal(h.logged('Started leading').length, 1);
  assert.equal(await h.metric('vnf_agent_is_leader'), 1);
  h.lock.assertDone();
});

test('a missing lease is created with zero transitions', async () => {
  const h = scripted([
    { op: 'get', reply: new LockNotFoundError() },
    { op: 'create', reply: echo('v1') },
  ]);
  h.elector.start();
  await h.clock.advance(0);
  assert.equal(h.lock.calls[1]!.record!.leaseTransitions, 0);
  assert.equal(h.lock.calls[1]!.record!.holderIdentity, 'sprout-a');
  assert.equal(h.elector.fence().version, 'v1');
  h.lock.assertDone();
});

test('a lease deleted under a holder we saw is not re-created before that holder\'s term ends', async () => {
  const h = scripted([
    { op: 'get', reply: versioned('v1') },
    ...[2_000, 4_000, 6_000, 8_000].map((): ScriptStep => ({ op: 'get', reply: new LockNotFoundError() })),
    { op: 'create', reply: echo('v1') },
  ]);
  const t0 = h.clock.nowMs();
  h.elector.start();
  await h.clock.advance(7_999);
  assert.equal(h.elector.status().isLeader, false);
  await h.clock.advance(1);
  assert.equal(h.lock.calls.at(-1)!.op, 'create');
  assert.equal(h.lock.calls.at(-1)!.atMs, t0 + 8_000);
  assert.equal(h.elector.status().isLeader, true);
  h.lock.assertDone();
});

test('the leader renews every retry period, keeping acquireTime and the term', async () => {
  const h = scripted([...acquireSteps(), { op: 'update', reply: echo('v3') }, { op: 'update', reply: echo('v4') }]);
  const t0 = h.clock.nowMs();
  h.elector.start();
  await h.clock.advance(0);
  const acquiredAt = h.clock.wallTime();
  await h.clock.advance(2_000);
  await h.clock.advance(2_000);
  const renewals = h.lock.calls.slice(2);
  assert.deepEqual(renewals.map((c) => [c.atMs - t0, c.version]), [[2_000, 'v2'], [4_000, 'v3']]);
  assert.deepEqual(renewals[1]!.record!.acquireTime, acquiredAt);
  assert.deepEqual(renewals[1]!.record!.renewTime, h.clock.wallTime());
  assert.equal(renewals[1]!.record!.leaseTransitions, 4);
  assert.deepEqual([h.elector.fence().version, h.elector.fence().validForMs], ['v4', 6_000]);
  assert.equal(await h.metric('vnf_agent_lease_renew_duration_seconds'), 2);
  h.lock.assertDone();
});

test('a renewal that hits a stale version re-reads and renews when the lease still names us', async () => {
  const h = scripted([
    ...acquireSteps(),
    { op: 'update', reply: new LockConflictError() },
    { op: 'get', reply: versioned('v7', { holderIdentity: 'sprout-a', leaseTransitions: 4 }) },
    { op: 'update', reply: echo('v8') },
  ]);
  h.elector.start();
  await h.clock.advance(2_000);
  assert.equal(h.lock.calls.at(-1)!.version, 'v7');
  assert.equal(h.elector.fence().version, 'v8');
  h.lock.assertDone();
});

const losses: { name: string; steps: ScriptStep[]; reason: RegExp; leader: string | undefined }[] = [
  {
    name: 'the lease names someone else after a conflict',
    steps: [{ op: 'update', reply: new LockConflictError() }, { op: 'get', reply: versioned('v9', { holderIdentity: 'sprout-b' }) }],
    reason: /held by "sprout-b"/,
    leader: 'sprout-b',
  },
  { name: 'the lease was deleted', steps: [{ op: 'update', reply: new LockNotFoundError() }], reason: /deleted/, leader: 'sprout-a' },
];

for (const c of losses) {
  test(`the leader stops leading at once when ${c.name}`, async () => {
    let workSignal: AbortSignal | undefined;
    const h = scripted([...acquireSteps(), ...c.steps], { onStartedLeading: (signal) => void (workSignal = signal) });
    h.elector.start();
    await h.clock.advance(2_000);
    assert.equal(h.elector.status().isLeader, false);
    assert.equal(h.elector.status().leader, c.leader);
    assert.ok(workSignal?.aborted, 'leader work was not aborted');
    assert.ok(workSignal.reason instanceof NotLeaderError);
    assert.throws(() => h.elector.fence(), NotLeaderError);
    const stopped = h.events.filter((e) => e.event === 'stoppedLeading');
    assert.equal(stopped.length, 1);
    assert.match((stopped[0]!.payload as { reason: string }).reason, c.reason);
    assert.equal(await h.metric('vnf_agent_is_leader'), 0);
    h.lock.assertDone();
  });
}

test('without a successful renewal within the renew deadline the leader stops: work aborted, fence closed, hangs counted', async () => {
  let abortedAtMs: number | undefined;
  const h = scripted([...acquireSteps(), { op: 'update', reply: 'hang' }, { op: 'update', reply: 'hang' }], {
    onStartedLeading: (signal) => signal.addEventListener('abort', () => (abortedAtMs = h.clock.nowMs())),
  });
  const t0 = h.clock.nowMs();
  h.elector.start();
  await h.clock.advance(5_999);
  assert.equal(h.elector.fence().validForMs, 1);
  await h.clock.advance(1);
  assert.equal(abortedAtMs, t0 + 6_000);
  assert.throws(() => h.elector.fence(), /renew|does not hold/);
  assert.equal(h.elector.status().isLeader, false);
  assert.equal(await h.metric('vnf_agent_lease_renew_failures_total'), 2);
  assert.match(String(h.logged('Stopped leading')[0]?.reason), /no renewal succeeded within 6000ms/);
  h.lock.assertDone();
});

test('after a lost term the elector stays a standby and re-acquires only after a full observed lease duration', async () => {
  // retry 1 s so that a standby pass falls inside the old lease (client-go would reclaim its own record at once)
  const hangs: ScriptStep[] = [1, 2, 3, 4, 5].map(() => ({ op: 'update', reply: 'hang' }));
  // What the API server still holds: the record this elector wrote when it acquired the lease.
  const ownRecord = (): Reply => ({ version: 'v2', record: h.lock.calls[1]!.record! });
  const h = scripted([...acquireSteps(), ...hangs, { op: 'get', reply: ownRecord }, { op: 'get', reply: ownRecord }, { op: 'update', reply: echo('v3') }], {
    retryPeriodMs: 1_000,
  });
  const t0 = h.clock.nowMs();
  h.elector.start();
  await h.clock.advance(7_000);
  assert.equal(h.elector.status().isLeader, false);
  assert.equal(h.lock.calls.at(-1)!.op, 'get', 'must not reclaim its own record before the lease expires');
  await h.clock.advance(1_000);
  const retake = h.lock.calls.at(-1)!;
  assert.deepEqual([retake.op, retake.atMs - t0, retake.record!.leaseTransitions], ['update', 8_000, 5]);
  assert.equal(h.elector.status().isLeader, true);
  assert.deepEqual(h.events.map((e) => e.event), ['newLeader', 'startedLeading', 'stoppedLeading', 'startedLeading']);
  h.lock.assertDone();
});

const skews: { name: string; record: ReturnType<typeof versioned>; wallSkewMs?: number }[] = [
  { name: 'renewTime an hour in the future', record: versioned('v1', { renewTime: new Date('2026-11-27T13:00:00.000000Z') }) },
  { name: 'renewTime a day in the past', record: versioned('v1', { renewTime: new Date('2026-11-26T12:00:00.000000Z') }) },
  { name: 'our wall clock an hour ahead', record: versioned('v1'), wallSkewMs: 3_600_000 },
  { name: 'our wall clock an hour behind', record: versioned('v1'), wallSkewMs: -3_600_000 },
  { name: 'a malformed duration (our own is used)', record: versioned('v1', { leaseDurationSeconds: Number.NaN }) },
];

for (const c of skews) {
  test(`takeover waits a full observed lease duration with ${c.name}`, async () => {
    const gets: ScriptStep[] = [0, 2, 4, 6, 8].map(() => ({ op: 'get', reply: c.record }));
    const h = scripted([...gets, { op: 'update', reply: echo('v2') }]);
    if (c.wallSkewMs) h.clock.skewWall(c.wallSkewMs);
    const t0 = h.clock.nowMs();
    h.elector.start();
    await h.clock.advance(7_999);
    assert.equal(h.elector.status().isLeader, false);
    assert.equal(h.elector.status().leader, 'sprout-b');
    await h.clock.advance(1);
    const update = h.lock.calls.at(-1)!;
    assert.deepEqual([update.op, update.atMs - t0, update.record!.leaseTransitions], ['update', 8_000, 4]);
    assert.equal(h.events.filter((e) => e.event === 'newLeader').length, 2, 'sprout-b then sprout-a, each once');
    assert.equal(await h.metric('vnf_agent_lease_transitions_total'), 1);
    h.lock.assertDone();
  });
}

test('a record that changes restarts the observed lease duration', async () => {
  const replies = ['v1', 'v1', 'v2', 'v2', 'v2', 'v2', 'v2'].map((v): ScriptStep => ({ op: 'get', reply: versioned(v) }));
  const h = scripted([...replies, { op: 'update', reply: echo('v3') }]);
  const t0 = h.clock.nowMs();
  h.elector.start();
  await h.clock.advance(11_999);
  assert.equal(h.elector.status().isLeader, false);
  await h.clock.advance(1);
  assert.equal(h.lock.calls.at(-1)!.atMs - t0, 12_000);
  assert.equal(h.elector.status().isLeader, true);
  h.lock.assertDone();
});
