import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Drainer, ROUTE_AWAY_MS, type InFlightCount } from '../../agent/membership/drain.js';
import { FakeClock } from '../support/fake-clock.js';

interface Case {
  readonly name: string;
  /** A cluster is configured: peers learn of the drain from the leaving mark. */
  readonly cluster: boolean;
  /** Whether the leaving mark reached the API, and how long after the start. */
  readonly markedAfterMs?: number;
  /** The in-flight count the sampler last made: calls, and when relative to the start (ms). */
  readonly count?: { calls: number; atMs: number };
  /** Time since the start when settled() is asked. */
  readonly askAfterMs: number;
  /** spec.drainMinimumSeconds, in ms. */
  readonly minimumMs?: number;
  readonly settled: boolean;
}

const TIMEOUT_MS = 60_000;
const cases: Case[] = [
  { name: 'a count of 0 made before the drain began (a call may have come since)', cluster: false, count: { calls: 0, atMs: -500 }, askAfterMs: 100, settled: false },
  { name: 'a count of 0 made while peers may still route here', cluster: false, count: { calls: 0, atMs: ROUTE_AWAY_MS - 1 }, askAfterMs: ROUTE_AWAY_MS, settled: false },
  { name: 'a count of 0 made once peers had time to route away (no cluster: from the start)', cluster: false, count: { calls: 0, atMs: ROUTE_AWAY_MS }, askAfterMs: ROUTE_AWAY_MS + 10, settled: true },
  { name: 'calls still in flight', cluster: false, count: { calls: 3, atMs: ROUTE_AWAY_MS + 500 }, askAfterMs: ROUTE_AWAY_MS + 600, settled: false },
  { name: 'no count (the SIP server\'s statistics unknown)', cluster: false, askAfterMs: 30_000, settled: false },
  { name: 'a cluster, the leaving mark not in the API yet: peers cannot know', cluster: true, count: { calls: 0, atMs: 5000 }, askAfterMs: 5000, settled: false },
  { name: 'a cluster, a count of 0 too soon after the mark', cluster: true, markedAfterMs: 1000, count: { calls: 0, atMs: 1000 + ROUTE_AWAY_MS - 1 }, askAfterMs: 4000, settled: false },
  { name: 'a cluster, a count of 0 once peers had time after the mark', cluster: true, markedAfterMs: 1000, count: { calls: 0, atMs: 1000 + ROUTE_AWAY_MS }, askAfterMs: 4000, settled: true },
  { name: 'the drain timeout passed, calls or not', cluster: true, count: { calls: 7, atMs: TIMEOUT_MS }, askAfterMs: TIMEOUT_MS, settled: true },
  { name: 'idle, but the drain minimum has not passed (clients still re-registering elsewhere)', cluster: false, minimumMs: 30_000, count: { calls: 0, atMs: 29_000 }, askAfterMs: 29_999, settled: false },
  { name: 'idle once the drain minimum passed', cluster: false, minimumMs: 30_000, count: { calls: 0, atMs: 29_000 }, askAfterMs: 30_000, settled: true },
  { name: 'the drain minimum passed, calls still in flight', cluster: false, minimumMs: 30_000, count: { calls: 2, atMs: 30_000 }, askAfterMs: 30_001, settled: false },
  { name: 'a drain minimum past the timeout: the timeout ends it', cluster: false, minimumMs: 2 * TIMEOUT_MS, count: { calls: 0, atMs: ROUTE_AWAY_MS }, askAfterMs: TIMEOUT_MS, settled: true },
];

for (const c of cases) {
  test(`drain settled: ${c.name} -> ${c.settled}`, async () => {
    const clock = new FakeClock();
    const start = clock.nowMs();
    let count: InFlightCount | undefined;
    let marks = 0;
    const drainer = new Drainer({
      clock, logger: pino({ level: 'silent' }), timeoutMs: () => TIMEOUT_MS, peersLearnFromMark: c.cluster,
      ...(c.minimumMs === undefined ? {} : { minimumMs: () => c.minimumMs ?? 0 }),
      inFlight: () => count,
      markLeaving: async () => {
        marks++;
        if (c.markedAfterMs === undefined) throw new Error('the API is unreachable');
      },
    });
    assert.equal(drainer.settled(), false, 'not draining');
    drainer.start('test');
    if (c.cluster) {
      clock.jump(c.markedAfterMs ?? 0);
      await drainer.pass(AbortSignal.timeout(1000));
      assert.equal(marks, 1);
    }
    if (c.count) count = { calls: c.count.calls, countedAtMs: start + c.count.atMs };
    clock.jump(c.askAfterMs - (c.cluster ? (c.markedAfterMs ?? 0) : 0));
    assert.equal(drainer.settled(), c.settled);
    assert.equal(drainer.state().settled, c.settled);
  });
}

test('drain settled: a wall-clock step during the drain moves nothing (the rule runs on the monotonic clock)', async () => {
  const clock = new FakeClock();
  let count: InFlightCount | undefined;
  const drainer = new Drainer({
    clock, logger: pino({ level: 'silent' }), timeoutMs: () => TIMEOUT_MS, peersLearnFromMark: true, inFlight: () => count, markLeaving: async () => undefined,
  });
  drainer.start('test');
  await drainer.pass(AbortSignal.timeout(1000));
  // NTP steps the wall clock an hour ahead; a count of 0 taken right after is still too soon.
  clock.skewWall(3_600_000);
  clock.jump(100);
  count = { calls: 0, countedAtMs: clock.nowMs() };
  assert.equal(drainer.settled(), false);
  clock.jump(ROUTE_AWAY_MS);
  count = { calls: 0, countedAtMs: clock.nowMs() };
  assert.equal(drainer.settled(), true);
});

test('drain notice: the SIP server is told every pass of a drain, never before it, and a failure is retried', async () => {
  const clock = new FakeClock();
  const told: string[] = [];
  let reachable = false;
  const drainer = new Drainer({
    clock, logger: pino({ level: 'silent' }), timeoutMs: () => TIMEOUT_MS, peersLearnFromMark: true, inFlight: () => undefined, markLeaving: async () => undefined,
    tellServer: async () => {
      if (!reachable) throw new Error('ECONNREFUSED');
      told.push('leaving');
    },
  });
  assert.equal(await drainer.pass(AbortSignal.timeout(1000)), undefined, 'not draining: nothing to tell');
  drainer.start('scale-in');
  assert.equal(await drainer.pass(AbortSignal.timeout(1000)), 'could not tell the SIP server this pod is leaving yet; marked this pod as leaving');
  reachable = true;
  assert.equal(await drainer.pass(AbortSignal.timeout(1000)), 'told the SIP server this pod is leaving');
  // A SIP server that restarted mid-drain forgot: it is told again, quietly.
  assert.equal(await drainer.pass(AbortSignal.timeout(1000)), undefined);
  assert.deepEqual(told, ['leaving', 'leaving']);
});
