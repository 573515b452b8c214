import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseVictim, type VictimCandidate } from '../../agent/scaling/victim.js';

const HOUR = 3_600_000;
function member(pod: string, over: Partial<VictimCandidate> = {}): VictimCandidate {
  return { pod, ready: true, utilization: 0.5, createdAtMs: 10 * HOUR, isLeader: false, ...over };
}

const rows: { name: string; members: VictimCandidate[]; victim: string | null; handOver: boolean; reason: RegExp }[] = [
  { name: 'a not-ready pod goes first, even when busier', members: [member('a', { utilization: 0.1 }), member('b', { ready: false, utilization: 0.9 })], victim: 'b', handOver: false, reason: /^chose b: it is not ready$/ },
  { name: 'among ready pods the least loaded goes', members: [member('a', { utilization: 0.7 }), member('b', { utilization: 0.2 }), member('c', { utilization: 0.4 })], victim: 'b', handOver: false, reason: /^chose b: it has the least load \(0\.20\)$/ },
  { name: 'equal load: the newest goes', members: [member('old', { createdAtMs: 1 * HOUR }), member('new', { createdAtMs: 5 * HOUR })], victim: 'new', handOver: false, reason: /^chose new: it is the newest of the least-loaded ready members \(load 0\.50\)$/ },
  { name: 'an unknown load sorts after every known load', members: [member('silent', { utilization: null }), member('busy', { utilization: 1.9 })], victim: 'busy', handOver: false, reason: /^chose busy: it has the least load \(1\.90\)$/ },
  { name: 'the leader is passed over while others can go', members: [member('leader', { isLeader: true, utilization: 0 }), member('b', { utilization: 0.9 })], victim: 'b', handOver: false, reason: /^chose b:/ },
  { name: 'the leader alone must hand over first', members: [member('leader', { isLeader: true })], victim: 'leader', handOver: true, reason: /^the leader leader is the only candidate, so it hands over leadership before it drains$/ },
  { name: 'a not-ready leader among ready pods goes, handing over first', members: [member('leader', { isLeader: true, ready: false, utilization: 0.9 }), member('b', { utilization: 0 })], victim: 'leader', handOver: true, reason: /^the leader leader is the only member not ready \(it carries no calls\), so it hands over leadership before it drains$/ },
  { name: 'a not-ready leader is still passed over for another not-ready pod', members: [member('leader', { isLeader: true, ready: false }), member('b', { ready: false }), member('c')], victim: 'b', handOver: false, reason: /^chose b: it is not ready$/ },
  { name: 'members already leaving are never chosen twice', members: [member('a', { state: 'leaving', ready: false }), member('b', { utilization: 0.6 }), member('c', { utilization: 0.8 })], victim: 'b', handOver: false, reason: /^chose b: it has the least load/ },
  { name: 'the leader and a leaving pod: the leader hands over', members: [member('a', { state: 'leaving' }), member('l', { isLeader: true })], victim: 'l', handOver: true, reason: /only candidate/ },
  { name: 'nobody left to choose', members: [member('a', { state: 'leaving' })], victim: null, handOver: false, reason: /^no member can leave/ },
  { name: 'an empty cluster', members: [], victim: null, handOver: false, reason: /^no member can leave/ },
  { name: 'full tie: the pod name decides, so every run agrees', members: [member('z'), member('m'), member('q')], victim: 'm', handOver: false, reason: /^chose m: it is the newest/ },
];

for (const row of rows) {
  test(`chooseVictim: ${row.name}`, () => {
    const choice = chooseVictim(row.members);
    assert.equal(choice.victim, row.victim, choice.reason);
    assert.equal(choice.leaderMustHandOver, row.handOver);
    assert.match(choice.reason, row.reason);
  });
}

test('chooseVictim does not reorder the caller\'s array', () => {
  const list = [member('a', { utilization: 0.9 }), member('b', { utilization: 0.1 })];
  chooseVictim(list);
  assert.deepEqual(list.map((m) => m.pod), ['a', 'b']);
});
