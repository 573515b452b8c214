import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { setImmediate as tick } from 'node:timers/promises';
import { systemClock } from '../../agent/clock/clock.js';
import { createLogger } from '../../agent/log/logger.js';
import { createRegistry } from '../../agent/metrics/registry.js';
import { HealthChecks } from '../../agent/http/checks.js';
import { buildServer } from '../../agent/http/server.js';
import { OptionsSource } from '../../agent/signals/options-source.js';
import { Sampler } from '../../agent/signals/sampler.js';
import { SignalMetrics } from '../../agent/signals/metrics.js';
import { UdpProber } from '../../agent/signals/sip/udp-prober.js';
import { TcpProber } from '../../agent/signals/sip/tcp-prober.js';
import { startKamailio, type Kamailio } from '../support/kamailio.js';
import { freePort, eventually } from '../support/process.js';
import { memorySink } from '../support/log-sink.js';
import { fuzzInput, prng } from '../../bench/signals-fuzz-inputs.js';

const HOST = '127.0.0.41';
let kamailio: Kamailio;

before(async () => {
  kamailio = await startKamailio({ host: HOST });
});
after(async () => {
  await kamailio?.stop();
});

const proberOptions = (port: number, timeoutMs = 2_000) => ({ targetHost: HOST, targetPort: port, localHost: HOST, timeoutMs, clock: systemClock });

test('the probe gets 200 from Kamailio over UDP and over TCP', async () => {
  for (const prober of [new UdpProber(proberOptions(kamailio.port)), new TcpProber(proberOptions(kamailio.port))]) {
    try {
      const outcome = await prober.probe(AbortSignal.timeout(5_000));
      assert.equal(outcome.kind, 'answered', JSON.stringify(outcome));
      assert.equal(outcome.kind === 'answered' && outcome.statusCode, 200);
      assert.ok(outcome.kind === 'answered' && outcome.rttMs >= 0 && outcome.rttMs < 2_000);
      assert.deepEqual(prober.counters(), { malformed: 0, stray: 0 });
    } finally {
      await prober.close();
    }
  }
});

test('a healthy Kamailio makes the sampler healthy and /readyz 200, /load serves the sample', async () => {
  const source = new OptionsSource([new UdpProber(proberOptions(kamailio.port)), new TcpProber(proberOptions(kamailio.port))]);
  const { sampler, app } = wire([source]);
  try {
    const reason = await sampler.runOnce();
    assert.match(reason, /SIP server answers/);
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200, ready.body);
    const load = await app.inject({ method: 'GET', url: '/load' });
    assert.equal(load.statusCode, 200);
    const sample = load.json<{ healthy: boolean; signals: Record<string, { status: string; raw: Record<string, number> }> }>();
    assert.equal(sample.healthy, true);
    assert.equal(sample.signals['sip-options']?.status, 'ok');
    assert.equal(sample.signals['sip-options']?.raw.udpStatusCode, 200);
    assert.equal(sample.signals['sip-options']?.raw.tcpStatusCode, 200);
  } finally {
    await sampler.close();
  }
});

test('a closed port gives a UDP timeout, a refused TCP connection and /readyz 503 with the reason', async () => {
  const closed = await freePort(HOST);
  const source = new OptionsSource([new UdpProber(proberOptions(closed, 600)), new TcpProber(proberOptions(closed, 600))]);
  const { sampler, app } = wire([source]);
  try {
    await sampler.runOnce();
    const signal = sampler.latest()?.signals['sip-options'];
    assert.equal(signal?.status, 'error');
    assert.match(signal?.reason ?? '', /udp got no answer within 600 ms/);
    assert.match(signal?.reason ?? '', /tcp failed: ECONNREFUSED/);
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 503);
    assert.match(ready.json<{ checks: { reason?: string }[] }>().checks[0]?.reason ?? '', /does not answer OPTIONS with 2xx: udp got no answer/);
  } finally {
    await sampler.close();
  }
});

test('10k fuzzed datagrams on the live probe socket are counted, never crash it, and it still probes', async (t) => {
  const prober = new UdpProber(proberOptions(kamailio.port));
  const sender = dgram.createSocket('udp4');
  const count = 10_000;
  try {
    const port = await prober.localPort();
    const next = prng(6);
    const started = performance.now();
    for (let sent = 0; sent < count; ) {
      // Batches small enough for the socket buffer; wait until the probe has read them all.
      for (const end = Math.min(count, sent + 50); sent < end; sent++) sender.send(Buffer.from(fuzzInput(next), 'latin1'), port, HOST);
      await eventually(async () => ((c) => (c.malformed + c.stray >= sent ? true : undefined))(prober.counters()), 5_000, `${sent} datagrams counted`, 1);
      await tick();
    }
    const seconds = (performance.now() - started) / 1000;
    const { malformed, stray } = prober.counters();
    assert.equal(malformed + stray, count);
    assert.ok(malformed > count / 3, `malformed ${malformed}`);
    t.diagnostic(`live fuzz: ${count} datagrams in ${seconds.toFixed(1)} s, ${malformed} malformed, ${stray} stray`);
    const outcome = await prober.probe(AbortSignal.timeout(5_000));
    assert.equal(outcome.kind === 'answered' && outcome.statusCode, 200);
  } finally {
    sender.close();
    await prober.close();
  }
});

function wire(sources: ConstructorParameters<typeof Sampler>[0]['sources']) {
  const logger = createLogger({ level: 'silent', destination: memorySink() });
  const registry = createRegistry({ version: 't', nodeVersion: process.version });
  const sampler = new Sampler({
    pod: 'sprout-0', sources, targets: {}, intervalMs: 2_000, timeoutMs: 1_500, smoothing: 1,
    clock: systemClock, logger, metrics: new SignalMetrics(registry),
  });
  const app = buildServer({ logger, registry, liveness: new HealthChecks(), signals: sampler });
  return { sampler, app };
}
