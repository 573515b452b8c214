import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, flushMicrotasks } from '../support/fake-clock.js';
import { memorySink } from '../support/log-sink.js';
import { createLogger } from '../../agent/log/logger.js';
import { createRegistry } from '../../agent/metrics/registry.js';
import { Sampler } from '../../agent/signals/sampler.js';
import { SignalMetrics } from '../../agent/signals/metrics.js';
import type { SignalReading, SignalSource } from '../../agent/signals/sample.js';

type Step = SignalReading | 'hang' | Error;

/** A source that plays its script, one step per read, and records any read beyond it. */
class ScriptedSource implements SignalSource {
  readonly unexpected: number[] = [];
  inFlight = 0;
  maxInFlight = 0;
  reads = 0;
  aborted = 0;
  constructor(readonly name: string, private readonly steps: Step[]) {}
  async read(signal: AbortSignal): Promise<SignalReading> {
    this.reads++;
    const step = this.steps.shift();
    if (step === undefined) {
      this.unexpected.push(this.reads);
      throw new Error('unexpected read');
    }
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (step instanceof Error) throw step;
      if (step === 'hang') {
        await new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => {
            this.aborted++;
            reject(new Error('aborted'));
          }, { once: true }),
        );
      }
      return step as SignalReading;
    } finally {
      this.inFlight--;
    }
  }
}

const healthy: SignalReading = { status: 'ok', raw: { rttMs: 2 }, healthy: true };
const unhealthy: SignalReading = { status: 'timeout', raw: {}, healthy: false, reason: 'udp got no answer within 1000 ms' };

function setup(sources: SignalSource[], level = 'info') {
  const clock = new FakeClock();
  const sink = memorySink();
  const registry = createRegistry({ version: 't', nodeVersion: 'v20' });
  const sampler = new Sampler({
    pod: 'sprout-0', sources, targets: { 'sip-options': { rttMs: 10 } }, intervalMs: 2_000, timeoutMs: 1_500, smoothing: 1,
    clock, logger: createLogger({ level, destination: sink }), metrics: new SignalMetrics(registry),
  });
  return { clock, sink, sampler, registry };
}

test('a source that hangs is reported as timeout after timeoutMs and its I/O is aborted', async () => {
  const probe = new ScriptedSource('sip-options', [healthy]);
  const slow = new ScriptedSource('kamailio', ['hang']);
  const { clock, sampler } = setup([probe, slow]);
  const pass = sampler.runOnce();
  await flushMicrotasks();
  await clock.advance(1_499);
  assert.equal(sampler.latest(), undefined, 'still waiting before the deadline');
  await clock.advance(1);
  const reason = await pass;
  assert.equal(sampler.latest()?.signals.kamailio?.status, 'timeout');
  assert.equal(sampler.latest()?.signals.kamailio?.reason, 'no reading within 1500 ms');
  assert.equal(slow.aborted, 1);
  assert.match(reason, /kamailio timeout: no reading within 1500 ms/);
  assert.deepEqual([...probe.unexpected, ...slow.unexpected], []);
});

test('a source that throws is an error reading and the pass still completes', async () => {
  const probe = new ScriptedSource('sip-options', [healthy]);
  const broken = new ScriptedSource('socket', [new Error('EACCES: /proc/net/udp')]);
  const { sampler } = setup([probe, broken]);
  const reason = await sampler.runOnce();
  assert.deepEqual(sampler.latest()?.signals.socket, { raw: {}, normalized: null, status: 'error', reason: 'EACCES: /proc/net/udp' });
  assert.match(reason, /^utilization 0\.20 \(sip-options 0\.20\); socket error: EACCES/);
});

test('the loop paces passes by the interval, never overlaps, survives failures and stops on abort', async () => {
  const probe = new ScriptedSource('sip-options', [healthy, new Error('boom'), 'hang', healthy]);
  const { clock, sampler } = setup([probe]);
  const stop = new AbortController();
  const loop = sampler.run(stop.signal);
  await flushMicrotasks();
  assert.equal(probe.reads, 1);
  await clock.advance(2_000);
  assert.equal(probe.reads, 2, 'second pass after one interval');
  await clock.advance(2_000);
  assert.equal(probe.reads, 3);
  await clock.advance(1_500);
  assert.equal(sampler.latest()?.signals['sip-options']?.status, 'timeout');
  await clock.advance(499);
  assert.equal(probe.reads, 3, 'a pass that used its timeout still waits for the interval');
  await clock.advance(1);
  assert.equal(probe.reads, 4);
  stop.abort();
  await loop;
  assert.equal(probe.maxInFlight, 1);
  assert.deepEqual(probe.unexpected, []);
  assert.equal(sampler.latest()?.healthy, true);
});

