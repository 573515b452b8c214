import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildServer } from '../../agent/http/server.js';
import { HealthChecks } from '../../agent/http/checks.js';
import { createRegistry } from '../../agent/metrics/registry.js';
import { createLogger } from '../../agent/log/logger.js';
import type { DrainControl, DrainState } from '../../agent/http/routes/drain.js';
import { FakeClock, flushMicrotasks } from '../support/fake-clock.js';
import { memorySink } from '../support/log-sink.js';

/** A drain whose progress the test sets; it records every start. */
class FakeDrain implements DrainControl {
  starts: string[] = [];
  settledNow = false;

  start(reason: string): void {
    this.starts.push(reason);
  }

  state(): DrainState {
    const draining = this.starts.length > 0;
    return { draining, settled: draining && this.settledNow, since: draining ? '2026-11-27T12:00:00.000Z' : null, reason: this.starts[0] ?? null };
  }
}

function setup(limitMs = 65_000) {
  const clock = new FakeClock();
  const drain = new FakeDrain();
  const app = buildServer({
    logger: createLogger({ level: 'silent', destination: memorySink() }),
    registry: createRegistry({ version: 't', nodeVersion: 'v20' }),
    liveness: new HealthChecks(),
    drain,
    clock,
    drainWaitLimitMs: () => limitMs,
  });
  return { app, clock, drain };
}

/** Resolves to true once the request answered, without waiting for it. */
function watch<T>(p: Promise<T>): { done: () => boolean; result: Promise<T> } {
  let done = false;
  const result = p.finally(() => (done = true));
  return { done: () => done, result };
}

async function parked(clock: FakeClock): Promise<void> {
  for (let i = 0; i < 50 && clock.pendingSleeps === 0; i++) await flushMicrotasks();
  assert.equal(clock.pendingSleeps, 1, 'the request waits on the clock');
}

test('GET /drain without wait is read-only: it never starts a drain', async () => {
  const { app, drain } = setup();
  for (const url of ['/drain', '/drain?wait=false']) {
    const res = await app.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().draining, false);
  }
  assert.deepEqual(drain.starts, []);
});

test('GET /drain?wait=true starts the drain without a token and answers only once it settled', async () => {
  const { app, clock, drain } = setup();
  const res = watch(app.inject({ method: 'GET', url: '/drain?wait=true' }));
  await parked(clock);
  assert.deepEqual(drain.starts, ['preStop hook: GET /drain?wait=true']);
  await clock.advance(1_000);
  assert.equal(res.done(), false, 'still draining: the request is held open');
  drain.settledNow = true;
  await clock.advance(200);
  const answer = await res.result;
  assert.equal(answer.statusCode, 200);
  assert.deepEqual(answer.json(), { draining: true, settled: true, since: '2026-11-27T12:00:00.000Z', reason: 'preStop hook: GET /drain?wait=true' });
});

test('GET /drain?wait=true answers 200 at its limit even if the drain never settles', async () => {
  const { app, clock } = setup(3_000);
  const res = watch(app.inject({ method: 'GET', url: '/drain?wait=true' }));
  await parked(clock);
  await clock.advance(2_800);
  assert.equal(res.done(), false);
  await clock.advance(200);
  const answer = await res.result;
  assert.equal(answer.statusCode, 200);
  assert.equal(answer.json().settled, false);
});

test('GET /drain?wait=true on a drain that already settled answers at once', async () => {
  const { app, clock, drain } = setup();
  drain.start('earlier');
  drain.settledNow = true;
  const res = await app.inject({ method: 'GET', url: '/drain?wait=true' });
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().settled, true);
  assert.equal(clock.pendingSleeps, 0);
});

test('GET /drain with a bad wait value is a 400 with a reason', async () => {
  const { app, drain } = setup();
  const res = await app.inject({ method: 'GET', url: '/drain?wait=soon' });
  assert.equal(res.statusCode, 400);
  assert.match(res.json().reason, /wait must be boolean/);
  assert.deepEqual(drain.starts, []);
});
