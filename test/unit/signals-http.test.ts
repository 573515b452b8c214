import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildServer } from '../../agent/http/server.js';
import { HealthChecks } from '../../agent/http/checks.js';
import type { SignalsView } from '../../agent/http/routes/load.js';
import { createRegistry } from '../../agent/metrics/registry.js';
import { createLogger } from '../../agent/log/logger.js';
import { ConfigError, loadConfig } from '../../agent/config/index.js';
import { createSampler } from '../../agent/signals/build.js';
import type { LoadSample } from '../../agent/signals/sample.js';
import { FakeClock } from '../support/fake-clock.js';
import { memorySink } from '../support/log-sink.js';

const SAMPLE: LoadSample = {
  pod: 'sprout-0', time: '2026-11-27T12:00:00.000Z', utilization: 0.42, overloaded: false, healthy: true, reason: 'utilization 0.42 (socket 0.42); SIP server answers',
  signals: { 'sip-options': { raw: { udpStatusCode: 200 }, normalized: null, status: 'ok' }, socket: { raw: { udpRxQueueBytes: 42_000 }, normalized: 0.42, status: 'ok' } },
};

function server(deps: { signals?: SignalsView; readiness?: HealthChecks }) {
  return buildServer({
    logger: createLogger({ level: 'silent', destination: memorySink() }),
    registry: createRegistry({ version: 't', nodeVersion: 'v20' }),
    liveness: new HealthChecks(),
    ...deps,
  });
}

const view = (latest: LoadSample | undefined, readiness: string | undefined): SignalsView => ({ latest: () => latest, readiness: () => readiness });

const routeCases: { name: string; deps: Parameters<typeof server>[0]; url: string; status: number; body: unknown }[] = [
  { name: '/load serves the latest sample as JSON', deps: { signals: view(SAMPLE, undefined) }, url: '/load', status: 200, body: SAMPLE },
  { name: '/load is 503 before the first pass', deps: { signals: view(undefined, 'no SIP probe result yet') }, url: '/load', status: 503, body: { error: 'Service Unavailable', reason: 'no sample yet' } },
  { name: '/load is 503 without a sampler', deps: {}, url: '/load', status: 503, body: { error: 'Service Unavailable', reason: 'load sampling is not configured' } },
  { name: '/readyz is 200 when the SIP server answers', deps: { signals: view(SAMPLE, undefined) }, url: '/readyz', status: 200, body: { status: 'ok', checks: [{ name: 'sip', ok: true }] } },
  { name: '/readyz is 503 with the reason when it does not', deps: { signals: view(SAMPLE, 'SIP server does not answer OPTIONS with 2xx: udp got no answer within 1000 ms') }, url: '/readyz', status: 503,
    body: { status: 'failed', checks: [{ name: 'sip', ok: false, reason: 'SIP server does not answer OPTIONS with 2xx: udp got no answer within 1000 ms' }] } },
  { name: '/readyz is 503 while draining', deps: { signals: view(SAMPLE, 'draining') }, url: '/readyz', status: 503, body: { status: 'failed', checks: [{ name: 'sip', ok: false, reason: 'draining' }] } },
  { name: '/readyz is 503 when nothing can vouch for the SIP server', deps: {}, url: '/readyz', status: 503, body: { status: 'failed', checks: [{ name: 'sip', ok: false, reason: 'no SIP probe configured' }] } },
];

for (const c of routeCases) {
  test(`http: ${c.name}`, async () => {
    const res = await server(c.deps).inject({ method: 'GET', url: c.url });
    assert.equal(res.statusCode, c.status);
    assert.deepEqual(res.json(), c.body);
  });
}

test('http: /readyz also runs the extra readiness checks', async () => {
  const extra = new HealthChecks();
  extra.add('draining', () => 'pod is draining');
  const res = await server({ signals: view(SAMPLE, undefined), readiness: extra }).inject({ method: 'GET', url: '/readyz' });
  assert.equal(res.statusCode, 503);
  assert.deepEqual(res.json<{ checks: unknown[] }>().checks, [{ name: 'draining', ok: false, reason: 'pod is draining' }, { name: 'sip', ok: true }]);
});

function violations(env: Record<string, string>): string[] {
  try {
    loadConfig({ env, flags: {}, readFile: (p) => assert.fail(`unexpected read of ${p}`), hostname: 'sprout-0' });
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.violations.map((v) => `${v.source}: ${v.reason}`);
  }
  return [];
}

