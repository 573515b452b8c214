import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deadline, withDeadline, TimeoutError } from '../../agent/clock/deadline.js';
import { systemRandom } from '../../agent/clock/random.js';
import { FakeClock, flushMicrotasks } from '../support/fake-clock.js';

test('deadline aborts with a TimeoutError when the injected clock reaches it, not before', async () => {
  const clock = new FakeClock();
  const d = deadline(clock, 500, 'read Scale');
  await clock.advance(499);
  assert.equal(d.signal.aborted, false);
  await clock.advance(1);
  assert.equal(d.signal.aborted, true);
  assert.ok(d.signal.reason instanceof TimeoutError);
  assert.equal(d.signal.reason.name, 'TimeoutError');
  assert.equal(d.signal.reason.message, 'read Scale did not finish within 500 ms');
  assert.equal(clock.pendingSleeps, 0);
});

test('deadline follows an outer signal with its reason and drops its timer', async () => {
  const clock = new FakeClock();
  const outer = new AbortController();
  const d = deadline(clock, 500, 'x', undefined, outer.signal);
  const why = new Error('term ended');
  outer.abort(why);
  assert.equal(d.signal.reason, why);
  await flushMicrotasks();
  assert.equal(clock.pendingSleeps, 0);
});

test('deadline on an already aborted signal is aborted at once and starts no timer', () => {
  const clock = new FakeClock();
  const d = deadline(clock, 500, 'x', AbortSignal.abort(new Error('stopped')));
  assert.equal((d.signal.reason as Error).message, 'stopped');
  assert.equal(clock.pendingSleeps, 0);
});

test('cancel() leaves no pending sleep on the clock and the signal unaborted', async () => {
  const clock = new FakeClock();
  const d = deadline(clock, 500, 'x');
  assert.equal(clock.pendingSleeps, 1);
  d.cancel();
  await flushMicrotasks();
  assert.equal(clock.pendingSleeps, 0);
  await clock.advance(1_000);
  assert.equal(d.signal.aborted, false);
});

test('withDeadline rejects at the deadline even when the work ignores its signal', async () => {
  const clock = new FakeClock();
  const hung = withDeadline(clock, 200, 'GET /drain', [], () => new Promise<never>(() => undefined));
  const settled = hung.then(() => 'resolved', (err: Error) => err.name);
  await clock.advance(200);
  assert.equal(await settled, 'TimeoutError');
});

test('withDeadline returns the work’s answer and cancels its timer', async () => {
  const clock = new FakeClock();
  assert.equal(await withDeadline(clock, 200, 'x', [], async () => 42), 42);
  await flushMicrotasks();
  assert.equal(clock.pendingSleeps, 0);
});

test('systemRandom stays in [0, 1)', () => {
  for (let i = 0; i < 1_000; i++) {
    const x = systemRandom();
    assert.ok(x >= 0 && x < 1, String(x));
  }
});

test('withDeadline under an already aborted signal never starts the work', async () => {
  const clock = new FakeClock();
  const stop = new AbortController();
  stop.abort(new Error('stopping'));
  let started = 0;
  await assert.rejects(withDeadline(clock, 1_000, 'lease get', [stop.signal], async () => ++started), /stopping/);
  assert.equal(started, 0);
  assert.equal(clock.pendingSleeps, 0);
});
