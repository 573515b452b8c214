import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compress, MODEL_CALLS_PER_POD, reaction, replicaMinutes, reversals, schedules, type Sample } from '../../bench/realnode-scaling/plan.js';
import { hpaManifest, releaseValues, type PodSizing } from '../../bench/realnode-scaling/releases.js';
import { checkTargets, realNodeRows } from '../../bench/realnode-scaling/rows.js';
import type { ScalerRun, TraceRun } from '../../bench/realnode-scaling/run-trace.js';
import { parseSippStats } from '../../bench/realnode-scaling/sipp-trace.js';
import { spike, stepUp, type Trace } from '../../bench/traces/traces.js';

const flat = (values: number[], changeAt?: number): Trace => ({ name: 'flat', load: values, ...(changeAt === undefined ? {} : { changeAt, changeDirection: 'up' as const }) });

test('compress: samples every factor-th second of the window, scaled to the pod, and moves the change with it', () => {
  const cases: { name: string; load: number[]; changeAt?: number; c: { from: number; to: number; factor: number }; podCps: number; cps: number[]; changeAtS?: number }[] = [
    { name: 'identity at the model pod', load: [250, 500, 750], c: { from: 0, to: 3, factor: 1 }, podCps: MODEL_CALLS_PER_POD, cps: [250, 500, 750] },
    { name: 'factor 2 keeps every other second', load: [250, 1, 500, 1, 750, 1], c: { from: 0, to: 6, factor: 2 }, podCps: 10, cps: [10, 20, 30] },
    { name: 'a window and a change inside it', load: [0, 0, 250, 250, 500, 500, 500, 500], changeAt: 4, c: { from: 2, to: 8, factor: 2 }, podCps: 10, cps: [10, 20, 20], changeAtS: 1 },
    { name: 'a change outside the window is dropped', load: [250, 250, 250, 250], changeAt: 0, c: { from: 1, to: 4, factor: 1 }, podCps: 10, cps: [10, 10, 10] },
    { name: 'rates rounded to 0.1 call/s', load: [333], c: { from: 0, to: 1, factor: 1 }, podCps: 10, cps: [13.3] },
  ];
  for (const k of cases) {
    const s = compress(flat(k.load, k.changeAt), k.c, k.podCps);
    assert.deepEqual(s.cps, k.cps, k.name);
    assert.equal(s.changeAtS, k.changeAtS, k.name);
  }
  assert.throws(() => compress(flat([1, 2]), { from: 0, to: 3, factor: 1 }, 10), /bad compression/);
  assert.throws(() => compress(flat([1, 2]), { from: 0, to: 2, factor: 0 }, 10), /bad compression/);
});

test('the schedules the real bench plays: the step at 30 s, 90 s of spike, each 4-5 minutes, at the pod\'s scale', () => {
  const podCps = 20;
  const [step, spikeS, noisy, day] = schedules(podCps);
  assert.equal(step!.changeAtS, 30);
  assert.equal(step!.cps.length, 300);
  // 300 -> 900 calls/s of the model is 1.2 -> 3.6 pods' worth.
  const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(Math.abs(mean(step!.cps.slice(0, 30)) - 1.2 * podCps) < 1, `before the step ${mean(step!.cps.slice(0, 30))}`);
  assert.ok(Math.abs(mean(step!.cps.slice(30)) - 3.6 * podCps) < 2, `after the step ${mean(step!.cps.slice(30))}`);
  assert.equal(spikeS!.changeAtS, 30);
  const high = spikeS!.cps.map((c, i) => (c > 3 * podCps ? i : -1)).filter((i) => i >= 0);
  assert.deepEqual([high[0], high.at(-1), high.length], [30, 119, 90], 'the 3-minute spike, twice as fast');
  assert.equal(noisy!.changeAtS, undefined);
  assert.ok(noisy!.cps.length === 300 && Math.abs(mean(noisy!.cps) - 1.6 * podCps) < 3, `noisy mean ${mean(noisy!.cps)}`);
  assert.equal(day!.cps.length, 300);
  // Seeded: the same every time, and the seed's own trace.
  assert.deepEqual(schedules(podCps, ['step'])[0]!.cps, step!.cps);
  assert.equal(compress(stepUp(), { from: 480, to: 1680, factor: 4 }, podCps).cps[0], step!.cps[0]);
  assert.equal(compress(spike(), { from: 1140, to: 1680, factor: 2 }, podCps).cps[40], spikeS!.cps[40]);
});

