import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide } from '../../agent/scaling/decide.js';
import { recordScale } from '../../agent/scaling/history.js';
import { policyFromSpec } from '../../agent/scaling/policy.js';
import { emptyHistory, type MemberSample, type ScalingHistory, type ScalingSnapshot } from '../../agent/scaling/types.js';
import type { VnfClusterSpec } from '../../agent/model/vnfcluster.js';

/**
 * Multi-cycle scenarios: the history threads from one cycle to the next, as in
 * the leader's scaler, and `write` plays the scaler applying the decision.
 */

type Spec = Partial<VnfClusterSpec>;
const baseSpec: VnfClusterSpec = {
  role: 'sprout',
  targetRef: { kind: 'Deployment', name: 'sprout' },
  selector: { matchLabels: { app: 'sprout' } },
  minReplicas: 1,
  maxReplicas: 10,
  targetUtilization: 0.8,
  tolerance: 0.1,
  behavior: { scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max' }, scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max' } },
  overload: { enabled: true, step: 1 },
  schedules: [],
  maintenanceWindows: [],
  drainTimeoutSeconds: 60,
  drainMinimumSeconds: 0,
  upstreams: [],
  paused: false,
};
const policyOf = (spec: Spec) => policyFromSpec({ ...baseSpec, ...spec }, 5000);

function snap(current: number, utils: (number | Partial<MemberSample>)[], over: Partial<ScalingSnapshot> = {}): ScalingSnapshot {
  const members = utils.map((u, i): MemberSample => {
    const base: MemberSample = { pod: `sprout-${i}`, ready: true, utilization: 0.5, overloaded: false, sampleAgeMs: 500 };
    return typeof u === 'number' ? { ...base, utilization: u } : { ...base, ...u };
  });
  return { currentReplicas: current, members, floors: [], openMaintenanceWindows: [], ...over };
}
const same = (n: number, u: number): number[] => Array.from({ length: n }, () => u);

interface Step {
  /** Seconds since the scenario started. */
  at: number;
  current: number;
  utils: (number | Partial<MemberSample>)[];
  over?: Partial<ScalingSnapshot>;
  replicas: number;
  nextStep?: number;
  reason: RegExp;
  /** The scaler writes the target (HPA style) or the next step (one pod at a time) and records it. */
  write?: 'target' | 'step';
}

interface Scenario {
  name: string;
  spec: Spec;
  steps: Step[];
}

const T0 = 5_000_000;
const tiny = (n: number): number[] => same(n, 0.01);
const docsBehavior: Spec = {
  maxReplicas: 100,
  behavior: {
    scaleUp: baseSpec.behavior.scaleUp,
    scaleDown: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 60 }, { type: 'Percent', value: 10, periodSeconds: 60 }] },
  },
};
const docsStep = (at: number, from: number, to: number, policyName: string): Step => ({
  at,
  current: from,
  utils: tiny(from),
  replicas: to,
  nextStep: from - 1,
  reason: new RegExp(`^scaling down from ${from} to ${to} one pod at a time \\(next ${from - 1}\\): .*limited by scale-down policy ${policyName}$`),
  write: 'target',
});

