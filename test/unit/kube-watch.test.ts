import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { ResilientWatch, type KubeObject, type WatchOpener } from '../../agent/kube/watch.js';
import { reconnectDelayMs, sessionTimeoutSeconds } from '../../agent/kube/watch-timing.js';
import type { Random } from '../../agent/clock/random.js';
import { FakeClock } from '../support/fake-clock.js';
import { prng } from '../support/prng.js';

const silent = pino({ level: 'silent' });
const kubeConfig = new KubeConfig();

interface Attempt {
  readonly watcher: number;
  readonly atMs: number;
  readonly ok: boolean;
}

/**
 * The API server's watch endpoint, up or down. It records every attempt at
 * the fake time it arrived; a crash resets every open stream at once.
 */
class FakeWatchServer {
  up = true;
  readonly attempts: Attempt[] = [];
  readonly #open = new Map<number, (err: unknown) => void>();

  constructor(
    private readonly clock: FakeClock,
    /** How a refusal or a clean close is delivered: a macrotask lets a tight loop spin in real time without hanging the test. */
    private readonly later: (fn: () => void) => void = queueMicrotask,
    private readonly closeAtOnce = false,
  ) {}

  opener(watcher: number): WatchOpener {
    return async (_path, _params, _onEvent, onDone) => {
      const ok = this.up;
      this.attempts.push({ watcher, atMs: this.clock.nowMs(), ok });
      if (!ok) this.later(() => onDone(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })));
      else if (this.closeAtOnce) this.later(() => onDone(null));
      else this.#open.set(watcher, onDone);
      return { abort: () => this.#open.delete(watcher) };
    };
  }

  crash(): void {
    this.up = false;
    const open = [...this.#open.values()];
    this.#open.clear();
    for (const done of open) done(new Error('socket hang up'));
  }
}

type List = (signal: AbortSignal) => Promise<{ items: KubeObject[]; resourceVersion: string }>;

function watcher(clock: FakeClock, server: FakeWatchServer, i: number, random: Random, list: List = async () => ({ items: [], resourceVersion: '1' })) {
  return new ResilientWatch<KubeObject>({
    kubeConfig, clock, logger: silent, path: '/api/v1/namespaces/default/pods', random, openWatch: server.opener(i), list,
    onSync: () => undefined, onEvent: () => undefined,
  });
}

/** The most attempts that arrive within any `windowMs`. */
function burst(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

test('after an API server restart, 10 sidecars with seeded randoms reconnect at spread-out times, not in lockstep', async () => {
  const N = 10;
  const clock = new FakeClock();
  const server = new FakeWatchServer(clock);
  const watches = Array.from({ length: N }, (_, i) => watcher(clock, server, i, prng(1_000 + i)));
  try {
    for (const w of watches) w.start();
    await clock.advance(0);
    assert.equal(server.attempts.filter((a) => a.ok).length, N, 'all watching before the restart');
    const restartAt = clock.nowMs();
    const before = server.attempts.length;
    server.crash();
    for (let t = 10; t <= 20_000; t += 10) {
      if (t === 3_000) server.up = true; // the API server is back after 3 s
      await clock.advance(10);
    }
    const after = server.attempts.slice(before);
    const reconnects = new Map<number, number>();
    for (const a of after) if (a.ok && !reconnects.has(a.watcher)) reconnects.set(a.watcher, a.atMs - restartAt);
    assert.equal(reconnects.size, N, 'every sidecar is back');
    const times = [...reconnects.values()];
    assert.ok(new Set(times).size >= N - 1, `reconnect times ${times.join(', ')} ms after the restart`);
    assert.ok(Math.max(...times) - Math.min(...times) >= 1_000, `reconnects spread over ${Math.max(...times) - Math.min(...times)} ms`);
    // While it is down, the failing server is never hit by two sidecars in the same millisecond either.
    const every = after.map((a) => a.atMs);
    assert.equal(burst(every, 1), 1, `attempts at ${every.map((t) => Math.round(t - restartAt)).join(', ')} ms after the restart`);
  } finally {
    await Promise.all(watches.map((w) => w.stop()));
  }
});

test('a server that accepts a watch and closes it at once is retried with backoff, not in a tight loop', async () => {
  const clock = new FakeClock();
  const server = new FakeWatchServer(clock, (fn) => setImmediate(fn), true);
  const w = watcher(clock, server, 0, prng(5));
  try {
    w.start();
    for (let t = 0; t < 3_000; t += 100) await clock.advance(100);
    // 400-800, 800-1600, 1600-3200 ms: at most 4 sessions in 3 s.
    assert.ok(server.attempts.length <= 4, `${server.attempts.length} watch requests in 3 s`);
    assert.ok(w.stats.short >= 2, JSON.stringify(w.stats));
  } finally {
    await w.stop();
  }
});

test('a list that never answers is abandoned after listTimeoutMs on the injected clock, and the watch lists again', async () => {
  const clock = new FakeClock();
  const server = new FakeWatchServer(clock);
  const reasons: unknown[] = [];
  let lists = 0;
  const list = (signal: AbortSignal) => {
    lists++;
    if (lists > 1) return Promise.resolve({ items: [] as KubeObject[], resourceVersion: '7' });
    return new Promise<never>((_resolve, reject) =>
      signal.addEventListener('abort', () => {
        reasons.push(signal.reason);
        reject(signal.reason as Error);
      }),
    );
  };
  const w = watcher(clock, server, 0, prng(9), list);
  try {
    w.start();
    await clock.advance(9_999);
    assert.equal(lists, 1, 'still waiting within the timeout');
    await clock.advance(1 + 2 * 400);
    assert.equal(lists, 2);
    assert.equal((reasons[0] as Error).name, 'TimeoutError');
    assert.equal(server.attempts.length, 1, 'watching from the second list');
  } finally {
    await w.stop();
  }
});

const fixed = (x: number): Random => () => x;
const delayRows: { name: string; failures: number; random: number; maxMs: number; ms: number }[] = [
  { name: 'the first failure waits at least the base', failures: 1, random: 0, maxMs: 5_000, ms: 400 },
  { name: 'jitter adds up to the whole delay again', failures: 1, random: 0.5, maxMs: 5_000, ms: 600 },
  { name: 'each failure doubles the delay', failures: 3, random: 0, maxMs: 5_000, ms: 1_600 },
  { name: 'the cap applies before jitter', failures: 9, random: 0.25, maxMs: 5_000, ms: 6_250 },
  { name: 'a random outside [0, 1) is clamped', failures: 1, random: 7, maxMs: 5_000, ms: 800 },
];
for (const row of delayRows) {
  test(`reconnectDelayMs: ${row.name}`, () => {
    assert.equal(reconnectDelayMs(row.failures, row.maxMs, fixed(row.random)), row.ms);
  });
}

test('sessionTimeoutSeconds draws from [base, 2·base), as client-go’s reflector does', () => {
  assert.equal(sessionTimeoutSeconds(60, fixed(0)), 60);
  assert.equal(sessionTimeoutSeconds(60, fixed(0.999)), 119);
  const drawn = new Set(Array.from({ length: 50 }, () => 0).map((_, i) => sessionTimeoutSeconds(60, prng(i))));
  assert.ok(drawn.size > 20, `50 sidecars got only ${drawn.size} distinct timeouts`);
});
