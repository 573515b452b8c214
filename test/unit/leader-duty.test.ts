import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeaderDuty } from '../../agent/cycle/leader-duty.js';
import type { Fence } from '../../agent/election/leadership.js';
import { flushMicrotasks } from '../support/fake-clock.js';

/** A promise the test settles by hand, and whether it has. */
function deferred() {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function tracked(p: Promise<void>) {
  const state = { settled: false };
  void p.then(() => (state.settled = true));
  return state;
}

test('leader duty: no term handed over, no leader work (work is not even called)', () => {
  const duty = new LeaderDuty();
  assert.equal(duty.run(() => assert.fail('unexpected leader work')), undefined);
});

const fenceOf = (signal: AbortSignal): Fence => ({ identity: 'sprout-a', version: '7', term: 3, validForMs: 5_000, signal });

test('leader duty: lost leadership abandons leader requests at once, and the term settles only after its work finished', async () => {
  const duty = new LeaderDuty();
  const term = new AbortController();
  const leading = tracked(duty.lead(term.signal));
  const write = deferred();
  let bound: AbortSignal | undefined;
  const run = duty.run((signal) => ((bound = signal), write.promise.then(() => 'published')));
  assert.equal(duty.fence(fenceOf(term.signal)).signal, bound, 'fenced requests are bound to the same signal');
  term.abort();
  assert.equal(bound?.aborted, true, 'lost: the request in flight is abandoned at once');
  await flushMicrotasks();
  assert.equal(leading.settled, false, 'settled while leader work was still running');
  assert.equal(duty.run(() => assert.fail('leader work started after the term ended')), undefined);
  write.resolve();
  assert.equal(await run, 'published');
  await flushMicrotasks();
  assert.equal(leading.settled, true);
});

test('leader duty: in a graceful stop a request already sent may finish; nothing new starts, and the term settles after it', async () => {
  const duty = new LeaderDuty();
  const term = new AbortController();
  const leading = tracked(duty.lead(term.signal));
  const write = deferred();
  let bound: AbortSignal | undefined;
  const run = duty.run((signal) => ((bound = signal), write.promise));
  duty.stopping();
  term.abort();
  await flushMicrotasks();
  assert.equal(bound?.aborted, false, 'the write in flight is not cut off');
  assert.equal(duty.run(() => assert.fail('leader work started after the term ended')), undefined);
  assert.equal(leading.settled, false);
  write.resolve();
  await run;
  await flushMicrotasks();
  assert.equal(leading.settled, true);
  assert.equal(bound?.aborted, true, 'and is aborted once the term is over');
});

test('leader duty: fence() leaves a fence of a term it does not know as it is', () => {
  const duty = new LeaderDuty();
  const other = new AbortController().signal;
  assert.equal(duty.fence(fenceOf(other)).signal, other);
});

test('leader duty: leader work that fails still ends the term (the failure stays with the caller)', async () => {
  const duty = new LeaderDuty();
  const term = new AbortController();
  const leading = tracked(duty.lead(term.signal));
  const write = deferred();
  const run = duty.run(() => write.promise);
  term.abort();
  write.reject(new Error('409'));
  await assert.rejects(run!, /409/);
  await flushMicrotasks();
  assert.equal(leading.settled, true);
});

test('leader duty: a term that ended before it was handed over opens nothing', async () => {
  const duty = new LeaderDuty();
  const term = new AbortController();
  term.abort();
  await duty.lead(term.signal);
  assert.equal(duty.run(() => assert.fail('unexpected leader work')), undefined);
});
