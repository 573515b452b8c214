import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Member, MemberState } from '../../agent/model/vnfcluster.js';
import { nextState, type PodFacts } from '../../agent/membership/state.js';
import { buildView, describeChanges, emptyView, sameMembership, type ClusterView } from '../../agent/membership/view.js';
import { addressablePeers, routablePeers } from '../../agent/membership/peers.js';
import { pod } from '../support/membership-fakes.js';

const ready = { ip: '10.0.0.11', ready: true };

const transitions: { name: string; from: MemberState | undefined; facts: Partial<PodFacts>; to: MemberState }[] = [
  { name: 'a new pod without IP is joining', from: undefined, facts: {}, to: 'joining' },
  { name: 'a new pod with IP but not ready is joining', from: undefined, facts: { ip: '10.0.0.11' }, to: 'joining' },
  { name: 'a new pod ready but without IP is joining', from: undefined, facts: { ready: true }, to: 'joining' },
  { name: 'a new pod ready with IP is active', from: undefined, facts: ready, to: 'active' },
  { name: 'joining stays joining until ready', from: 'joining', facts: { ip: '10.0.0.11' }, to: 'joining' },
  { name: 'joining becomes active when ready with IP', from: 'joining', facts: ready, to: 'active' },
  { name: 'joining becomes leaving when drained before it was ready', from: 'joining', facts: { drainingAnnotation: true }, to: 'leaving' },
  { name: 'joining becomes leaving when deleted', from: 'joining', facts: { deleting: true }, to: 'leaving' },
  { name: 'active stays active while ready', from: 'active', facts: ready, to: 'active' },
  { name: 'active stays active (not joining) when readiness fails', from: 'active', facts: { ip: '10.0.0.11', ready: false }, to: 'active' },
  { name: 'active becomes leaving on the draining annotation', from: 'active', facts: { ...ready, drainingAnnotation: true }, to: 'leaving' },
  { name: 'active becomes leaving on deletion', from: 'active', facts: { ...ready, deleting: true }, to: 'leaving' },
  { name: 'a new pod already terminating is leaving', from: undefined, facts: { ...ready, deleting: true }, to: 'leaving' },
  { name: 'leaving never returns to active, even when the annotation is removed', from: 'leaving', facts: ready, to: 'leaving' },
  { name: 'leaving never returns to joining', from: 'leaving', facts: {}, to: 'leaving' },
];

for (const t of transitions) {
  test(`state: ${t.name}`, () => {
    assert.equal(nextState(t.from, pod('sprout-0', t.facts)), t.to);
  });
}

function member(name: string, state: MemberState, ip = '10.0.0.1', isReady = state === 'active'): Member {
  return { pod: name, ip, state, ready: isReady };
}

test('view: members are sorted by pod name and frozen', () => {
  const view = buildView('sprout', [pod('sprout-b', ready), pod('sprout-a'), pod('sprout-10', ready)]);
  assert.deepEqual(
    view.members.map((m) => m.pod),
    ['sprout-10', 'sprout-a', 'sprout-b'],
  );
  assert.ok(Object.isFrozen(view) && Object.isFrozen(view.members) && Object.isFrozen(view.members[0]));
  assert.throws(() => {
    (view.members as Member[]).push(member('x', 'active'));
  }, TypeError);
});

test('view: a pod missing from the list is gone', () => {
  const before = buildView('sprout', [pod('sprout-0', ready), pod('sprout-1', { ...ready, deleting: true })]);
  const after = buildView('sprout', [pod('sprout-0', ready)], before);
  assert.deepEqual(after.members, [member('sprout-0', 'active', '10.0.0.11')]);
  assert.deepEqual(describeChanges(before, after), ['sprout-1 gone']);
});

test('view: a recreated pod with the same name starts over instead of staying leaving', () => {
  const old = buildView('sprout', [pod('sprout-0', { ...ready, deleting: true })]);
  const recreated = buildView('sprout', [pod('sprout-0', { ...ready, createdAt: '2026-11-27T12:05:00Z' })], old);
  assert.equal(recreated.members[0]?.state, 'active');
  const sameOne = buildView('sprout', [pod('sprout-0', ready)], old);
  assert.equal(sameOne.members[0]?.state, 'leaving');
});

