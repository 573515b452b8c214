import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildServer } from '../../agent/http/server.js';
import { HealthChecks } from '../../agent/http/checks.js';
import { createRegistry } from '../../agent/metrics/registry.js';
import { createLogger } from '../../agent/log/logger.js';
import { memorySink } from '../support/log-sink.js';

function server(liveness = new HealthChecks(), startup?: HealthChecks) {
  const sink = memorySink();
  const app = buildServer({
    logger: createLogger({ level: 'info', destination: sink }),
    registry: createRegistry({ version: '1.2.3', nodeVersion: 'v20.0.0' }),
    liveness,
    ...(startup ? { startup } : {}),
  });
  return { app, sink };
}

test('GET /livez is 200 with no failing checks', async () => {
  const { app } = server();
  const res = await app.inject({ method: 'GET', url: '/livez' });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { status: 'ok', checks: [] });
});

test('GET /startupz is 200 once the server answers when nothing else must hold first', async () => {
  const { app } = server();
  const res = await app.inject({ method: 'GET', url: '/startupz' });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { status: 'ok', checks: [] });
});

test('GET /startupz is 503 naming the startup check that does not hold yet, then 200', async () => {
  let written = false;
  const startup = new HealthChecks();
  startup.add('peers-file', () => (written ? undefined : 'not written yet'));
  const { app } = server(new HealthChecks(), startup);
  const before = await app.inject({ method: 'GET', url: '/startupz' });
  assert.equal(before.statusCode, 503);
  assert.deepEqual(before.json(), { status: 'failed', checks: [{ name: 'peers-file', ok: false, reason: 'not written yet' }] });
  written = true;
  assert.equal((await app.inject({ method: 'GET', url: '/startupz' })).statusCode, 200);
  assert.equal((await app.inject({ method: 'GET', url: '/livez' })).statusCode, 200, 'startup checks are not liveness checks');
});

test('GET /livez is 503 naming the failing check and its reason', async () => {
  const checks = new HealthChecks();
  checks.add('loop', () => 'agent loop has not run for 31s');
  checks.add('alpha', () => undefined);
  checks.add('broken', () => {
    throw new Error('boom');
  });
  const { app } = server(checks);
  const res = await app.inject({ method: 'GET', url: '/livez' });
  assert.equal(res.statusCode, 503);
  assert.deepEqual(res.json(), {
    status: 'failed',
    checks: [
      { name: 'alpha', ok: true },
      { name: 'broken', ok: false, reason: 'check threw: boom' },
      { name: 'loop', ok: false, reason: 'agent loop has not run for 31s' },
    ],
  });
});

test('GET /metrics serves Prometheus text with build info and process metrics', async () => {
  const { app } = server();
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0.0.4/);
  assert.match(res.body, /^vnf_agent_build_info\{version="1.2.3",node_version="v20.0.0"\} 1$/m);
  assert.match(res.body, /^process_cpu_seconds_total /m);
  assert.match(res.body, /^nodejs_eventloop_lag_seconds /m);
});

test('an unknown route is a 404 with a reason', async () => {
  const { app } = server();
  const res = await app.inject({ method: 'GET', url: '/nope' });
  assert.equal(res.statusCode, 404);
  assert.deepEqual(res.json(), { error: 'Not Found', reason: 'no route GET /nope' });
});

test('a wrong method is a 404 with a reason, never a 5xx', async () => {
  const { app } = server();
  const res = await app.inject({ method: 'DELETE', url: '/livez' });
  assert.equal(res.statusCode, 404);
  assert.equal(res.json<{ reason: string }>().reason, 'no route DELETE /livez');
});

test('a body over the limit is a 413 with a reason', async () => {
  const { app } = server();
  const res = await app.inject({ method: 'POST', url: '/livez', payload: { big: 'x'.repeat(20_000) } });
  assert.equal(res.statusCode, 413);
  assert.deepEqual(res.json(), { error: 'Payload Too Large', reason: 'Request body is too large' });
});

test('requests are not logged one line each', async () => {
  const { app, sink } = server();
  await app.inject({ method: 'GET', url: '/livez' });
  assert.deepEqual(sink.lines().filter((l) => /request/.test(String(l.msg))), []);
});
