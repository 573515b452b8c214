import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { buildServer } from '../../agent/http/server.js';
import { HealthChecks } from '../../agent/http/checks.js';
import { createRegistry } from '../../agent/metrics/registry.js';
import { createLogger } from '../../agent/log/logger.js';
import type { DrainState } from '../../agent/http/routes/drain.js';
import type { LoadSample } from '../../agent/signals/sample.js';
import { httpDrainClient, httpSampleFetcher } from '../../agent/scaling/scaler-http.js';
import { httpScaleForwarder } from '../../agent/http/scale-relay.js';
import { memorySink } from '../support/log-sink.js';

// The fetch adapters against a real sidecar server on loopback: the same routes a peer serves.
const SAMPLE: LoadSample = { pod: 'sprout-b', time: '2026-11-27T12:00:00.000Z', utilization: 0.42, overloaded: false, healthy: true, reason: 'ok', signals: {} };
const drains: string[] = [];
const state: DrainState = { draining: false, settled: false, since: null, reason: null };
let latest: LoadSample | undefined = SAMPLE;

const app = buildServer({
  logger: createLogger({ level: 'silent', destination: memorySink() }),
  registry: createRegistry({ version: 't', nodeVersion: 'v20' }),
  liveness: new HealthChecks(),
  signals: { latest: () => latest, readiness: () => undefined },
  drain: {
    start: (reason) => {
      drains.push(reason);
      state.draining = true;
    },
    state: () => ({ ...state }),
  },
  tokens: { current: () => 'tok' },
});
const port = Number(new URL(await app.listen({ host: '127.0.0.1', port: 0 })).port);
after(() => app.close());
const signal = new AbortController().signal;
/**
 * Bound on the exchanges that must succeed. Not what is tested here (the unreachable case is), and the
 * first request to a fresh server compiles its schemas: with the whole unit suite sharing two cores that
 * took over 1 s once, so a 1 s bound failed a correct answer.
 */
const TIMEOUT_MS = 10_000;

test('httpSampleFetcher returns the LoadSample a peer serves, and names the refusal when it has none', async () => {
  const fetcher = httpSampleFetcher(port, TIMEOUT_MS);
  assert.deepEqual(await fetcher.fetch('127.0.0.1', signal), SAMPLE);
  latest = undefined;
  await assert.rejects(fetcher.fetch('127.0.0.1', signal), /^Error: GET \/load answered 503: no sample yet$|GET \/load answered 503: no sample yet$/);
  latest = SAMPLE;
});

test('httpDrainClient asks with the shared token and reads the drain back', async () => {
  const client = httpDrainClient(port, { current: () => 'tok' }, TIMEOUT_MS);
  await client.start('127.0.0.1', 'graceful scale-in by the leader', signal);
  assert.deepEqual(drains, ['graceful scale-in by the leader']);
  assert.equal(await client.settled('127.0.0.1', signal), false);
  state.settled = true;
  assert.equal(await client.settled('127.0.0.1', signal), true);
});

test('httpDrainClient surfaces a refused token and a missing one', async () => {
  await assert.rejects(httpDrainClient(port, { current: () => 'wrong' }, TIMEOUT_MS).start('127.0.0.1', 'x', signal), /POST \/drain answered 403: invalid bearer token/);
  await assert.rejects(httpDrainClient(port, { current: () => undefined }, TIMEOUT_MS).start('127.0.0.1', 'x', signal), /no bearer token configured/);
});

test('httpScaleForwarder relays status and body as the other sidecar answered', async () => {
  const reply = await httpScaleForwarder(TIMEOUT_MS).forward(`http://127.0.0.1:${port}/nope`, 'GET', undefined, {}, signal);
  assert.deepEqual(reply, { status: 404, body: { error: 'Not Found', reason: 'no route GET /nope' } });
});

test('an unreachable peer fails within the timeout', async () => {
  // 192.0.2.0/24 is TEST-NET-1: never routed, so only the timeout can end the call.
  const started = performance.now();
  await assert.rejects(httpSampleFetcher(port, 200).fetch('192.0.2.1', signal));
  assert.ok(performance.now() - started < 5_000);
});
