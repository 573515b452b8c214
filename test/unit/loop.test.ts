import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Loop, type PassOutcome } from '../../agent/cycle/loop.js';
import { FakeClock, flushMicrotasks } from '../support/fake-clock.js';
import { memorySink } from '../support/log-sink.js';

function loop(pass: (signal: AbortSignal) => Promise<PassOutcome>, clock = new FakeClock()) {
  const sink = memorySink();
  const l = new Loop({ name: 'test', clock, logger: pino({ level: 'debug' }, sink), intervalMs: 1000, pass });
  return { l, clock, sink };
}

test('runs a pass every interval and logs each sentence once', async () => {
  let n = 0;
  const { l, clock, sink } = loop(async () => ({ reason: `pass ${++n}`, acted: n === 2 }));
  l.start();
  await flushMicrotasks();
  await clock.advance(1000);
  await clock.advance(1000);
  await l.stop();
  assert.equal(n, 3);
  const lines = sink.lines().map((x) => `${x.level as number}:${x.msg as string}`);
  assert.deepEqual(lines, ['20:pass 1', '30:pass 2', '20:pass 3']);
});

test('a throwing pass is logged as a bug and the loop goes on', async () => {
  let n = 0;
  const { l, clock, sink } = loop(async () => {
    n++;
    if (n === 1) throw new Error('boom');
    return { reason: 'fine', acted: false };
  });
  l.start();
  await flushMicrotasks();
  await clock.advance(1000);
  await l.stop();
  assert.equal(n, 2);
  assert.match(sink.text(), /Loop pass failed unexpectedly.*"message":"boom"|"message":"boom".*Loop pass failed/);
});

test('passes never overlap, and a trigger during a pass runs one more pass right after it', async () => {
  let active = 0;
  let maxActive = 0;
  let n = 0;
  let release: () => void = () => undefined;
  const { l, clock } = loop(async () => {
    active++;
    maxActive = Math.max(maxActive, active);
    n++;
    if (n === 1) await new Promise<void>((r) => (release = r));
    active--;
    return { reason: 'ok', acted: false };
  });
  l.start();
  await flushMicrotasks();
  l.trigger();
  l.trigger();
  release();
  await flushMicrotasks();
  assert.equal(n, 2, 'the trigger during pass 1 caused exactly one extra pass without waiting');
  await clock.advance(1000);
  await l.stop();
  assert.equal(maxActive, 1);
  assert.equal(n, 3);
});

test('check() reports a loop that stopped completing passes', async () => {
  const clock = new FakeClock();
  let hang: () => void = () => undefined;
  let n = 0;
  const { l } = loop(async () => {
    if (++n === 2) await new Promise<void>((r) => (hang = r));
    return { reason: 'ok', acted: false };
  }, clock);
  l.start();
  await flushMicrotasks();
  assert.equal(l.check(5000), undefined);
  await clock.advance(1000);
  await clock.advance(5000);
  assert.match(l.check(5000) ?? '', /test loop has not completed a pass for 6000 ms/);
  hang();
  await l.stop();
});

test('a pass that has a retry due sooner runs again then, not at the next tick; never sooner than 10 ms', async () => {
  const ran: number[] = [];
  const clock = new FakeClock();
  const again = [250, 0, undefined];
  const { l } = loop(async () => {
    ran.push(clock.nowMs());
    const againInMs = again.shift();
    return againInMs === undefined ? { reason: 'ok', acted: false } : { reason: 'retry soon', acted: false, againInMs };
  }, clock);
  const start = clock.nowMs();
  l.start();
  await flushMicrotasks();
  await clock.advance(250);
  await clock.advance(10);
  await clock.advance(999);
  assert.deepEqual(ran.map((t) => t - start), [0, 250, 260], 'nothing before the next full tick once the retry is done');
  await clock.advance(1);
  await l.stop();
  assert.deepEqual(ran.map((t) => t - start), [0, 250, 260, 1260]);
});
