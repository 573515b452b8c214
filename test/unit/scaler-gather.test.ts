import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SampleGatherer, type SampleFetcher } from '../../agent/scaling/gather.js';
import type { Member } from '../../agent/model/vnfcluster.js';
import type { LoadSample } from '../../agent/signals/sample.js';
import { FakeClock } from '../support/fake-clock.js';

/** A body to answer with (a LoadSample or anything malformed), an error to throw, or 'hang'. */
type Step = unknown;

/**
 * Answers per IP from a script, one step per call. It bites: an IP without a
 * script, or more calls than scripted, fail the test. 'hang' never settles
 * and ignores the abort signal, so only the gatherer's own bound can end it.
 */
class ScriptedFetcher implements SampleFetcher {
  calls: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  constructor(private readonly script: Record<string, Step[]>) {}

  async fetch(ip: string): Promise<unknown> {
    this.calls.push(ip);
    const step = this.script[ip]?.shift();
    if (step === undefined) throw new Error(`unexpected GET /load to ${ip}`);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((resolve) => setImmediate(resolve));
      if (step === 'hang') return await new Promise(() => undefined);
      if (step instanceof Error) throw step;
      return step;
    } finally {
      this.inFlight--;
    }
  }
}

const sample = (pod: string, utilization: number | null, time = '2026-11-27T12:00:00.000Z', over: Partial<LoadSample> = {}): LoadSample => ({
  pod, time, utilization, overloaded: false, healthy: true, reason: 'ok', signals: {}, ...over,
});
const member = (pod: string, ip: string, over: Partial<Member> = {}): Member => ({ pod, ip, state: 'active', ready: true, ...over });

function gatherer(script: Record<string, Step[]>, local?: LoadSample, timeoutMs = 50) {
  const clock = new FakeClock();
  const fetcher = new ScriptedFetcher(script);
  const g = new SampleGatherer({ clock, fetcher, self: 'leader', localSample: () => local, timeoutMs });
  return { clock, fetcher, g };
}

const never = new AbortController().signal;

const rows: { name: string; members: Member[]; script: Record<string, Step[]>; local?: LoadSample; utilization: (number | null)[]; missing: RegExp[] }[] = [
  {
    name: 'the leader reads its own sample locally and fetches the others by IP',
    members: [member('leader', '10.0.0.1'), member('b', '10.0.0.2')],
    script: { '10.0.0.2': [sample('b', 0.4)] },
    local: sample('leader', 0.9),
    utilization: [0.9, 0.4],
    missing: [],
  },
  { name: 'a refused fetch is missing', members: [member('b', '10.0.0.2')], script: { '10.0.0.2': [new Error('GET /load answered 503: no sample yet')] }, utilization: [null], missing: [/^GET \/load failed: GET \/load answered 503/] },
  { name: 'a malformed body is missing', members: [member('b', '10.0.0.2')], script: { '10.0.0.2': [{ pod: 'b', utilization: 'high' }] }, utilization: [null], missing: [/^malformed LoadSample$/] },
  { name: 'an answer from another pod (a reused IP) is missing', members: [member('b', '10.0.0.2')], script: { '10.0.0.2': [sample('z', 0.1)] }, utilization: [null], missing: [/^the answer is from pod z$/] },
  { name: 'a hung fetch is cut at the timeout and missing', members: [member('b', '10.0.0.2')], script: { '10.0.0.2': ['hang'] }, utilization: [null], missing: [/GET \/load did not finish within 50 ms/] },
  { name: 'a pod without an IP is missing and never fetched', members: [member('b', '')], script: {}, utilization: [null], missing: [/the pod has no IP yet/] },
  { name: 'leaving members are left out and never fetched', members: [member('b', '10.0.0.2', { state: 'leaving', ready: false }), member('c', '10.0.0.3')], script: { '10.0.0.3': [sample('c', 0.3)] }, utilization: [0.3], missing: [] },
  { name: 'the leader without a local sample yet is missing', members: [member('leader', '10.0.0.1')], script: {}, utilization: [null], missing: [/^no sample yet$/] },
];

for (const row of rows) {
  test(`gather: ${row.name}`, async () => {
    const { g, fetcher, clock } = gatherer(row.script, row.local);
    const pending = g.gather(row.members, never);
    await clock.advance(50); // lets a hung fetch hit its bound; answered ones are done long before
    const got = await pending;
    assert.deepEqual(got.samples.map((s) => s.utilization), row.utilization);
    assert.equal(got.missing.length, row.missing.length, JSON.stringify(got.missing));
    row.missing.forEach((re, i) => assert.match(got.missing[i]!.reason, re));
    for (const script of Object.values(row.script)) assert.equal(script.length, 0, 'every scripted answer was fetched');
    assert.ok(!fetcher.calls.includes('10.0.0.1'), 'the leader never fetches itself over HTTP');
  });
}

test('gather: members are fetched concurrently', async () => {
  const ips = ['10.0.0.2', '10.0.0.3', '10.0.0.4'];
  const { g, fetcher } = gatherer(Object.fromEntries(ips.map((ip, i) => [ip, [sample(`p${i}`, 0.5)]])));
  await g.gather(ips.map((ip, i) => member(`p${i}`, ip)), never);
  assert.equal(fetcher.maxInFlight, 3);
});

