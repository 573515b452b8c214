import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { BUCKETS_PER_WEEK, BUCKET_MS, WEEK_MS, bucketOf, bucketsBetween, weekOf, weeksBetween } from '../../agent/scaling/predictive/week.js';
import { LEVEL_SCALE, bucketNeed, emptyCurve, recordNeed, recordStartToReady, type LoadCurve } from '../../agent/scaling/predictive/curve.js';
import { DEFAULT_LEAD_SECONDS, forecast, type PredictiveSpec } from '../../agent/scaling/predictive/forecast.js';
import { FORMAT, MalformedHistoryError, decodeCurve, encodeCurve } from '../../agent/scaling/predictive/codec.js';
import { checkReady, watchScaleUp } from '../../agent/scaling/predictive/ready-watch.js';

// A Monday 08:00 UTC; weeks later land in the same bucket.
const MON_8 = Date.parse('2026-11-23T08:00:00Z');
const MIN = 60_000;
const spec = (over: Partial<PredictiveSpec> = {}): PredictiveSpec => ({ enabled: true, historyWeeks: 2, maxBoostReplicas: 5, ...over });

test('bucketing: same time of week, same bucket; weeks told apart; ranges cover every bucket once', () => {
  const rows: { name: string; got: unknown; want: unknown }[] = [
    { name: 'a week later is the same bucket', got: bucketOf(MON_8 + WEEK_MS), want: bucketOf(MON_8) },
    { name: '4:59 later is the same bucket', got: bucketOf(MON_8 + 5 * MIN - 1), want: bucketOf(MON_8) },
    { name: '5:00 later is the next bucket', got: bucketOf(MON_8 + 5 * MIN), want: bucketOf(MON_8) + 1 },
    { name: 'the epoch is bucket 0', got: bucketOf(0), want: 0 },
    { name: 'the last bucket of a week', got: bucketOf(WEEK_MS - 1), want: BUCKETS_PER_WEEK - 1 },
    { name: 'before the epoch still maps into the week', got: bucketOf(-1), want: BUCKETS_PER_WEEK - 1 },
    { name: 'week index moves by one a week', got: weeksBetween(weekOf(MON_8), weekOf(MON_8 + WEEK_MS)), want: 1 },
    { name: 'week index wraps mod 256', got: weeksBetween(255, 1), want: 2 },
    { name: 'a 1-minute range inside one bucket', got: bucketsBetween(MON_8, MON_8 + MIN).length, want: 1 },
    { name: 'a range crossing a boundary', got: bucketsBetween(MON_8 + 4 * MIN, MON_8 + 6 * MIN).map((b) => b.bucket), want: [bucketOf(MON_8), bucketOf(MON_8) + 1] },
    { name: 'a range over the week wraps to bucket 0', got: bucketsBetween(WEEK_MS - BUCKET_MS, WEEK_MS).map((b) => b.bucket), want: [BUCKETS_PER_WEEK - 1, 0] },
    { name: 'a range longer than a week is cut at one week', got: bucketsBetween(0, 3 * WEEK_MS).length, want: BUCKETS_PER_WEEK },
  ];
  for (const r of rows) assert.deepEqual(r.got, r.want, r.name);
});

/** Writes `needs` (replicas) into the bucket of MON_8 + k weeks, one per week. */
function weekly(needs: number[], weeks: number, start = emptyCurve()): LoadCurve {
  return needs.reduce((c, n, k) => recordNeed(c, MON_8 + k * WEEK_MS, n, weeks), start);
}
const b8 = bucketOf(MON_8);