const samples = (rows: [number, number, number][]): Sample[] => rows.map(([atS, replicas, pods]) => ({ atS, replicas, pods }));

test('replica-minutes: each poll\'s pods held until the next poll, cut at the end', () => {
  const cases: { name: string; s: Sample[]; end: number; want: number }[] = [
    { name: 'none', s: [], end: 60, want: 0 },
    { name: 'one pod for a minute', s: samples([[0, 1, 1]]), end: 60, want: 1 },
    { name: 'two then four pods', s: samples([[0, 2, 2], [30, 4, 4]]), end: 60, want: 3 },
    { name: 'a draining pod counts until it is gone', s: samples([[0, 1, 2], [30, 1, 1]]), end: 60, want: 1.5 },
    { name: 'polls past the end are cut', s: samples([[0, 1, 1], [60, 5, 5], [90, 5, 5]]), end: 60, want: 1 },
  ];
  for (const k of cases) assert.equal(replicaMinutes(k.s, k.end), k.want, k.name);
});

test('direction reversals: a change of direction in spec.replicas, not holds or repeated steps', () => {
  const cases: { name: string; replicas: number[]; want: number }[] = [
    { name: 'flat', replicas: [2, 2, 2], want: 0 },
    { name: 'up in steps', replicas: [1, 2, 2, 4, 5], want: 0 },
    { name: 'up then down', replicas: [1, 3, 3, 2], want: 1 },
    { name: 'flapping', replicas: [2, 3, 2, 3, 2], want: 3 },
    { name: 'down, hold, down, up', replicas: [5, 4, 4, 3, 4], want: 1 },
  ];
  for (const k of cases) assert.equal(reversals(samples(k.replicas.map((r, i) => [i, r, r]))), k.want, k.name);
});

test('reaction: from the change to the first moment at or after it; none without a change or a moment', () => {
  assert.equal(reaction(30, [12, 41.5, 35.04]), 5);
  assert.equal(reaction(30, [30]), 0);
  assert.equal(reaction(30, [10, 20]), null);
  assert.equal(reaction(undefined, [40]), null);
});

const csv = [
  'StartTime;CurrentTime;TargetRate;OutgoingCall(P);OutgoingCall(C);SuccessfulCall(P);SuccessfulCall(C);FailedCall(P);FailedCall(C)',
  '2026-12-03\t21:00:55.5 1;x;2;2;2;2;2;0;0',
  '2026-12-03\t21:00:56.5 1;x;7.5;7;9;5;7;2;2',
  '2026-12-03\t21:00:57.5 1;x;7.5;8;17;7;14;1;3',
  '',
].join('\n');

test('SIPp statistics: the last row\'s cumulative counts and each period\'s failures, by column name', () => {
  assert.deepEqual(parseSippStats(csv), { offered: 17, successful: 14, failed: 3, failedPerPeriod: [0, 2, 1] });
  assert.throws(() => parseSippStats('A;B\n1;2'), /lack OutgoingCall\(C\)/);
  assert.throws(() => parseSippStats(csv.split('\n')[0]!), /no rows/);
});

const sizing: PodSizing = { sipCpuMilli: 20, podCps: 12, minReplicas: 1, maxReplicas: 5, targetUtilization: 0.7 };

