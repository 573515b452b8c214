import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LeaderElectorOptions } from '../../agent/election/elector.js';
import { FakeClock } from '../support/fake-clock.js';
import { MemoryLeaseStore, type MemoryLeaseHandle } from '../support/fake-lease-lock.js';
import { electorOver, type Harness } from '../support/election-harness.js';

interface Member extends Harness {
  readonly identity: string;
  readonly handle: MemoryLeaseHandle;
}

/** A seeded pseudo-random source, so every elector jitters differently but every run is the same. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

function cluster(over: Partial<LeaderElectorOptions> = {}, names = ['sprout-a', 'sprout-b', 'sprout-c']) {
  const clock = new FakeClock();
  const store = new MemoryLeaseStore();
  const members: Member[] = names.map((identity, i) => {
    const handle = store.handle();
    return { identity, handle, ...electorOver(handle, { identity, watch: true, random: seeded(i + 7), ...over }, clock) };
  });
  /** Instants at which a term started while another elector could still pass fence(). */
  const overlaps: string[] = [];
  for (const m of members) {
    m.elector.on('startedLeading', () => {
      const others = fenced(members).filter((o) => o !== m);
      if (others.length > 0) overlaps.push(`${m.identity} started while ${others.map((o) => o.identity).join()} passed fence() at ${clock.nowMs()}`);
    });
  }
  return { clock, store, members, overlaps };
}

function leaders(members: Member[]): Member[] {
  return members.filter((m) => m.elector.status().isLeader);
}

function fenced(members: Member[]): Member[] {
  return members.filter((m) => {
    try {
      m.elector.fence();
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Advances fake time in steps, asserting after each one that at most one
 * elector passes fence(); returns when `until` holds or fails at the deadline.
 */
async function stepUntil(clock: FakeClock, members: Member[], deadlineMs: number, until: () => boolean = () => false): Promise<number> {
  const end = clock.nowMs() + deadlineMs;
  while (clock.nowMs() < end) {
    await clock.advance(50);
    const passing = fenced(members);
    assert.ok(passing.length <= 1, `two electors pass fence() at ${clock.nowMs()}: ${passing.map((m) => m.identity).join()}`);
    if (until()) return clock.nowMs();
  }
  return clock.nowMs();
}

test('three electors converge on exactly one leader, and it stays leader', async () => {
  const { clock, store, members, overlaps } = cluster();
  for (const m of members) m.elector.start();
  await stepUntil(clock, members, 1_000, () => leaders(members).length === 1);
  const [leader] = leaders(members);
  assert.ok(leader, 'no leader within 1 s');
  for (const m of members) assert.equal(m.elector.status().leader, leader.identity, `${m.identity} disagrees`);
  await stepUntil(clock, members, 60_000);
  assert.deepEqual(leaders(members), [leader], 'leadership moved without a failure');
  assert.equal(store.read()!.record.leaseTransitions, 0);
  assert.deepEqual(overlaps, []);
});

const loads: { name: string; watch: boolean; check: (gets: number) => boolean; expect: string }[] = [
  { name: 'watch mode standbys make (almost) no reads', watch: true, check: (gets) => gets <= 2, expect: '<= 2' },
  { name: 'poll mode standbys read every 2-4.4 s each', watch: false, check: (gets) => gets >= 2 * Math.floor(60_000 / 4_400), expect: '>= 26' },
];

for (const c of loads) {
  test(`over a minute of steady leadership, ${c.name}`, async () => {
    const { clock, store, members } = cluster({ watch: c.watch });
    for (const m of members) m.elector.start();
    await stepUntil(clock, members, 10_000);
    const before = { ...store.counts };
    await stepUntil(clock, members, 60_000);
    const gets = store.counts.get - before.get;
    assert.ok(c.check(gets), `${gets} reads, expected ${c.expect}`);
    assert.equal(store.counts.update - before.update, 30, 'the leader renews every 2 s');
  });
}

test('a killed leader (no release) is replaced within lease duration + retry period, never earlier than its lease allows', async () => {
  const { clock, store, members, overlaps } = cluster();
  let lastWriteAtMs = 0;
  store.watch(() => (lastWriteAtMs = clock.nowMs()));
  for (const m of members) m.elector.start();
  await stepUntil(clock, members, 5_000);
  const [old] = leaders(members);
  assert.ok(old);
  const killedAtMs = clock.nowMs();
  const lastRenewAtMs = lastWriteAtMs;
  await old.elector.stop({ release: false });
  const rest = members.filter((m) => m !== old);
  const at = await stepUntil(clock, members, 8_000 + 2_000 + 50, () => leaders(rest).length === 1);
  assert.equal(leaders(rest).length, 1, 'no new leader in time');
  assert.ok(at - killedAtMs <= 8_000 + 2_000, `took ${at - killedAtMs}ms`);
  assert.ok(at >= lastRenewAtMs + 8_000, `took over ${at - lastRenewAtMs}ms after the last renewal`);
  assert.equal(store.read()!.record.leaseTransitions, 1);
  assert.deepEqual(overlaps, []);
});

const releases: { name: string; watch: boolean; immediate: boolean }[] = [
  { name: 'at once in watch mode', watch: true, immediate: true },
  { name: 'only at its next poll in poll mode', watch: false, immediate: false },
];

for (const c of releases) {
  test(`a graceful stop releases the lease and a standby takes it ${c.name}`, async () => {
    const { clock, store, members } = cluster({ watch: c.watch }, ['sprout-a', 'sprout-b']);
    for (const m of members) m.elector.start();
    await stepUntil(clock, members, 3_000);
    const [old] = leaders(members);
    const standby = members.find((m) => m !== old)!;
    await old!.elector.stop();
    await clock.advance(0);
    assert.equal(standby.elector.status().isLeader, c.immediate);
    const at = await stepUntil(clock, members, 2_000 * 2.2, () => standby.elector.status().isLeader);
    assert.equal(standby.elector.status().isLeader, true, `no takeover by ${at}`);
    assert.equal(store.read()!.record.holderIdentity, standby.identity);
  });
}

test('through partitions and restarts, no two electors ever pass fence() and a partitioned leader returns to standby', async () => {
  const { clock, members, overlaps } = cluster();
  for (const m of members) m.elector.start();
  const seen = new Set<string>();
  for (let round = 0; round < 6; round++) {
    await stepUntil(clock, members, 12_000, () => leaders(members).length === 1);
    const [leader] = leaders(members);
    assert.ok(leader, `round ${round}: no leader`);
    seen.add(leader.identity);
    leader.handle.partitioned = true; // its calls hang, its watch goes quiet
    await stepUntil(clock, members, 6_000 + 50, () => !leader.elector.status().isLeader);
    assert.equal(leader.elector.status().isLeader, false, 'a partitioned leader must stop leading by its renew deadline');
    await stepUntil(clock, members, 4_000);
    leader.handle.partitioned = false;
  }
  assert.ok(seen.size >= 2, `leadership never moved: ${[...seen].join()}`);
  assert.deepEqual(overlaps, []);
  for (const m of members) assert.equal(m.logged('Election pass failed unexpectedly').length, 0);
});