test('the curve keeps a decayed weekly maximum per bucket, and forgets what is older than historyWeeks', () => {
  const rows: { name: string; curve: LoadCurve; atWeek: number; weeks: number; want: number | null }[] = [
    { name: 'no history: nothing', curve: emptyCurve(), atWeek: 0, weeks: 2, want: null },
    { name: 'only this week: not a full week yet', curve: weekly([6], 2), atWeek: 0, weeks: 2, want: null },
    { name: 'last week counts as is', curve: weekly([6], 2), atWeek: 1, weeks: 2, want: 6 },
    { name: 'the highest sample of the week wins', curve: recordNeed(recordNeed(weekly([6], 2), MON_8 + MIN, 9, 2), MON_8 + 2 * MIN, 7, 2), atWeek: 1, weeks: 2, want: 9 },
    { name: 'two weeks ago decays once (x0.5 with 2 weeks)', curve: weekly([6], 2), atWeek: 2, weeks: 2, want: 3 },
    { name: 'older than historyWeeks: forgotten', curve: weekly([6], 2), atWeek: 3, weeks: 2, want: null },
    { name: 'a higher week is followed at once', curve: weekly([4, 8], 2), atWeek: 2, weeks: 2, want: 8 },
    { name: 'a lower week fades: max(3, 8 x 0.5)', curve: weekly([8, 3], 2), atWeek: 2, weeks: 2, want: 4 },
    { name: 'historyWeeks 1 is last week exactly', curve: weekly([8, 3], 1), atWeek: 2, weeks: 1, want: 3 },
    { name: 'historyWeeks 4 fades slowly: max(3, 8 x 0.75)', curve: weekly([8, 3], 4), atWeek: 2, weeks: 4, want: 6 },
    { name: 'this week after earlier weeks counts', curve: weekly([8, 3], 2), atWeek: 1, weeks: 2, want: 4 },
  ];
  for (const r of rows) assert.equal(bucketNeed(r.curve, b8, weekOf(MON_8 + r.atWeek * WEEK_MS), r.weeks), r.want, r.name);
});

test('recordNeed is pure and says "unchanged" by returning the same curve', () => {
  const a = weekly([5], 2);
  const before = a.level[b8];
  const b = recordNeed(a, MON_8 + MIN, 7, 2);
  assert.equal(a.level[b8], before, 'the old curve is untouched');
  assert.equal(b.level[b8], 7 * LEVEL_SCALE);
  assert.equal(recordNeed(b, MON_8 + 2 * MIN, 6, 2), b, 'a lower sample in the same week changes nothing');
  assert.equal(recordNeed(b, MON_8, 5000, 2).level[b8], 0xffff, 'levels saturate instead of wrapping');
});

test('forecast: the need of the bucket one lead time ahead, once there is a full week', () => {
  // Last week: 2 replicas until 08:00, 8 from 08:00 (the morning ramp).
  let curve = emptyCurve();
  for (let t = MON_8 - 30 * MIN; t < MON_8 + 30 * MIN; t += MIN) curve = recordNeed(curve, t, t < MON_8 ? 2 : 8, 2);
  const next = MON_8 + WEEK_MS;
  const rows: { name: string; at: number; spec: PredictiveSpec; curve?: LoadCurve; want: number | null; lead: number; source: string }[] = [
    { name: '20 min before the ramp: the quiet level', at: next - 20 * MIN, spec: spec(), want: 2, lead: DEFAULT_LEAD_SECONDS, source: 'default' },
    { name: '30 s before the ramp, lead 60 s: the ramp', at: next - 30_000, spec: spec(), want: 8, lead: 60, source: 'default' },
    { name: '2 min before the ramp, lead 60 s: not yet', at: next - 2 * MIN, spec: spec(), want: 2, lead: 60, source: 'default' },
    { name: '2 min before the ramp, lead 180 s from spec: the ramp', at: next - 2 * MIN, spec: spec({ leadTimeSeconds: 180 }), want: 8, lead: 180, source: 'spec' },
    { name: 'measured start-to-ready is the lead', at: next - 2 * MIN, spec: spec(), curve: recordStartToReady(curve, 150.2), want: 8, lead: 151, source: 'measured' },
    { name: 'the week of the ramp itself: not enough history', at: MON_8 - 30_000, spec: spec(), want: null, lead: 60, source: 'default' },
    { name: 'an hour before: outside anything recorded', at: next - 60 * MIN, spec: spec(), want: null, lead: 60, source: 'default' },
  ];
  for (const r of rows) {
    const f = forecast(r.curve ?? curve, r.spec, r.at);
    assert.equal(f.replicas, r.want, r.name);
    assert.equal(f.leadSeconds, r.lead, `${r.name}: lead`);
    assert.equal(f.leadSource, r.source, `${r.name}: lead source`);
    assert.equal(f.until, new Date(r.at + r.lead * 1000).toISOString(), `${r.name}: until`);
    if (r.want === null) assert.match(f.note, /not enough history/);
  }
});

