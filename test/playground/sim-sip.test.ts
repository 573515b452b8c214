import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';
import { systemClock } from '../../agent/clock/clock.js';
import { LoadGenerator } from '../../sim/load/generator.js';
import { offeredRate, presetProfiles } from '../../sim/load/profiles.js';
import { CallProcessor } from '../../sim/sip/call-processor.js';
import { LoadMonitor } from '../../sim/sip/load-monitor.js';
import { startSimSipServer } from '../../sim/sip/server.js';
import { freePort } from '../support/process.js';
import { removeScratchDir } from '../support/scratch.js';

test('load monitor: latency above target shrinks the token rate by 1.2 per 20 requests; fast service grows it', () => {
  const slow = new LoadMonitor({ targetLatencyMs: 100, maxTokens: 20, initialRate: 100, minRate: 1, maxRate: 0 }, 0);
  for (let i = 1; i <= 20; i++) slow.completed(1_000, i * 10);
  assert.equal(slow.rate, 100 / 1.2);
  const fast = new LoadMonitor({ targetLatencyMs: 100, maxTokens: 20, initialRate: 10, minRate: 1, maxRate: 50 }, 0);
  for (let i = 1; i <= 20; i++) {
    fast.admit(i * 50);
    fast.completed(10, i * 50);
  }
  assert.ok(fast.rate > 10, `rate ${fast.rate}`);
});

test('call processor: a full queue times out into 503s, the call cap rejects, answered calls count as active', () => {
  const p = new CallProcessor({ callsPerSecond: 10, workers: 1, maxCalls: 4, queueTimeoutMs: 500 }, 0);
  for (const id of ['a', 'b', 'c']) assert.equal(p.arrive(id, 0), 'accepted');
  assert.deepEqual(p.pump(0).started, [{ id: 'a', doneAtMs: 100 }]);
  assert.equal(p.finish('a', 100), true);
  assert.equal(p.activeCalls, 1);
  assert.equal(p.arrive('d', 100), 'accepted');
  assert.equal(p.arrive('e', 100), 'rejected-calls');
  const later = p.pump(550);
  assert.deepEqual(later.expired, ['b', 'c']);
  assert.deepEqual(later.started.map((s) => s.id), ['d']);
  assert.equal(p.counters.queueTimeouts, 2);
});

test('profiles: step alternates, ramp holds, daily peaks mid-day, spike at the end of each period', () => {
  const presets = presetProfiles(10);
  assert.equal(offeredRate(presets.step, 10), 12);
  assert.equal(offeredRate(presets.step, 70), 35);
  assert.equal(offeredRate(presets.ramp, 10_000), 40);
  assert.equal(offeredRate(presets.daily, 150), 40);
  assert.equal(offeredRate(presets.daily, 0), 5);
  assert.equal(offeredRate(presets.spike, 10), 12);
  assert.equal(offeredRate(presets.spike, 85), 50);
});