test('readiness: no result yet, ready, unhealthy with the reason, stale, draining', async () => {
  const probe = new ScriptedSource('sip-options', [healthy, unhealthy, healthy]);
  const { clock, sampler } = setup([probe]);
  assert.equal(sampler.readiness(), 'no SIP probe result yet');
  await sampler.runOnce();
  assert.equal(sampler.readiness(), undefined);
  await sampler.runOnce();
  assert.equal(sampler.readiness(), 'SIP server does not answer OPTIONS with 2xx: udp got no answer within 1000 ms');
  await sampler.runOnce();
  assert.equal(sampler.readiness(), undefined);
  sampler.setDraining(true);
  assert.equal(sampler.readiness(), 'draining');
  sampler.setDraining(false);
  await clock.advance(3 * 2_000 + 1_500 + 1);
  assert.equal(sampler.readiness(), 'last SIP probe result is 7501 ms old');
  assert.deepEqual(probe.unexpected, []);
});

test('each pass is logged once: info when health, overload or a status changes, debug otherwise', async () => {
  const probe = new ScriptedSource('sip-options', [healthy, healthy, unhealthy]);
  const { sink, sampler } = setup([probe]);
  const reasons = [await sampler.runOnce(), await sampler.runOnce(), await sampler.runOnce()];
  const lines = sink.lines().filter((l) => l.msg === 'Sampled SIP load');
  assert.deepEqual(lines.map((l) => l.reason), [reasons[0], reasons[2]]);
  assert.deepEqual(lines.map((l) => l.healthy), [true, false]);
});

test('metrics per signal follow the latest sample', async () => {
  const probe = new ScriptedSource('sip-options', [healthy, unhealthy]);
  const { sampler, registry } = setup([probe]);
  await sampler.runOnce();
  await sampler.runOnce();
  const lines = (await registry.metrics()).split('\n').filter((l) => /^vnf_agent_(signal|sip|load)_/.test(l));
  assert.ok(lines.includes('vnf_agent_signal_reads_total{signal="sip-options",status="ok"} 1'), lines.join('\n'));
  assert.ok(lines.includes('vnf_agent_signal_reads_total{signal="sip-options",status="timeout"} 1'), lines.join('\n'));
  assert.ok(lines.includes('vnf_agent_sip_healthy 0'));
  assert.ok(lines.some((l) => /^vnf_agent_load_utilization nan$/i.test(l)), 'no usable signal is NaN, not 0');
  assert.ok(!lines.some((l) => l.startsWith('vnf_agent_signal_raw{signal="sip-options",key="rttMs"}')), 'stale raw values are dropped');
});

test('read durations are a histogram per signal: every read is counted, a timed-out read at the timeout', async () => {
  const probe = new ScriptedSource('sip-options', [healthy, healthy]);
  const slow = new ScriptedSource('kamailio', [healthy, 'hang']);
  const { clock, sampler, registry } = setup([probe, slow]);
  await sampler.runOnce();
  const pass = sampler.runOnce();
  await flushMicrotasks();
  await clock.advance(1_500);
  await pass;
  const text = await registry.metrics();
  assert.match(text, /^# TYPE vnf_agent_signal_read_duration_seconds histogram$/m);
  const lines = text.split('\n').filter((l) => l.startsWith('vnf_agent_signal_read_duration_seconds'));
  for (const expected of [
    'vnf_agent_signal_read_duration_seconds_count{signal="sip-options"} 2',
    'vnf_agent_signal_read_duration_seconds_bucket{le="0.0005",signal="sip-options"} 2',
    'vnf_agent_signal_read_duration_seconds_count{signal="kamailio"} 2',
    'vnf_agent_signal_read_duration_seconds_bucket{le="1",signal="kamailio"} 1',
    'vnf_agent_signal_read_duration_seconds_bucket{le="1.5",signal="kamailio"} 2',
    'vnf_agent_signal_read_duration_seconds_sum{signal="kamailio"} 1.5',
  ]) {
    assert.ok(lines.includes(expected), `${expected} in\n${lines.join('\n')}`);
  }
});
