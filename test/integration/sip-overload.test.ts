import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { systemClock } from '../../agent/clock/clock.js';
import { createLogger } from '../../agent/log/logger.js';
import { nodeHttpClient } from '../../agent/signals/http-client.js';
import { KamailioSource } from '../../agent/signals/kamailio-source.js';
import { OptionsSource } from '../../agent/signals/options-source.js';
import { PrometheusSource } from '../../agent/signals/prometheus-source.js';
import { parseSeries } from '../../agent/signals/prometheus-series.js';
import { Sampler } from '../../agent/signals/sampler.js';
import type { LoadSample } from '../../agent/signals/sample.js';
import { UdpProber } from '../../agent/signals/sip/udp-prober.js';
import { startKamailio, type Kamailio } from '../support/kamailio.js';
import { startSippUac } from '../support/sipp.js';
import { memorySink } from '../support/log-sink.js';

const HOST = '127.0.0.42';
const INVITES_PER_S = 20;
let kamailio: Kamailio;

before(async () => {
  kamailio = await startKamailio({ host: HOST, inviteLimit: INVITES_PER_S });
});
after(async () => {
  await kamailio?.stop();
});

function sampler(): Sampler {
  const http = nodeHttpClient(1_000, systemClock);
  const series = parseSeries(`kamailio_shmem_used_size; rate(kamailio_core_rcv_requests)=${INVITES_PER_S}`);
  assert.ok(series.ok);
  return new Sampler({
    pod: 'kamailio-0',
    sources: [
      new OptionsSource([new UdpProber({ targetHost: HOST, targetPort: kamailio.port, localHost: HOST, timeoutMs: 1_000, clock: systemClock })]),
      new KamailioSource({ url: kamailio.rpcUrl, http, clock: systemClock }),
      new PrometheusSource({ url: kamailio.metricsUrl, series: series.value, http, clock: systemClock }),
    ],
    // Capacity of this pod: the pipe's rate. Requests above it mean utilization above 1.
    targets: { kamailio: { requestsPerS: INVITES_PER_S, activeDialogs: 50 }, prometheus: { [`rate(kamailio_core_rcv_requests)`]: INVITES_PER_S } },
    intervalMs: 1_000,
    timeoutMs: 900,
    smoothing: 1,
    clock: systemClock,
    logger: createLogger({ level: 'silent', destination: memorySink() }),
  });
}

test('the Kamailio and Prometheus sources read real values from an idle Kamailio', async () => {
  const s = sampler();
  try {
    await s.runOnce();
    await delay(300);
    await s.runOnce();
    const sample = s.latest();
    const k = sample?.signals.kamailio;
    const p = sample?.signals.prometheus;
    assert.equal(k?.status, 'ok', k?.reason);
    assert.ok((k?.raw.shmUsedBytes ?? 0) > 0 && (k?.raw.shmTotalBytes ?? 0) >= 64 * 1024 * 1024);
    assert.equal(k?.raw.activeTransactions, 0);
    assert.equal(k?.raw.activeDialogs, 0);
    assert.equal(k?.raw.replies5xx, 0);
    assert.equal(typeof k?.raw.requestsPerS, 'number');
    assert.equal(p?.status, 'ok', p?.reason);
    assert.ok((p?.raw.kamailio_shmem_used_size ?? 0) > 0);
    assert.equal(sample?.overloaded, false);
    assert.equal(sample?.healthy, true);
    assert.ok(sample?.utilization !== null && (sample?.utilization ?? 2) < 1, sample?.reason);
  } finally {
    await s.close();
  }
});

test('SIPp above the pipelimit makes Kamailio send 503s: overloaded, utilization above 1, probe still healthy', async () => {
  const s = sampler();
  const sipp = await startSippUac({ target: `${HOST}:${kamailio.port}`, localHost: HOST, rate: 3 * INVITES_PER_S, calls: 6 * INVITES_PER_S, holdMs: 1_000 });
  const samples: LoadSample[] = [];
  try {
    await s.runOnce();
    for (let pass = 0; pass < 5; pass++) {
      await delay(1_000);
      await s.runOnce();
      const sample = s.latest();
      if (sample) samples.push(sample);
    }
    const result = await sipp.exited(30_000);
    assert.equal(result.code, 1, 'SIPp counts the 503s as failed calls');
  } finally {
    sipp.stop();
    await s.close();
  }
  const overloaded = samples.filter((x) => x.overloaded);
  assert.ok(overloaded.length > 0, samples.map((x) => x.reason).join('\n'));
  const peak = Math.max(...samples.map((x) => x.utilization ?? 0));
  assert.ok(peak > 1, `peak utilization ${peak}`);
  assert.ok(overloaded.some((x) => (x.signals.kamailio?.raw.replies5xx ?? 0) > 0));
  assert.ok(overloaded.every((x) => /kamailio: sent \d+ 5xx replies/.test(x.reason)));
  assert.ok(samples.some((x) => (x.signals.kamailio?.raw.activeDialogs ?? 0) > 0), 'admitted calls are live dialogs');
  assert.ok(samples.every((x) => x.healthy), 'OPTIONS are not limited, so the probe stays healthy');
});
