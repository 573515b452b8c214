import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeaderElector, type LeaderElectorOptions } from '../../agent/election/elector.js';
import { ElectionConfigError, NotLeaderError } from '../../agent/election/errors.js';
import { LockConflictError } from '../../agent/election/lock.js';
import { createLogger } from '../../agent/log/logger.js';
import { FakeClock } from '../support/fake-clock.js';
import { ScriptedLeaseLock, versioned, type ScriptStep } from '../support/fake-lease-lock.js';
import { scripted, TIMING } from '../support/election-harness.js';
import { memorySink } from '../support/log-sink.js';

const echo = (version: string): ScriptStep['reply'] => (call) => ({ version, record: call.record! });
const acquireSteps = (): ScriptStep[] => [
  { op: 'get', reply: versioned('v1', { holderIdentity: '', leaseDurationSeconds: 1 }) },
  { op: 'update', reply: echo('v2') },
];
/** The record as the API server holds it after this elector acquired it (call 1 of acquireSteps). */
const lastWritten = (lock: ScriptedLeaseLock, version: string) => (): ReturnType<typeof versioned> => ({
  version,
  record: lock.calls[1]!.record!,
});

test('watch mode: a standby sleeps until the observed expiry, and each renewal it sees moves that moment', async () => {
  const h = scripted([{ op: 'get', reply: versioned('v1') }, { op: 'get', reply: versioned('v2') }, { op: 'update', reply: echo('v3') }], { watch: true });
  const t0 = h.clock.nowMs();
  h.elector.start();
  await h.clock.advance(5_000);
  h.lock.emit(versioned('v2')); // sprout-b renewed
  await h.clock.advance(7_999);
  assert.equal(h.elector.status().isLeader, false);
  await h.clock.advance(1);
  assert.deepEqual(h.lock.calls.map((c) => [c.op, c.atMs - t0]), [['watch', 0], ['get', 0], ['get', 13_000], ['update', 13_000]]);
  assert.equal(h.elector.status().isLeader, true);
  h.lock.assertDone();
});

test('watch mode: a released lease is taken at once, without waiting for a retry tick', async () => {
  const h = scripted([{ op: 'get', reply: versioned('v1') }, { op: 'get', reply: versioned('v2', { holderIdentity: '' }) }, { op: 'update', reply: echo('v3') }], { watch: true });
  const t0 = h.clock.nowMs();
  h.elector.start();
  await h.clock.advance(3_000);
  h.lock.emit(versioned('v2', { holderIdentity: '', leaseDurationSeconds: 1 }));
  await h.clock.advance(0);
  assert.deepEqual(h.lock.calls.slice(2).map((c) => [c.op, c.atMs - t0]), [['get', 3_000], ['update', 3_000]]);
  assert.equal(h.elector.status().isLeader, true);
  h.lock.assertDone();
});

test('stop aborts leader work, waits for it to finish, then releases the lease at the version just read', async () => {
  let workDoneAtMs: number | undefined;
  const h = scripted([...acquireSteps()], {
    onStartedLeading: async (signal) => {
      await new Promise((resolve) => signal.addEventListener('abort', resolve));
      await h.clock.sleep(500); // e.g. finishing a scale write already under way
      workDoneAtMs = h.clock.nowMs();
    },
  });
  h.elector.start();
  await h.clock.advance(1_000);
  h.lock.script({ op: 'get', reply: lastWritten(h.lock, 'v5') }, { op: 'update', reply: echo('v6') });
  const stopAtMs = h.clock.nowMs();
  const stopped = h.elector.stop();
  assert.throws(() => h.elector.fence(), NotLeaderError);
  await h.clock.advance(500);
  await stopped;
  const [get, release] = h.lock.calls.slice(2);
  assert.ok(get!.atMs >= workDoneAtMs!, 'released before leader work finished');
  assert.equal(workDoneAtMs, stopAtMs + 500);
  assert.equal(release!.version, 'v5');
  const wall = h.clock.wallTime();
  assert.deepEqual(release!.record, { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: wall, renewTime: wall, leaseTransitions: 4 });
  assert.match(String(h.logged('Stopped leading')[0]?.reason), /stopping/);
  assert.equal(h.logged('Released lease').length, 1);
  h.lock.assertDone();
});

test('release re-reads and retries after a conflict', async () => {
  const h = scripted(acquireSteps());
  h.elector.start();
  await h.clock.advance(0);
  h.lock.script(
    { op: 'get', reply: lastWritten(h.lock, 'v2') },
    { op: 'update', reply: new LockConflictError() },
    { op: 'get', reply: lastWritten(h.lock, 'v3') },
    { op: 'update', reply: echo('v4') },
  );
  await h.elector.stop();
  assert.equal(h.lock.calls.at(-1)!.version, 'v3');
  assert.equal(h.lock.calls.at(-1)!.record!.holderIdentity, '');
  h.lock.assertDone();
});