const generations: { name: string; next: PodFacts[]; bumps: boolean }[] = [
  { name: 'the same pods again', next: [pod('sprout-0', ready), pod('sprout-1')], bumps: false },
  { name: 'the same pods listed in another order', next: [pod('sprout-1'), pod('sprout-0', ready)], bumps: false },
  { name: 'a pod added', next: [pod('sprout-0', ready), pod('sprout-1'), pod('sprout-2')], bumps: true },
  { name: 'a pod removed', next: [pod('sprout-0', ready)], bumps: true },
  { name: 'an IP assigned', next: [pod('sprout-0', ready), pod('sprout-1', { ip: '10.0.0.12' })], bumps: true },
  { name: 'a state change', next: [pod('sprout-0', { ...ready, drainingAnnotation: true }), pod('sprout-1')], bumps: true },
  { name: 'a readiness change', next: [pod('sprout-0', { ip: '10.0.0.11' }), pod('sprout-1')], bumps: true },
  { name: 'only createdAt of a known pod differs but state is the same', next: [pod('sprout-0', { ...ready, createdAt: 'later' }), pod('sprout-1')], bumps: false },
];

for (const g of generations) {
  test(`generation ${g.bumps ? 'moves' : 'stays'} on ${g.name}`, () => {
    const first = buildView('sprout', [pod('sprout-0', ready), pod('sprout-1')], emptyView('sprout', 41));
    assert.equal(first.generation, 42);
    const next = buildView('sprout', g.next, first);
    assert.equal(next.generation, g.bumps ? 43 : 42);
    assert.equal(sameMembership(first.members, next.members), !g.bumps);
  });
}

test('sameMembership ignores load but not readiness', () => {
  const a = [member('sprout-0', 'active')];
  assert.ok(sameMembership(a, [{ ...member('sprout-0', 'active'), load: 0.7 }]));
  assert.ok(!sameMembership(a, [member('sprout-0', 'active', '10.0.0.1', false)]));
  assert.ok(!sameMembership(a, []));
});

test('describeChanges names each change once', () => {
  const before = buildView('sprout', [pod('sprout-0', ready), pod('sprout-1', { ...ready, ip: '10.0.0.12' }), pod('sprout-2', { ip: '10.0.0.13' })]);
  const after = buildView('sprout', [pod('sprout-0', { ...ready, drainingAnnotation: true }), pod('sprout-1', { ip: '10.0.0.12' }), pod('sprout-2', { ...ready, ip: '10.0.0.13' }), pod('sprout-3')], before);
  assert.deepEqual(describeChanges(before, after), ['sprout-0 leaving', 'sprout-1 not ready', 'sprout-2 active', 'sprout-3 joining']);
});

function view(cluster: string, members: Member[]): ClusterView {
  return { cluster, generation: 1, members, incarnations: new Map() };
}

test('upstream peers: only active, ready members with an IP, across upstream clusters', () => {
  const scscf = view('scscf', [
    member('scscf-0', 'active', '10.0.1.1'),
    member('scscf-1', 'leaving', '10.0.1.2', true),
    member('scscf-2', 'joining', '10.0.1.3'),
    member('scscf-3', 'active', '10.0.1.4', false),
    member('scscf-4', 'active', ''),
  ]);
  const icscf = view('icscf', [member('icscf-0', 'active', '10.0.2.1')]);
  assert.deepEqual(
    routablePeers([scscf, icscf]).map((p) => `${p.cluster}/${p.pod}`),
    ['scscf/scscf-0', 'icscf/icscf-0'],
  );
  assert.deepEqual(
    addressablePeers([scscf]).map((p) => p.pod),
    ['scscf-0', 'scscf-1', 'scscf-2', 'scscf-3'],
  );
});

test('a Sprout that starts leaving stops being an upstream peer in the very next view', () => {
  const steady = buildView('sprout', [pod('sprout-0', ready), pod('sprout-1', { ...ready, ip: '10.0.0.12' })]);
  const draining = buildView('sprout', [pod('sprout-0', { ...ready, drainingAnnotation: true }), pod('sprout-1', { ...ready, ip: '10.0.0.12' })], steady);
  assert.deepEqual(
    routablePeers([steady]).map((p) => p.pod),
    ['sprout-0', 'sprout-1'],
  );
  assert.deepEqual(
    routablePeers([draining]).map((p) => p.pod),
    ['sprout-1'],
  );
});
