import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LockConflictError } from '../../agent/election/lock.js';
import type { DeathProofPort, DeathVerdict, TermProcess } from '../../agent/election/proof.js';
import { versioned, type ScriptStep } from '../support/fake-lease-lock.js';
import { scripted } from '../support/election-harness.js';

const echo = (version: string): ScriptStep['reply'] => (call) => ({ version, record: call.record! });
const OWN: TermProcess = { pod: 'sprout-a', podUid: 'uid-a', container: 'vnf-agent', containerId: 'containerd://a1', restartCount: 0 };
const PROOF: DeathVerdict = { proof: true, reason: "leader's sidecar container terminated" };
const WAIT: DeathVerdict = { proof: false, reason: "the leader's sidecar container is running (it may be stopped, slow or cut off)" };

/**
 * A proof port that answers what the test says and bites on anything else:
 * it must never be asked about a record this elector holds itself.
 */
function proofPort(verdict: () => DeathVerdict, own: () => TermProcess | undefined = () => OWN) {
  const asked: string[] = [];
  const unexpected: string[] = [];
  const port: DeathProofPort = {
    ownProcess: own,
    judge: (record) => {
      asked.push(record.holderIdentity);
      if (record.holderIdentity === 'sprout-a' || record.holderIdentity === '') unexpected.push(`judged ${JSON.stringify(record.holderIdentity)}`);
      return verdict();
    },
  };
  return { port, asked, unexpected };
}

test('on proof of death a standby takes the lease at once, at the version it just read, as a new term', async () => {
  const p = proofPort(() => PROOF);
  const h = scripted([{ op: 'get', reply: versioned('v7') }, { op: 'update', reply: echo('v8') }], { deathProof: p.port });
  const t0 = h.clock.nowMs();
  h.elector.start();
  await h.clock.advance(0);
  const update = h.lock.calls[1]!;
  assert.deepEqual([update.op, update.version, update.atMs - t0], ['update', 'v7', 0]);
  assert.equal(update.record!.leaseTransitions, 4);
  assert.deepEqual(update.record!.process, OWN);
  assert.equal(h.elector.status().isLeader, true);
  assert.equal(h.elector.fence().term, 4);
  const pass = h.logged('Ran election pass').find((l) => /before it expired/.test(String(l.reason)));
  assert.equal(pass?.reason, "Acquired the lease (term 4) before it expired: leader's sidecar container terminated");
  assert.equal(pass?.level, 'info');
  assert.equal(await h.metric('vnf_agent_lease_takeovers_total'), 1);
  assert.match(await h.registry.metrics(), /vnf_agent_lease_takeovers_total\{how="proof"\} 1/);
  assert.deepEqual(p.unexpected, []);
  h.lock.assertDone();
});

test('the old process renewed in place after the proof was read: the conditional write loses and nobody else leads', async () => {
  const p = proofPort(() => PROOF);
  const h = scripted([{ op: 'get', reply: versioned('v7') }, { op: 'update', reply: new LockConflictError() }], { deathProof: p.port });
  h.elector.start();
  await h.clock.advance(0);
  assert.equal(h.elector.status().isLeader, false);
  assert.throws(() => h.elector.fence());
  assert.ok(h.logged('Ran election pass').some((l) => l.reason === 'Another candidate took the lease first'));
  assert.equal(await h.metric('vnf_agent_lease_takeovers_total'), 0);
  h.lock.assertDone();
});

test('without proof a standby waits for the full lease duration, then counts an expiry takeover', async () => {
  const p = proofPort(() => WAIT);
  const steps: ScriptStep[] = [{ op: 'get', reply: versioned('v7') }, { op: 'get', reply: versioned('v7') }, { op: 'get', reply: versioned('v7') }, { op: 'get', reply: versioned('v7') }, { op: 'get', reply: versioned('v7') }, { op: 'update', reply: echo('v8') }];
  const h = scripted(steps, { deathProof: p.port });
  const t0 = h.clock.nowMs();
  h.elector.start();
  await h.clock.advance(7_999);
  assert.equal(h.elector.status().isLeader, false);
  assert.ok(h.logged('Ran election pass').some((l) => String(l.reason).endsWith(`(${WAIT.reason})`)));
  await h.clock.advance(1);
  assert.deepEqual(h.lock.calls.map((c) => [c.op, c.atMs - t0]), [['get', 0], ['get', 2_000], ['get', 4_000], ['get', 6_000], ['get', 8_000], ['update', 8_000]]);
  assert.equal(h.elector.status().isLeader, true);
  assert.match(await h.registry.metrics(), /vnf_agent_lease_takeovers_total\{how="expiry"\} 1/);
  assert.match(await h.registry.metrics(), /vnf_agent_lease_takeovers_total\{how="proof"\} 0/);
  assert.deepEqual(p.unexpected, []);
  h.lock.assertDone();
});