test('a fractional need rounds up to whole pods; an exact one does not', () => {
  const faded = weekly([5, 1], 2); // level 2.5 after the second week
  assert.equal(forecast(faded, spec(), MON_8 + 2 * WEEK_MS - 10_000).replicas, 3);
  assert.equal(forecast(weekly([4], 2), spec(), MON_8 + WEEK_MS - 10_000).replicas, 4);
});

test('start-to-ready: measured from the scale-up write to enough ready members, smoothed', () => {
  let w = watchScaleUp(null, 1000, 2, 4);
  assert.deepEqual(w, { sinceMs: 1000, target: 4 });
  assert.deepEqual(checkReady(w, 20_000, 3, 4), { watch: w }, 'not all ready yet');
  assert.deepEqual(checkReady(w, 31_000, 4, 4), { watch: null, measuredMs: 30_000 });
  assert.deepEqual(checkReady(w, 31_000, 2, 3), { watch: null }, 'scaled down meanwhile: no measure');
  assert.deepEqual(checkReady(w, 1000 + 16 * MIN, 3, 4), { watch: null }, 'a stuck rollout is no measure');
  w = watchScaleUp(w, 5000, 4, 6);
  assert.deepEqual(w, { sinceMs: 5000, target: 6 }, 'a newer scale-up restarts the watch');
  assert.equal(watchScaleUp(w, 9000, 6, 5), w, 'a scale-down does not touch it');
  const c = recordStartToReady(recordStartToReady(emptyCurve(), 30), 40);
  assert.equal(c.startToReadySeconds, 33);
});

test('encode/decode: round trip, small, and every malformed ConfigMap is an error, never a crash', () => {
  let curve = weekly([3, 7], 2);
  for (let t = MON_8; t < MON_8 + 24 * 3600_000; t += 5 * MIN) curve = recordNeed(curve, t, 2 + Math.round(6 * Math.sin(t / 3600_000) ** 2), 2);
  curve = recordStartToReady(curve, 42.5);
  const payload = encodeCurve(curve);
  const back = decodeCurve(payload.data, payload.binaryData);
  assert.deepEqual(back, curve);
  const size = JSON.stringify(payload).length;
  assert.ok(size < 4096, `a day of curve stores in ${size} bytes`);
  const good = payload.data;
  const bin = payload.binaryData;
  const b64 = (buf: Buffer) => ({ curve: buf.toString('base64') });
  const strayLevel = Buffer.alloc(BUCKETS_PER_WEEK * 4);
  strayLevel.writeUInt16LE(5, 0);
  const rows: { name: string; data: Record<string, string> | undefined; binary: Record<string, string> | undefined; error: RegExp }[] = [
    { name: 'no data at all', data: undefined, binary: undefined, error: /data.format/ },
    { name: 'another format', data: { ...good, format: 'v0' }, binary: bin, error: /data.format/ },
    { name: 'another bucket width', data: { ...good, bucketSeconds: '60' }, binary: bin, error: /bucketSeconds/ },
    { name: 'start-to-ready not a number', data: { ...good, startToReadySeconds: 'soon' }, binary: bin, error: /startToReadySeconds/ },
    { name: 'start-to-ready negative', data: { ...good, startToReadySeconds: '-3' }, binary: bin, error: /startToReadySeconds/ },
    { name: 'start-to-ready blank', data: { ...good, startToReadySeconds: ' ' }, binary: bin, error: /startToReadySeconds/ },
    { name: 'curve missing', data: good, binary: {}, error: /missing/ },
    { name: 'curve not base64', data: good, binary: { curve: 'not base64!' }, error: /not base64/ },
    { name: 'curve not deflated', data: good, binary: b64(Buffer.from('hello world!')), error: /inflate/ },
    { name: 'curve too short', data: good, binary: b64(deflateRawSync(Buffer.alloc(100))), error: /holds 100 bytes/ },
    { name: 'curve inflating past the bound', data: good, binary: b64(deflateRawSync(Buffer.alloc(10_000_000))), error: /inflate/ },
    { name: 'a level in a bucket never written', data: good, binary: b64(deflateRawSync(strayLevel)), error: /bucket 0 holds a level/ },
  ];
  for (const r of rows) {
    assert.throws(() => decodeCurve(r.data, r.binary), (err: unknown) => err instanceof MalformedHistoryError && r.error.test(err.message), r.name);
  }
  assert.equal(good.format, FORMAT);
});
