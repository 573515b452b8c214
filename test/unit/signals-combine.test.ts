import { test } from 'node:test';
import assert from 'node:assert/strict';
import Value from 'typebox/value';
import { combine, type CombineInput } from '../../agent/signals/combine.js';
import { LoadSample, type SignalReading } from '../../agent/signals/sample.js';

const ok = (raw: Record<string, number>, extra: Partial<SignalReading> = {}): SignalReading => ({ status: 'ok', raw, ...extra });
const probe = (healthy: boolean, extra: Partial<SignalReading> = {}): SignalReading => ({ status: 'ok', raw: { rttMs: 4 }, healthy, ...extra });

const base: CombineInput = { pod: 'sprout-1', time: '2026-11-27T12:00:00.000Z', readings: {}, targets: {}, smoothing: 1, previous: null };

const cases: { name: string; input: Partial<CombineInput>; expect: { utilization: number | null; overloaded: boolean; healthy: boolean; normalized?: Record<string, number | null>; reason?: RegExp } }[] = [
  {
    name: 'utilization is the largest raw/target over all signals',
    input: {
      readings: { 'sip-options': probe(true), socket: ok({ udpRxQueueBytes: 50_000, tcpListenBacklog: 48 }), kamailio: ok({ activeTransactions: 10 }) },
      targets: { socket: { udpRxQueueBytes: 100_000, tcpListenBacklog: 64 }, kamailio: { activeTransactions: 100 } },
    },
    expect: { utilization: 0.75, overloaded: false, healthy: true, normalized: { 'sip-options': null, socket: 0.75, kamailio: 0.1 }, reason: /^utilization 0\.75 \(socket 0\.75, kamailio 0\.10\); SIP server answers$/ },
  },
  {
    name: 'a malformed signal is null, never zero, and does not lower the max',
    input: {
      readings: { 'sip-options': probe(true), socket: { status: 'malformed', raw: {}, reason: '/proc/net/udp: no socket table header' }, kamailio: ok({ activeTransactions: 30 }) },
      targets: { socket: { udpRxQueueBytes: 1 }, kamailio: { activeTransactions: 100 } },
    },
    expect: { utilization: 0.3, overloaded: false, healthy: true, normalized: { socket: null, kamailio: 0.3 }, reason: /socket malformed: \/proc\/net\/udp: no socket table header/ },
  },
  {
    name: 'no usable signal gives null utilization, not zero',
    input: { readings: { 'sip-options': { status: 'timeout', raw: {}, reason: 'udp got no answer within 1000 ms', healthy: false } }, targets: { 'sip-options': { rttMs: 50 } } },
    expect: { utilization: null, overloaded: false, healthy: false, reason: /^no usable load signal; sip-options timeout: udp got no answer within 1000 ms; SIP server does not answer 2xx$/ },
  },
  {
    name: 'a 503 from the probe marks the window overloaded and unhealthy',
    input: { readings: { 'sip-options': probe(false, { overload: 'udp got 503 Service Unavailable (Retry-After 0 s)', raw: { udpStatusCode: 503 } }) } },
    expect: { utilization: null, overloaded: true, healthy: false, reason: /overloaded \(sip-options: udp got 503 Service Unavailable \(Retry-After 0 s\)\)/ },
  },
  {
    name: 'drops overload the window while utilization stays below 1',
    input: { readings: { 'sip-options': probe(true), socket: ok({ udpRxQueueBytes: 10_000, udpDrops: 7 }, { overload: '7 UDP datagrams dropped on port 5060' }) }, targets: { socket: { udpRxQueueBytes: 100_000 } } },
    expect: { utilization: 0.1, overloaded: true, healthy: true },
  },
  {
    name: 'smoothing averages against the previous utilization',
    input: { readings: { 'sip-options': probe(true), kamailio: ok({ requestsPerS: 60 }) }, targets: { kamailio: { requestsPerS: 20 } }, smoothing: 0.5, previous: 1 },
    expect: { utilization: 2, overloaded: false, healthy: true, normalized: { kamailio: 3 } },
  },
  {
    name: 'without a probe reading the pod is not healthy',
    input: { readings: { socket: ok({ udpRxQueueBytes: 0 }) }, targets: { socket: { udpRxQueueBytes: 100 } } },
    expect: { utilization: 0, overloaded: false, healthy: false },
  },
  {
    name: 'a key with a target that the reading lacks is ignored, not zero',
    input: { readings: { 'sip-options': probe(true), kamailio: ok({ shmUsedRatio: 0.4 }) }, targets: { kamailio: { activeDialogs: 10, shmUsedRatio: 0.8 } } },
    expect: { utilization: 0.5, overloaded: false, healthy: true, normalized: { kamailio: 0.5 } },
  },
];

for (const c of cases) {
  test(`combine: ${c.name}`, () => {
    const sample = combine({ ...base, ...c.input });
    assert.ok(Value.Check(LoadSample, sample), JSON.stringify([...Value.Errors(LoadSample, sample)]));
    assert.equal(sample.utilization, c.expect.utilization);
    assert.equal(sample.overloaded, c.expect.overloaded);
    assert.equal(sample.healthy, c.expect.healthy);
    for (const [name, normalized] of Object.entries(c.expect.normalized ?? {})) assert.equal(sample.signals[name]?.normalized, normalized, name);
    if (c.expect.reason) assert.match(sample.reason, c.expect.reason);
    assert.equal(sample.pod, 'sprout-1');
  });
}

test('combine keeps raw values as measured and copies reasons', () => {
  const sample = combine({ ...base, readings: { socket: { status: 'missing', raw: {}, reason: 'no UDP socket or TCP listener on port 5060' } } });
  assert.deepEqual(sample.signals.socket, { raw: {}, normalized: null, status: 'missing', reason: 'no UDP socket or TCP listener on port 5060' });
});