test('UDP: Bono spreads calls over the Sprouts in its peer file; an overloaded Sprout answers 503 with Retry-After: 0', { timeout: 20_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-sip-test-'));
  const log = () => undefined;
  const [s1Sip, s1Http, s2Sip, s2Http, bSip, bHttp] = await Promise.all([1, 2, 3, 4, 5, 6].map(() => freePort()));
  const capacity = { callsPerSecond: 5, workers: 1, maxCalls: 100, queueTimeoutMs: 400 };
  const sprouts = [
    await startSimSipServer({ role: 'sprout', host: '127.0.0.1', sipPort: s1Sip!, httpPort: s1Http!, capacity, clock: systemClock, log }),
    await startSimSipServer({ role: 'sprout', host: '127.0.0.1', sipPort: s2Sip!, httpPort: s2Http!, capacity, clock: systemClock, log }),
  ];
  const peersFile = join(dir, 'peers.json');
  const peer = (port: number) => ({ cluster: 'sprout', pod: `s${port}`, ip: '127.0.0.1', port, state: 'active', ready: true, routable: true });
  writeFileSync(peersFile, JSON.stringify({ format: 'vnf-agent.dev/peers/v1', clusters: [], peers: [peer(s1Sip!), peer(s2Sip!)] }));
  const bono = await startSimSipServer({ role: 'bono', host: '127.0.0.1', sipPort: bSip!, httpPort: bHttp!, capacity, peersFile, clock: systemClock, log });
  const load = new LoadGenerator({ clock: systemClock, holdMs: 300 }, { kind: 'constant', rate: 40 });
  t.after(async () => {
    await load.stop();
    await Promise.all([bono, ...sprouts].map((s) => s.close()));
    removeScratchDir(dir);
  });
  assert.equal(bono.stats().peers, 2);

  // OPTIONS to the Sprout is answered even while it is overloaded (it jumps the queue).
  const probe = createSocket('udp4');
  probe.bind(0, '127.0.0.1');
  await once(probe, 'listening');
  const replies: string[] = [];
  probe.on('message', (b) => replies.push(b.toString()));

  load.setTarget({ host: '127.0.0.1', port: bSip! });
  await load.start();
  await delay(2_500);
  const options = `OPTIONS sip:poll-sip@127.0.0.1:${s1Sip} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${probe.address().port};branch=z9hG4bKx\r\nFrom: <sip:p@127.0.0.1>;tag=1\r\nTo: <sip:poll-sip@127.0.0.1>\r\nCall-ID: opt1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;
  probe.send(options, s1Sip, '127.0.0.1');
  await delay(1_000);
  probe.close();

  const [a, b] = sprouts.map((s) => s.stats());
  assert.ok(a!.answered > 0 && b!.answered > 0, `both Sprouts answered calls: ${a!.answered}, ${b!.answered}`);
  assert.ok(load.counters.answered > 0, JSON.stringify(load.counters));
  assert.ok(load.counters.rejected503 > 0, `40 calls/s against 2 x 5 calls/s must be rejected: ${JSON.stringify(load.counters)}`);
  assert.ok(a!.rejectedOverload + b!.rejectedOverload > 0);
  assert.ok(replies.some((r) => r.startsWith('SIP/2.0 200 OK') && r.includes('Call-ID: opt1')), 'OPTIONS answered during overload');
  const metrics = await (await fetch(`http://127.0.0.1:${s1Http}/metrics`)).text();
  assert.match(metrics, /^sim_sip_invites_received_total\{role="sprout"\} \d+$/m);
  assert.ok(load.counters.completed > 0, `BYEs relayed through Bono complete calls: ${JSON.stringify(load.counters)}`);
});

test('UDP: a 503 from the Sprout carries Retry-After: 0', { timeout: 10_000 }, async (t) => {
  const [sip, http] = await Promise.all([freePort(), freePort()]);
  const sprout = await startSimSipServer({ role: 'sprout', host: '127.0.0.1', sipPort: sip, httpPort: http, capacity: { callsPerSecond: 1, workers: 1, maxCalls: 1, queueTimeoutMs: 4000 }, clock: systemClock, log: () => undefined });
  const uac = createSocket('udp4');
  t.after(async () => {
    uac.close();
    await sprout.close();
  });
  uac.bind(0, '127.0.0.1');
  await once(uac, 'listening');
  const got: string[] = [];
  uac.on('message', (b) => got.push(b.toString()));
  const invite = (id: string) => `INVITE sip:x@127.0.0.1:${sip} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${uac.address().port};branch=z9hG4bK${id}\r\nFrom: <sip:a@127.0.0.1>;tag=${id}\r\nTo: <sip:x@127.0.0.1>\r\nCall-ID: ${id}\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n`;
  uac.send(invite('one'), sip, '127.0.0.1');
  uac.send(invite('two'), sip, '127.0.0.1');
  for (let i = 0; i < 40 && !got.some((m) => m.startsWith('SIP/2.0 503')); i++) await delay(50);
  const rejected = got.find((m) => m.startsWith('SIP/2.0 503'));
  assert.ok(rejected, got.join('\n---\n'));
  assert.match(rejected, /\r\nRetry-After: 0\r\n/);
  assert.match(rejected, /Call-ID: two/);
});