test('gather: readiness and overload come through as the view and the pod said', async () => {
  const { g } = gatherer({ '10.0.0.2': [sample('b', 1.4, undefined, { overloaded: true })] });
  const got = await g.gather([member('b', '10.0.0.2', { ready: false })], never);
  assert.deepEqual(got.samples, [{ pod: 'b', ready: false, utilization: 1.4, overloaded: true, sampleAgeMs: 0 }]);
});

test('gather: age is local time since the sample first arrived, whatever the clocks say', async () => {
  const t1 = '2026-11-27T11:00:00.000Z'; // an hour "old" by the pod's clock: skew must not matter
  const { g, clock } = gatherer({ '10.0.0.2': [sample('b', 0.5, t1), sample('b', 0.5, t1), sample('b', 0.6, '2026-11-27T11:00:02.000Z')] });
  const m = [member('b', '10.0.0.2')];
  assert.equal((await g.gather(m, never)).samples[0]!.sampleAgeMs, 0);
  await clock.advance(3_000);
  clock.skewWall(-60_000);
  assert.equal((await g.gather(m, never)).samples[0]!.sampleAgeMs, 3_000, 'the same sample again: it ages');
  await clock.advance(1_000);
  const fresh = (await g.gather(m, never)).samples[0]!;
  assert.equal(fresh.sampleAgeMs, 0, 'a new sample time: fresh again');
  assert.equal(fresh.utilization, 0.6);
});

test('gather: a failed fetch keeps the previous sample, which goes on ageing', async () => {
  const { g, clock } = gatherer({ '10.0.0.2': [sample('b', 0.5), new Error('ECONNRESET')] });
  const m = [member('b', '10.0.0.2')];
  await g.gather(m, never);
  await clock.advance(4_000);
  const got = await g.gather(m, never);
  assert.deepEqual(got.samples[0], { pod: 'b', ready: true, utilization: 0.5, overloaded: false, sampleAgeMs: 4_000 });
  assert.match(got.missing[0]!.reason, /ECONNRESET \(kept the previous sample\)$/);
});

test('gather: a pod that left the view is forgotten, so a new pod of that name starts fresh', async () => {
  const { g } = gatherer({ '10.0.0.2': [sample('b', 0.5), new Error('refused')], '10.0.0.3': [sample('c', 0.2)] });
  await g.gather([member('b', '10.0.0.2')], never);
  await g.gather([member('c', '10.0.0.3')], never);
  const got = await g.gather([member('b', '10.0.0.2')], never);
  assert.equal(got.samples[0]!.utilization, null);
});

test('gather: an aborted pass reports every member as aborted', async () => {
  const { g } = gatherer({ '10.0.0.2': ['hang'] }, undefined, 60_000);
  const stop = new AbortController();
  const pending = g.gather([member('b', '10.0.0.2')], stop.signal);
  stop.abort();
  const got = await pending;
  assert.match(got.missing[0]!.reason, /^gathering was aborted$/);
});

test('readyForMs: from the pass that saw a member turn Ready; absent for one Ready before the term saw it, and after it turns unready', async () => {
  const { clock, g } = gatherer({ '10.0.0.2': [sample('b', 0.1), sample('b', 0.1), sample('b', 0.1), sample('b', 0.1)], '10.0.0.3': [sample('c', 0.1), sample('c', 0.1), sample('c', 0.1), sample('c', 0.1)] });
  const readyFor = async (b: boolean, c: boolean): Promise<(number | undefined)[]> =>
    (await g.gather([member('b', '10.0.0.2', { ready: b }), member('c', '10.0.0.3', { ready: c })], never)).samples.map((s) => s.readyForMs);
  assert.deepEqual(await readyFor(true, false), [undefined, undefined], 'b was Ready before this term saw it; c is not Ready');
  await clock.advance(2000);
  assert.deepEqual(await readyFor(true, true), [undefined, 0], 'c turned Ready in this pass');
  await clock.advance(3000);
  assert.deepEqual(await readyFor(true, true), [undefined, 3000]);
  await clock.advance(1000);
  assert.deepEqual(await readyFor(false, true), [undefined, 4000], 'b no longer Ready');
});

test('readyForMs: a pod Ready again after a spell NotReady is not new capacity', async () => {
  const { clock, g } = gatherer({ '10.0.0.2': [sample('b', 0.1), sample('b', 0.1), sample('b', 0.1), sample('b', 0.1)] });
  const readyFor = async (ready: boolean): Promise<number | undefined> => (await g.gather([member('b', '10.0.0.2', { ready })], never)).samples[0]!.readyForMs;
  assert.equal(await readyFor(false), undefined);
  await clock.advance(1000);
  assert.equal(await readyFor(true), 0, 'a new pod turned Ready');
  await clock.advance(15_000);
  assert.equal(await readyFor(false), undefined, 'overloaded, it fails its readiness');
  await clock.advance(1000);
  assert.equal(await readyFor(true), 16_000, 'back, it counts from its first Ready: not new capacity on its way');
});

test('readyForMs: a new term starts again and cannot tell since when a member is Ready', async () => {
  const { clock, g } = gatherer({ '10.0.0.2': [sample('b', 0.1), sample('b', 0.1), sample('b', 0.1)] });
  const readyFor = async (ready: boolean): Promise<number | undefined> => (await g.gather([member('b', '10.0.0.2', { ready })], never)).samples[0]!.readyForMs;
  assert.equal(await readyFor(false), undefined);
  await clock.advance(1000);
  assert.equal(await readyFor(true), 0);
  g.reset();
  await clock.advance(1000);
  assert.equal(await readyFor(true), undefined, 'after reset() the term cannot tell since when');
});
