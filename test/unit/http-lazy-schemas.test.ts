import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AjvCompiler } from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import { buildServer } from '../../agent/http/server.js';
import { HealthChecks } from '../../agent/http/checks.js';
import { lazyCompilers } from '../../agent/http/lazy-schemas.js';
import { createRegistry } from '../../agent/metrics/registry.js';
import { createLogger } from '../../agent/log/logger.js';
import { Drainer } from '../../agent/membership/drain.js';
import { systemClock } from '../../agent/clock/clock.js';
import { memorySink } from '../support/log-sink.js';
import { scaleDesk } from '../fuzz/scale-desk.js';
import { statusOf } from '../fuzz/server-fixture.js';

/** fastify's stock compilers, counting the schemas they compile. */
function counting() {
  const compiled: string[] = [];
  const validators = AjvCompiler();
  const serializers = SerializerSelector();
  const buildValidator: typeof validators = ((external: Parameters<typeof validators>[0], options: Parameters<typeof validators>[1]) => {
    const compile = validators(external, options);
    return (route: Parameters<typeof compile>[0]) => {
      compiled.push(`validate ${route.method} ${route.url} ${route.httpPart}`);
      return compile(route);
    };
  }) as typeof validators;
  const buildSerializer: typeof serializers = (external, options) => {
    const compile = serializers(external, options);
    return (route) => {
      compiled.push(`serialize ${route.method} ${route.url} ${route.httpStatus}`);
      return compile(route);
    };
  };
  return { compiled, compilers: lazyCompilers(buildValidator, buildSerializer) };
}

function server(compilers: ReturnType<typeof lazyCompilers>) {
  const logger = createLogger({ level: 'info', destination: memorySink() });
  const drain = new Drainer({ clock: systemClock, logger, timeoutMs: () => 1_000, inFlight: () => ({ calls: 0, countedAtMs: systemClock.nowMs() }), peersLearnFromMark: false, routeAwayMs: 0, markLeaving: async () => undefined });
  return buildServer({
    logger, registry: createRegistry({ version: '1.2.3', nodeVersion: 'v20.0.0' }), liveness: new HealthChecks(), startup: new HealthChecks(), readiness: new HealthChecks(),
    signals: { latest: () => undefined, readiness: () => undefined }, status: () => statusOf('sprout-0'), drain, tokens: { current: () => 'a-token-0123456789' },
    scale: scaleDesk({ pod: 'sprout-0', leader: 'sprout-0' }), compilers,
  });
}

test('a route’s schemas are compiled at its first request, not at start, and answer as the stock compilers do', async () => {
  const { compiled, compilers } = counting();
  const app = server(compilers);
  await app.ready();
  assert.equal(compiled.length, 0, `nothing compiled at start: ${compiled.join(', ')}`);
  const live = await app.inject({ method: 'GET', url: '/livez' });
  assert.equal(live.statusCode, 200);
  assert.deepEqual(live.json(), { status: 'ok', checks: [] });
  assert.deepEqual(compiled, ['serialize GET /livez 200']);
  const bad = await app.inject({ method: 'POST', url: '/drain', headers: { authorization: 'Bearer a-token-0123456789' }, payload: { reason: 'x'.repeat(201) } });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json<{ reason: string }>().reason, /^body\/reason must NOT have more than 200 characters$/, 'Ajv’s reasons reach the answer');
  assert.ok(compiled.includes('validate POST /drain body'));
  await app.close();
});

test('every schema of every route compiles, as fastify would have checked at start', async () => {
  const { compiled, compilers } = counting();
  const app = server(compilers);
  await app.ready();
  const count = compilers.compileAll();
  assert.ok(count > 0);
  for (const route of ['/livez', '/startupz', '/readyz', '/load', '/status', '/metrics', '/drain', '/scale']) {
    assert.ok(compiled.some((c) => c.includes(` ${route} `)), `${route} compiled`);
  }
  assert.equal(compilers.compileAll(), 0, 'each compiled once');
  await app.close();
});