const configCases: { name: string; env: Record<string, string>; expect: string[] }[] = [
  { name: 'defaults are valid', env: {}, expect: [] },
  { name: 'a full Kamailio setup is valid', env: { VNF_AGENT_SIGNAL_SOURCES: 'sip-options,socket,kamailio,prometheus', VNF_AGENT_SIGNAL_KAMAILIO_RPC_URL: 'http://127.0.0.1:5060/RPC', VNF_AGENT_SIGNAL_PROMETHEUS_URL: 'http://127.0.0.1:5060/metrics', VNF_AGENT_SIGNAL_PROMETHEUS_SERIES: 'rate(kamailio_core_rcv_requests)=200', VNF_AGENT_SIGNAL_TARGETS: 'kamailio.activeDialogs=500', VNF_AGENT_SIGNAL_SOCKET_PORTS: '5052,5054' }, expect: [] },
  { name: 'unknown source and missing probe', env: { VNF_AGENT_SIGNAL_SOURCES: 'socket,snmp' }, expect: ['VNF_AGENT_SIGNAL_SOURCES: unknown source "snmp" (known: sip-options, socket, kamailio, prometheus)'] },
  { name: 'the probe is required', env: { VNF_AGENT_SIGNAL_SOURCES: 'socket' }, expect: ['VNF_AGENT_SIGNAL_SOURCES: must include sip-options: readiness depends on the SIP probe'] },
  { name: 'timeouts must nest below the interval', env: { VNF_AGENT_SIGNAL_INTERVAL_MS: '1000', VNF_AGENT_SIGNAL_TIMEOUT_MS: '1200' }, expect: ['VNF_AGENT_SIGNAL_TIMEOUT_MS: must be below VNF_AGENT_SIGNAL_INTERVAL_MS (1000) so passes never pile up'] },
  { name: 'an unknown target key and a bad value', env: { VNF_AGENT_SIGNAL_TARGETS: 'socket.cpu=1,kamailio.activeDialogs=0' }, expect: [
    'VNF_AGENT_SIGNAL_TARGETS: socket.cpu has no target (targets: sip-options.rttMs, socket.udpRxQueueBytes, socket.tcpEstablished, socket.tcpListenBacklog, kamailio.activeTransactions, kamailio.activeDialogs, kamailio.requestsPerS, kamailio.shmUsedRatio)',
    'VNF_AGENT_SIGNAL_TARGETS: kamailio.activeDialogs target must be a positive number (got 0)'] },
  { name: 'kamailio and prometheus need their URLs and series', env: { VNF_AGENT_SIGNAL_SOURCES: 'sip-options,kamailio,prometheus' }, expect: [
    'VNF_AGENT_SIGNAL_KAMAILIO_RPC_URL: must be an http(s) URL when VNF_AGENT_SIGNAL_SOURCES has kamailio (got "")',
    'VNF_AGENT_SIGNAL_PROMETHEUS_URL: must be an http(s) URL when VNF_AGENT_SIGNAL_SOURCES has prometheus (got "")',
    'VNF_AGENT_SIGNAL_PROMETHEUS_SERIES: must name at least one series when VNF_AGENT_SIGNAL_SOURCES has prometheus'] },
];

for (const c of configCases) {
  test(`config: ${c.name}`, () => {
    assert.deepEqual(violations(c.env), c.expect);
  });
}

test('createSampler builds the configured sources; a pass over a closed local port is unhealthy, not a crash', async () => {
  const config = loadConfig({ env: { VNF_AGENT_SIGNAL_SOURCES: 'sip-options', VNF_AGENT_SIGNAL_OPTIONS_TRANSPORTS: 'tcp', VNF_AGENT_SIP_PORT: '1', VNF_AGENT_POD_IP: '127.0.0.1' }, flags: {}, readFile: (p) => assert.fail(p), hostname: 'sprout-0' });
  const sampler = createSampler(config, { clock: new FakeClock(), logger: createLogger({ level: 'silent', destination: memorySink() }) });
  try {
    await sampler.runOnce();
    assert.equal(sampler.latest()?.healthy, false);
    assert.match(sampler.readiness() ?? '', /tcp failed: ECONNREFUSED/);
  } finally {
    await sampler.close();
  }
});
