import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditEntry } from '../support/controlplane.js';
import { leaseHistory, overlappingBeliefs, replicasOutside, sidecarWrites, staleLeaderWrites, strayPodWrites, unconditionalWrites } from './invariants.js';
import type { BeliefSample } from './observe.js';
import { planFaults } from './schedule.js';

/** The chaos judges must catch what they claim to: fed with made-up evidence of each kind of violation. */
const NS = 'chaos-1';
const t = (s: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const entry = (pod: string, s: number, resource: string, verb: string, code = 200, holder?: string, subresource?: string): AuditEntry =>
  ({
    verb, user: { username: `system:serviceaccount:${NS}:${pod}` }, objectRef: { resource, namespace: NS, name: 'x', ...(subresource ? { subresource } : {}) },
    responseStatus: { code }, requestReceivedTimestamp: t(s), stageTimestamp: t(s), ...(holder !== undefined ? { requestObject: { spec: { holderIdentity: holder, leaseTransitions: 0 } } } : {}),
  });

test('a clean history: renewals, an expiry takeover, writes by the holder only', () => {
  const writes = sidecarWrites([
    entry('a', 0, 'leases', 'create', 201, 'a'), entry('a', 2, 'leases', 'update', 200, 'a'), entry('a', 3, 'vnfclusters', 'patch', 200, undefined, 'status'),
    entry('b', 5, 'leases', 'update', 409, 'b'), entry('b', 11, 'leases', 'update', 200, 'b'), entry('b', 12, 'deployments', 'patch', 200, undefined, 'scale'),
    entry('kube', 12, 'pods', 'patch'),
  ], NS);
  const h = leaseHistory(writes, 8_000);
  assert.deepEqual(h.violations, []);
  assert.deepEqual(h.changes.map((c) => c.holder), ['a', 'b']);
  assert.deepEqual(staleLeaderWrites(writes, h.changes, () => undefined), []);
});

test('a leader-only write after the lease was taken is caught, with the writer\'s belief', () => {
  const writes = sidecarWrites([
    entry('a', 0, 'leases', 'create', 201, 'a'), entry('b', 9, 'leases', 'update', 200, 'b'), entry('a', 10, 'deployments', 'patch', 200, undefined, 'scale'),
  ], NS);
  const h = leaseHistory(writes, 8_000);
  const belief: BeliefSample = { pod: 'a', pid: 1, sentAt: 0, at: Date.parse(t(9)), isLeader: true, leader: 'a', lastRenewAgeMs: 5_000 };
  const [v] = staleLeaderWrites(writes, h.changes, () => belief);
  assert.match(v ?? '', /a patch deployments\/scale while the lease was held by b.*isLeader=true, lastRenewAgeMs=5000/);
});

test('an early takeover, a lease written for another and a foreign release are caught', () => {
  const writes = sidecarWrites([
    entry('a', 0, 'leases', 'create', 201, 'a'), entry('b', 3, 'leases', 'update', 200, 'b'), entry('c', 20, 'leases', 'update', 200, 'a'), entry('b', 30, 'leases', 'update', 200, ''),
  ], NS);
  const { violations } = leaseHistory(writes, 8_000);
  assert.equal(violations.length, 3, violations.join('\n'));
  assert.match(violations[0] ?? '', /b took the lease from a only 3000 ms/);
  assert.match(violations[1] ?? '', /c wrote the lease naming a/);
  assert.match(violations[2] ?? '', /b released a lease held by a/);
});

test('an early takeover is proper on proof of death: the holder\'s process exited in its term, before the takeover reached the server', () => {
  const writes = sidecarWrites([
    entry('a', 0, 'leases', 'create', 201, 'a'), entry('a', 2, 'leases', 'update', 200, 'a'), entry('b', 4, 'leases', 'update', 200, 'b'),
    entry('b', 6, 'leases', 'update', 200, 'b'), entry('a', 8, 'leases', 'update', 200, 'a'),
  ], NS);
  const died = (pod: string, s: number) => ({ pod, at: Date.parse(t(s)) });
  // a died at 3 s: b's takeover at 4 s is proven; a's takeover at 8 s from b (alive) is early and unproven.
  const h = leaseHistory(writes, 8_000, [died('a', 3)]);
  assert.equal(h.proven, 1);
  assert.equal(h.violations.length, 1, h.violations.join('\n'));
  assert.match(h.violations[0] ?? '', /a took the lease from b only 2000 ms.*no proof that b's process died/);
  // A death after the takeover reached the server, or before the holder's term began, proves nothing.
  assert.equal(leaseHistory(writes.slice(0, 3), 8_000, [died('a', 5)]).violations.length, 1);
  assert.equal(leaseHistory(writes.slice(2, 5), 8_000, [died('b', 3)]).violations.length, 1);
});

/** A pod patch as the chaos audit policy records it: the target pod and the request body. */
const podPatch = (by: string, s: number, target: string, annotations: Record<string, string>, resourceVersion?: string, code = 200): AuditEntry =>
  ({
    ...entry(by, s, 'pods', 'patch', code), objectRef: { resource: 'pods', namespace: NS, name: target },
    requestObject: { metadata: { annotations, ...(resourceVersion !== undefined ? { resourceVersion } : {}) } },
  }) as AuditEntry;
const COST = { 'controller.kubernetes.io/pod-deletion-cost': '-2147483647' };
const LEAVING = { 'vnf-agent.dev/draining': 'true' };

test('pod annotations: the deletion cost and marking another pod leaving are leader-only writes; a stale leader writing them is caught', () => {
  const writes = sidecarWrites([
    entry('a', 0, 'leases', 'create', 201, 'a'), podPatch('a', 2, 'c', LEAVING, '41'), podPatch('a', 3, 'c', COST, '42'),
    entry('b', 9, 'leases', 'update', 200, 'b'), podPatch('a', 10, 'c', COST, '43'), podPatch('a', 11, 'd', LEAVING, '44'),
  ], NS);
  const h = leaseHistory(writes, 8_000);
  const violations = staleLeaderWrites(writes, h.changes, () => undefined);
  assert.equal(violations.length, 2, violations.join('\n'));
  assert.match(violations[0] ?? '', /a patch pods c while the lease was held by b/);
  assert.match(violations[1] ?? '', /a patch pods d while the lease was held by b/);
});

test('pod annotations: a pod marking itself leaving is its own drain, allowed with or without the lease', () => {
  const writes = sidecarWrites([entry('a', 0, 'leases', 'create', 201, 'a'), podPatch('c', 2, 'c', LEAVING, '41'), podPatch('a', 3, 'a', LEAVING, '42')], NS);
  const h = leaseHistory(writes, 8_000);
  assert.deepEqual(staleLeaderWrites(writes, h.changes, () => undefined), []);
  assert.deepEqual(strayPodWrites(writes), []);
  assert.deepEqual(unconditionalWrites(writes), []);
});

test('pod annotations: a write without the resourceVersion just read, or any other pod write, is caught', () => {
  const writes = sidecarWrites([
    entry('a', 0, 'leases', 'create', 201, 'a'), podPatch('a', 2, 'c', COST), podPatch('c', 3, 'c', LEAVING, ''),
    podPatch('c', 4, 'c', { 'vnf-agent.dev/draining': 'true', other: 'x' }, '45'), podPatch('a', 5, 'c', COST, '46', 409),
    entry('a', 6, 'deployments', 'patch', 200, undefined, 'scale'),
  ], NS);
  const unconditional = unconditionalWrites(writes);
  assert.equal(unconditional.length, 3, unconditional.join('\n'));
  assert.match(unconditional[0] ?? '', /a patch pods c without a resourceVersion/);
  assert.match(unconditional[1] ?? '', /c patch pods c without a resourceVersion/);
  assert.match(unconditional[2] ?? '', /a patch deployments\/scale: its request body was not audited/);
  const stray = strayPodWrites(writes);
  assert.equal(stray.length, 1, stray.join('\n'));
  assert.match(stray[0] ?? '', /c patch pods c \(other, vnf-agent.dev\/draining\): neither a leader write nor its own leaving mark/);
});

test('two fresh leader beliefs over overlapping intervals are caught; a stale one is not', () => {
  const s = (pod: string, sentAt: number, at: number, age: number): BeliefSample => ({ pod, pid: 1, sentAt, at, isLeader: true, leader: pod, lastRenewAgeMs: age });
  assert.equal(overlappingBeliefs([s('a', 0, 50, 100), s('b', 20, 60, 100)], 6_000).length, 1);
  assert.equal(overlappingBeliefs([s('a', 0, 50, 100), s('b', 20, 60, 7_000)], 6_000).length, 0);
  assert.equal(overlappingBeliefs([s('a', 0, 50, 100), s('b', 60, 90, 100)], 6_000).length, 0);
});

test('replicas outside [min, max] are caught', () => {
  assert.equal(replicasOutside([{ at: 0, replicas: 2 }, { at: 1, replicas: 5 }, { at: 2, replicas: 1 }], 2, 4).length, 2);
});

test('the schedule is a function of the seed, with 100+ faults in two minutes and every kind', () => {
  const a = planFaults(11, 120_000, 3);
  assert.deepEqual(a, planFaults(11, 120_000, 3));
  assert.notDeepEqual(a, planFaults(12, 120_000, 3));
  assert.ok(a.length >= 130, `${a.length} draws`);
  assert.deepEqual(new Set(a.map((d) => d.kind)), new Set(['latency', 'reset', 'freeze', 'partition', 'sigstop', 'sigkill']));
});