const scenarios: Scenario[] = [
  {
    name: 'HPA docs: Pods 4/60s + Percent 10/60s from 80 removes 8, 8, 7 ... then 4 per minute below 40',
    spec: docsBehavior,
    steps: [
      docsStep(0, 80, 72, 'Percent 10/60s'),
      { at: 30, current: 72, utils: tiny(72), replicas: 72, reason: /^no change at 72: .*limited by scale-down policy Percent 10\/60s$/ },
      docsStep(61, 72, 64, 'Percent 10/60s'),
      docsStep(122, 64, 57, 'Percent 10/60s'),
      docsStep(183, 57, 51, 'Percent 10/60s'),
      docsStep(244, 51, 45, 'Percent 10/60s'),
      docsStep(305, 45, 40, 'Percent 10/60s'),
      docsStep(366, 40, 36, 'Pods 4/60s'),
      docsStep(427, 36, 32, 'Pods 4/60s'),
      docsStep(488, 32, 28, 'Pods 4/60s'),
    ],
  },
  {
    name: 'one pod at a time: steps within a period add up to the policy limit',
    spec: docsBehavior,
    steps: [
      ...Array.from({ length: 8 }, (_, i): Step => ({ at: i, current: 80 - i, utils: tiny(80 - i), replicas: 72, nextStep: 79 - i, reason: /^scaling down from \d+ to 72 one pod at a time/, write: 'step' })),
      { at: 8, current: 72, utils: tiny(72), replicas: 72, reason: /^no change at 72: .*limited by scale-down policy Percent 10\/60s$/ },
      { at: 59.5, current: 72, utils: tiny(72), replicas: 72, reason: /^no change at 72: .*limited by scale-down policy Percent 10\/60s$/ },
      // The first step (at 0 s) has left the sliding period: one more pod may go.
      { at: 60.5, current: 72, utils: tiny(72), replicas: 71, nextStep: 71, reason: /^scaling down from 72 to 71 one pod at a time .*limited by scale-down policy Percent 10\/60s$/ },
    ],
  },
  {
    name: 'scale-down stabilization 300s keeps the highest recommendation of the window',
    spec: {},
    steps: [
      { at: 0, current: 5, utils: same(5, 0.8), replicas: 5, reason: /^no change at 5: .*within tolerance/ },
      { at: 60, current: 5, utils: same(5, 0.3), replicas: 5, reason: /^no change at 5: average utilization 0\.30 .*held by the scale-down stabilization window 300s \(highest recommendation 5\)$/ },
      { at: 200, current: 5, utils: same(5, 0.45), replicas: 5, reason: /highest recommendation 5\)$/ },
      { at: 301, current: 5, utils: same(5, 0.3), replicas: 3, nextStep: 4, reason: /^scaling down from 5 to 3 one pod at a time \(next 4\): .*held by the scale-down stabilization window 300s \(highest recommendation 3\)$/, write: 'step' },
      { at: 501, current: 4, utils: same(4, 0.375), replicas: 2, nextStep: 3, reason: /^scaling down from 4 to 2 .*ratio 0\.47\)$/ },
    ],
  },
  {
    name: 'scale-up stabilization keeps the lowest recommendation; the overload fast path bypasses it',
    spec: { behavior: { scaleUp: { stabilizationWindowSeconds: 60, selectPolicy: 'Max' }, scaleDown: baseSpec.behavior.scaleDown } },
    steps: [
      { at: 0, current: 3, utils: same(3, 0.8), replicas: 3, reason: /^no change at 3:/ },
      { at: 10, current: 3, utils: same(3, 1.6), replicas: 3, reason: /^no change at 3: average utilization 1\.60 is above target .*held by the scale-up stabilization window 60s \(lowest recommendation 3\)$/ },
      { at: 20, current: 3, utils: [1.6, 1.6, { utilization: 1.6, overloaded: true }], replicas: 6, reason: /^scaled up from 3 to 6: member sprout-2 is overloaded \(fast path \+1\); average utilization 1\.60/, write: 'target' },
      { at: 70, current: 6, utils: same(6, 1.6), replicas: 6, reason: /^no change at 6: .*held by the scale-up stabilization window 60s \(lowest recommendation 6\)$/ },
    ],
  },
  {
    name: 'rate limits count this period\'s scale-ups (default Pods 4 / Percent 100 per 15s)',
    spec: { maxReplicas: 30, targetUtilization: 0.4 },
    steps: [
      { at: 0, current: 2, utils: same(2, 2), replicas: 6, reason: /limited by scale-up policy Pods 4\/15s$/, write: 'target' },
      { at: 5, current: 6, utils: same(6, 2), replicas: 6, reason: /^no change at 6: .*limited by scale-up policy Pods 4\/15s$/ },
      { at: 15.5, current: 6, utils: same(6, 2), replicas: 12, reason: /^scaled up from 6 to 12: .*limited by scale-up policy Percent 100\/15s$/ },
    ],
  },
  {
    name: 'a change nobody recorded (kubectl scale) still counts against the rate policies',
    spec: { maxReplicas: 30 },
    steps: [
      { at: 0, current: 3, utils: same(3, 0.8), replicas: 3, reason: /^no change at 3:/ },
      { at: 5, current: 7, utils: same(7, 4), replicas: 7, reason: /^no change at 7: .*limited by scale-up policy Pods 4\/15s$/ },
      { at: 20.5, current: 7, utils: same(7, 4), replicas: 14, reason: /^scaled up from 7 to 14:/ },
    ],
  },
  {
    name: 'a schedule floor drops only after the scale-down window',
    spec: {},
    steps: [
      { at: 0, current: 6, utils: same(6, 0.2), over: { floors: [{ name: 'busy-hour', minReplicas: 6 }] }, replicas: 6, reason: /^no change at 6: schedule busy-hour sets a floor of 6;/ },
      { at: 10, current: 6, utils: same(6, 0.2), replicas: 6, reason: /^no change at 6: average utilization 0\.20 .*held by the scale-down stabilization window 300s \(highest recommendation 6\)$/ },
      { at: 311, current: 6, utils: same(6, 0.2), replicas: 2, nextStep: 5, reason: /^scaling down from 6 to 2 one pod at a time \(next 5\): average utilization 0\.20/ },
    ],
  },
  {
    name: 'a maintenance window opening releases a held scale-in',
    spec: { maintenanceWindows: [{ name: 'nightly', cron: '0 2 * * *', durationMinutes: 120 }], behavior: { scaleUp: baseSpec.behavior.scaleUp, scaleDown: { stabilizationWindowSeconds: 0, selectPolicy: 'Max' } } },
    steps: [
      { at: 0, current: 4, utils: same(4, 0.2), replicas: 4, reason: /^no change at 4: .*but scale-in to 1 waits for a maintenance window \(none of nightly is open\)$/ },
      { at: 60, current: 4, utils: same(4, 0.2), over: { openMaintenanceWindows: ['nightly'] }, replicas: 1, nextStep: 3, reason: /^scaling down from 4 to 1 .*inside maintenance window nightly$/, write: 'step' },
      { at: 61, current: 3, utils: same(3, 0.2), replicas: 3, reason: /^no change at 3: .*but scale-in to 1 waits for a maintenance window/ },
    ],
  },
  {
    name: 'leaving a pause does not shrink at once: the held count stays in the window',
    spec: {},
    steps: [
      { at: 0, current: 5, utils: same(5, 0.2), over: { manual: { kind: 'pause' } }, replicas: 5, reason: /^no change at 5: scaling is paused by a manual request$/ },
      { at: 200, current: 5, utils: same(5, 0.2), over: { manual: { kind: 'pause' } }, replicas: 5, reason: /paused/ },
      { at: 201, current: 5, utils: same(5, 0.2), replicas: 5, reason: /held by the scale-down stabilization window 300s \(highest recommendation 5\)$/ },
    ],
  },
];

