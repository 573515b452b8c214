import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NotLeaderError } from '../../agent/election/errors.js';
import { FakeClock } from '../support/fake-clock.js';
import { MemoryLeaseStore } from '../support/fake-lease-lock.js';
import { electorOver, TIMING } from '../support/election-harness.js';

test('handOver: the leader releases at the version just read, a standby takes the lease, and the old leader does not compete for a lease duration', async () => {
  const clock = new FakeClock();
  const store = new MemoryLeaseStore();
  let workDoneAtMs: number | undefined;
  const a = electorOver(store.handle(), {
    identity: 'sprout-a', watch: true,
    onStartedLeading: async (signal) => {
      await new Promise((resolve) => signal.addEventListener('abort', resolve));
      await clock.sleep(300); // the pass in flight finishes
      workDoneAtMs = clock.nowMs();
    },
  }, clock);
  a.elector.start();
  await clock.advance(0);
  assert.equal(a.elector.status().isLeader, true);
  const b = electorOver(store.handle(), { identity: 'sprout-b', watch: true }, clock);
  b.elector.start();
  await clock.advance(1_000);
  assert.equal(b.elector.status().isLeader, false);

  const t0 = clock.nowMs();
  const handed = a.elector.handOver();
  assert.throws(() => a.elector.fence(), NotLeaderError);
  assert.equal(store.read()!.record.holderIdentity, 'sprout-a', 'released before leader work settled');
  await clock.advance(300);
  assert.equal(await handed, 'Released the lease');
  assert.equal(workDoneAtMs, t0 + 300);
  await clock.advance(0);
  // The watch woke the standby at once: no lease duration to wait out.
  assert.equal(b.elector.status().isLeader, true);
  assert.equal(store.read()!.record.holderIdentity, 'sprout-b');
  assert.equal(a.elector.status().isLeader, false);
  await a.elector.stop();
  await b.elector.stop();
});

test('handOver with no standby: the old leader stays out for a lease duration, then takes the released lease back', async () => {
  const clock = new FakeClock();
  const store = new MemoryLeaseStore();
  const a = electorOver(store.handle(), { identity: 'sprout-a', watch: true }, clock);
  a.elector.start();
  await clock.advance(0);
  const t0 = clock.nowMs();
  assert.equal(await a.elector.handOver(), 'Released the lease');
  assert.equal(store.read()!.record.holderIdentity, '');
  await clock.advance(TIMING.leaseDurationMs - 1);
  assert.equal(a.elector.status().isLeader, false, 'competed again before a lease duration passed');
  assert.equal(store.read()!.record.holderIdentity, '');
  await clock.advance(TIMING.retryPeriodMs * 3);
  assert.equal(a.elector.status().isLeader, true);
  assert.ok(a.logged('Started leading').length === 2 && clock.nowMs() - t0 >= TIMING.leaseDurationMs);
  await a.elector.stop();
});

test('handOver is refused by a standby', async () => {
  const store = new MemoryLeaseStore();
  store.seed({ holderIdentity: 'sprout-b', leaseDurationSeconds: 8, acquireTime: new Date(), renewTime: new Date(), leaseTransitions: 0 });
  const a = electorOver(store.handle(), { identity: 'sprout-a' });
  a.elector.start();
  await a.clock.advance(0);
  assert.match(await a.elector.handOver(), /not leading/);
  assert.equal(store.read()!.record.holderIdentity, 'sprout-b');
  await a.elector.stop();
});