const silentStops: { name: string; over: Partial<LeaderElectorOptions>; release: boolean; lead: boolean; outcome: RegExp }[] = [
  { name: 'a standby', over: {}, release: true, lead: false, outcome: /standby/ },
  { name: 'a leader told not to release (a killed process)', over: {}, release: false, lead: true, outcome: /without releasing/ },
  {
    name: 'a leader whose work ignores its signal past the stop timeout',
    over: { stopTimeoutMs: 1_000, onStartedLeading: () => new Promise(() => undefined) },
    release: true,
    lead: true,
    outcome: /leader work still running after 1000ms/,
  },
];

for (const c of silentStops) {
  test(`stop makes no lock call for ${c.name}`, async () => {
    const h = scripted(c.lead ? acquireSteps() : [{ op: 'get', reply: versioned('v1') }], c.over);
    h.elector.start();
    await h.clock.advance(0);
    const stopped = h.elector.stop({ release: c.release });
    await h.clock.advance(1_000);
    await stopped;
    assert.match(String(h.logged('Stopped leader election')[0]?.outcome), c.outcome);
    h.lock.assertDone();
  });
}

test('check() fails only for a leader whose renewals stalled past lease duration + tolerance; fence() already refuses', async () => {
  const h = scripted(acquireSteps());
  assert.equal(h.elector.check(20_000), undefined, 'a standby is healthy');
  h.elector.start();
  await h.clock.advance(0);
  assert.equal(h.elector.check(20_000), undefined);
  h.clock.jump(28_001); // the process was starved: no timer ran
  assert.equal(h.elector.status().isLeader, true, 'the watchdog has not run yet');
  assert.throws(() => h.elector.fence(), /last renewal 28001ms ago/);
  assert.match(h.elector.check(20_000) ?? '', /last renewed 28001ms ago \(limit 28000ms\)/);
  assert.equal(h.elector.check(30_000), undefined);
});

test('the loop survives a throwing lock, a malformed record and a throwing listener', async () => {
  const malformed = { version: 'v1', record: { holderIdentity: undefined, leaseDurationSeconds: 'x', leaseTransitions: -2 } };
  const h = scripted([
    { op: 'get', reply: new TypeError('adapter bug') },
    { op: 'get', reply: malformed as unknown as ReturnType<typeof versioned> },
    { op: 'update', reply: echo('v2') },
  ]);
  h.elector.on('startedLeading', () => {
    throw new Error('listener bug');
  });
  h.elector.start();
  await h.clock.advance(2_000);
  assert.equal(h.elector.status().isLeader, true);
  assert.equal(h.lock.calls.at(-1)!.record!.leaseTransitions, 1);
  assert.equal(h.logged('Election listener failed').length, 1);
  assert.match(String((h.logged('Ran election pass')[0]?.err as { message?: string })?.message), /adapter bug/);
  h.lock.assertDone();
});

const invalid: { name: string; over: Partial<LeaderElectorOptions>; reason: RegExp }[] = [
  { name: 'lease not above renew deadline', over: { leaseDurationMs: 6_000 }, reason: /leaseDurationMs must be greater than renewDeadlineMs/ },
  { name: 'renew deadline not above 1.2 x retry', over: { renewDeadlineMs: 2_400, leaseDurationMs: 8_000 }, reason: /renewDeadlineMs must be greater than 1.2 x retryPeriodMs/ },
  { name: 'zero retry period', over: { retryPeriodMs: 0 }, reason: /retryPeriodMs must be greater than 0/ },
  { name: 'negative lease', over: { leaseDurationMs: -1 }, reason: /leaseDurationMs must be greater than 0/ },
  { name: 'NaN renew deadline', over: { renewDeadlineMs: Number.NaN }, reason: /renewDeadlineMs must be greater than 0/ },
  { name: 'empty identity', over: { identity: '' }, reason: /identity must not be empty/ },
  { name: 'request timeout not below renew deadline', over: { requestTimeoutMs: 6_000 }, reason: /requestTimeoutMs must be greater than 0 and less than renewDeadlineMs/ },
  { name: 'negative stop timeout', over: { stopTimeoutMs: -5 }, reason: /stopTimeoutMs must not be negative/ },
];

for (const c of invalid) {
  test(`the constructor rejects ${c.name}`, () => {
    const lock = new ScriptedLeaseLock([]);
    const build = () =>
      new LeaderElector({ identity: 'sprout-a', lock, clock: new FakeClock(), log: createLogger({ level: 'silent', destination: memorySink() }), ...TIMING, ...c.over });
    assert.throws(build, (err: unknown) => err instanceof ElectionConfigError && err.reasons.some((r) => c.reason.test(r)));
    lock.assertDone();
  });
}

test('the constructor accepts the schema defaults and the boundary just above 1.2 x retry', () => {
  const log = createLogger({ level: 'silent', destination: memorySink() });
  const lock = new ScriptedLeaseLock([]);
  for (const timing of [TIMING, { leaseDurationMs: 2_402, renewDeadlineMs: 2_401, retryPeriodMs: 2_000 }]) {
    assert.ok(new LeaderElector({ identity: 'sprout-a', lock, clock: new FakeClock(), log, ...timing }) instanceof LeaderElector);
  }
  lock.assertDone();
});