for (const scenario of scenarios) {
  test(`behavior: ${scenario.name}`, () => {
    const policy = policyOf(scenario.spec);
    let history: ScalingHistory = emptyHistory;
    for (const step of scenario.steps) {
      const now = T0 + step.at * 1000;
      const result = decide(snap(step.current, step.utils, step.over), policy, now, history);
      const { decision } = result;
      const where = `at ${step.at}s: ${decision.reason}`;
      assert.equal(decision.replicas, step.replicas, where);
      assert.equal(decision.nextStep, step.nextStep ?? step.replicas, `nextStep ${where}`);
      assert.match(decision.reason, step.reason, where);
      history = result.history;
      if (step.write) history = recordScale(history, step.current, step.write === 'target' ? decision.replicas : decision.nextStep, now);
    }
  });
}

test('history keeps only what the windows and periods can still see', () => {
  const policy = policyOf({});
  let history: ScalingHistory = emptyHistory;
  for (let s = 0; s < 1000; s++) history = decide(snap(3, same(3, 0.8)), policy, T0 + s * 1000, history).history;
  // 300 s scale-down window at one cycle a second: 300 recommendations, no more.
  assert.equal(history.recommendations.length, 300);
  assert.equal(history.events.length, 0);
  assert.equal(history.lastReplicas, 3);
});

test('decide never mutates the history it was given', () => {
  const policy = policyOf({});
  const first = decide(snap(3, same(3, 1.6)), policy, T0, emptyHistory).history;
  const frozen = structuredClone(first);
  decide(snap(6, same(6, 0.2)), policy, T0 + 1000, first);
  assert.deepEqual(first, frozen);
  assert.deepEqual(emptyHistory, { recommendations: [], events: [], lastReplicas: null });
});