test('the two releases differ only in who scales: same pods, resources, bounds and signals; the HPA on the SIP container\'s CPU', () => {
  const [ours, theirs] = [releaseValues('vnf-agent', sizing), releaseValues('hpa', sizing)] as { sprout: { vnfCluster: { paused: boolean } } }[];
  assert.equal(ours!.sprout.vnfCluster.paused, false);
  assert.equal(theirs!.sprout.vnfCluster.paused, true);
  const strip = (v: unknown): unknown => JSON.parse(JSON.stringify(v).replace(/"(?:vnf|hpa)"/, '"x"').replace(/"paused":(?:true|false)/, '"paused":0'));
  assert.deepEqual(strip(ours), strip(theirs));
  assert.match(JSON.stringify(ours), /"limits":\{"cpu":"20m"\}/);
  assert.match(JSON.stringify(ours), /kamailio\.requestsPerS=36,/);
  const hpa = hpaManifest('ns', sizing) as { spec: { minReplicas: number; maxReplicas: number; scaleTargetRef: { name: string }; metrics: { containerResource: { container: string; target: { averageUtilization: number } } }[] } };
  assert.deepEqual([hpa.spec.minReplicas, hpa.spec.maxReplicas, hpa.spec.scaleTargetRef.name], [1, 5, 'hpa-sprout']);
  assert.deepEqual([hpa.spec.metrics[0]!.containerResource.container, hpa.spec.metrics[0]!.containerResource.target.averageUtilization], ['sip', 70]);
});

const run = (scaler: 'vnf-agent' | 'hpa', r: Partial<ScalerRun>): ScalerRun =>
  ({ scaler, reactionReadyS: null, reactionAnsweringS: null, failedCalls: 0, offeredCalls: 100, replicaMinutes: 5, reversals: 0, maxReplicas: 2, samples: [], events: [], ...r });
const trace = (name: string, changeAtS: number | null, ours: Partial<ScalerRun>, hpa: Partial<ScalerRun>): TraceRun =>
  ({ trace: name, seconds: 300, changeAtS, offeredCps: { min: 1, max: 9, mean: 4 }, runs: [run('vnf-agent', ours), run('hpa', hpa)] });

test('rows and targets: a reaction row only for traces with a change; each target met or missed as the figures say', () => {
  const traces = [
    trace('spike 300->1200 (3 min), 2x faster', 30, { failedCalls: 10, reactionAnsweringS: 6, replicaMinutes: 9 }, { failedCalls: 40, reactionAnsweringS: 40, replicaMinutes: 8 }),
    trace('noisy around target, 4x faster', null, { reversals: 1 }, { reversals: 2 }),
  ];
  const rows = realNodeRows(traces);
  assert.deepEqual(rows.map((r) => r.benchmark), [
    'scaling, real node: reaction, load change to a new Sprout answering calls, spike 300->1200 (3 min)',
    'scaling, real node: failed calls, spike 300->1200 (3 min)', 'scaling, real node: replica-minutes, spike 300->1200 (3 min)', 'scaling, real node: direction reversals, spike 300->1200 (3 min)',
    'scaling, real node: failed calls, noisy around target', 'scaling, real node: replica-minutes, noisy around target', 'scaling, real node: direction reversals, noisy around target',
  ]);
  assert.deepEqual([rows[0]!.ours?.median, rows[0]!.anchor?.median], [6, 40]);
  assert.deepEqual(rows.map((r) => /; target (.*)$/.exec(r.over)?.[1] ?? null), [
    null, 'failed calls <= 1/4 of HPA: met', 'replica-minutes <= HPA: missed', null,
    null, 'replica-minutes <= HPA: met', '0 direction reversals: missed',
  ], 'each row with a target says in the table whether it was met');
  assert.deepEqual(checkTargets(traces).map((c) => [c.target, c.met]), [
    ['replica-minutes <= HPA', false], ['failed calls <= 1/4 of HPA', true], ['replica-minutes <= HPA', true], ['0 direction reversals', false],
  ]);
});