test('a proof port that throws counts as no proof: the standby keeps waiting, and the loop lives', async () => {
  const p = proofPort(() => {
    throw new Error('boom');
  });
  const h = scripted([{ op: 'get', reply: versioned('v7') }, { op: 'get', reply: versioned('v7') }], { deathProof: p.port });
  h.elector.start();
  await h.clock.advance(2_000);
  assert.equal(h.elector.status().isLeader, false);
  assert.equal(h.logged('Could not judge whether the leader is dead').length, 2);
  h.lock.assertDone();
});

test('watch mode: a pod change that proves the holder dead wakes the standby at once; one that does not, does not', async () => {
  let verdict: DeathVerdict = WAIT;
  const p = proofPort(() => verdict);
  const h = scripted([{ op: 'get', reply: versioned('v7') }, { op: 'get', reply: versioned('v7') }, { op: 'update', reply: echo('v8') }], { deathProof: p.port, watch: true });
  const t0 = h.clock.nowMs();
  h.elector.start();
  await h.clock.advance(1_000);
  h.elector.podsChanged(); // still running: no pass
  await h.clock.advance(500);
  assert.equal(h.lock.calls.filter((c) => c.op === 'get').length, 1);
  verdict = PROOF;
  h.elector.podsChanged();
  await h.clock.advance(0);
  assert.deepEqual(h.lock.calls.map((c) => [c.op, c.atMs - t0]), [['watch', 0], ['get', 0], ['get', 1_500], ['update', 1_500]]);
  assert.equal(h.elector.status().isLeader, true);
  h.elector.podsChanged(); // a leader ignores pod changes
  assert.deepEqual(p.unexpected, []);
  h.lock.assertDone();
});

test('the term record: written at acquisition when known, else at the first renewal that knows it, then kept', async () => {
  let own: TermProcess | undefined;
  const p = proofPort(() => WAIT, () => own);
  const h = scripted([
    { op: 'get', reply: versioned('v1', { holderIdentity: '' }) },
    { op: 'update', reply: echo('v2') },
    { op: 'update', reply: echo('v3') },
    { op: 'update', reply: echo('v4') },
    { op: 'update', reply: echo('v5') },
  ], { deathProof: p.port });
  h.elector.start();
  await h.clock.advance(0);
  assert.equal(h.lock.calls[1]!.record!.process, undefined);
  await h.clock.advance(2_000);
  assert.equal(h.lock.calls[2]!.record!.process, undefined);
  own = OWN;
  await h.clock.advance(2_000);
  assert.deepEqual(h.lock.calls[3]!.record!.process, OWN);
  own = { ...OWN, containerId: 'containerd://stale-or-later' };
  await h.clock.advance(2_000);
  assert.deepEqual(h.lock.calls[4]!.record!.process, OWN, "a term's record never changes once written");
  assert.equal(h.lock.calls[4]!.record!.acquireTime!.getTime(), h.lock.calls[1]!.record!.acquireTime!.getTime());
  assert.deepEqual(p.asked, []);
  h.lock.assertDone();
});

test('a fresh process of the holder pod reclaims its own record without asking for proof', async () => {
  const p = proofPort(() => PROOF);
  const h = scripted([{ op: 'get', reply: versioned('v7', { holderIdentity: 'sprout-a' }) }, { op: 'update', reply: echo('v8') }], { deathProof: p.port });
  h.elector.start();
  await h.clock.advance(0);
  assert.equal(h.elector.status().isLeader, true);
  assert.deepEqual(p.asked, []);
  assert.equal(await h.metric('vnf_agent_lease_takeovers_total'), 0);
  h.lock.assertDone();
});
