import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide } from '../../agent/scaling/decide.js';
import { emptyHistory, type DecisionPolicy, type MemberSample, type ScalingSnapshot } from '../../agent/scaling/types.js';

// ---- builders: a policy with the VnfCluster defaults, members from utilizations ----

type PolicyOverrides = Partial<Omit<DecisionPolicy, 'behavior'>> & {
  behavior?: { scaleUp?: Partial<DecisionPolicy['behavior']['scaleUp']>; scaleDown?: Partial<DecisionPolicy['behavior']['scaleDown']> };
};

function policy(over: PolicyOverrides = {}): DecisionPolicy {
  const { behavior, ...rest } = over;
  return {
    minReplicas: 1,
    maxReplicas: 10,
    targetUtilization: 0.8,
    tolerance: 0.1,
    overload: { enabled: true, step: 1 },
    paused: false,
    maintenanceWindows: [],
    sampleStaleMs: 5000,
    ...rest,
    behavior: {
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', ...behavior?.scaleUp },
      scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max', ...behavior?.scaleDown },
    },
  };
}

/** No stabilization either way, so one cycle shows the ratio rule and the rate policies alone. */
const noWindows = (over: PolicyOverrides = {}): DecisionPolicy =>
  policy({ ...over, behavior: { scaleUp: { ...over.behavior?.scaleUp }, scaleDown: { stabilizationWindowSeconds: 0, ...over.behavior?.scaleDown } } });

/** A number is a fresh ready sample; null a ready pod without a number; an object overrides fields. */
type M = number | null | Partial<MemberSample>;

function snap(current: number, ms: M[], over: Partial<ScalingSnapshot> = {}): ScalingSnapshot {
  const members = ms.map((m, i): MemberSample => {
    const base: MemberSample = { pod: `sprout-${i}`, ready: true, utilization: null, overloaded: false, sampleAgeMs: 500 };
    if (m === null) return base;
    if (typeof m === 'number') return { ...base, utilization: m };
    return { ...base, utilization: 0.5, ...m };
  });
  return { currentReplicas: current, members, floors: [], openMaintenanceWindows: [], ...over };
}
const same = (n: number, u: number): number[] => Array.from({ length: n }, () => u);

const T0 = 1_000_000;

interface Row {
  name: string;
  snapshot: ScalingSnapshot;
  policy: DecisionPolicy;
  replicas: number;
  nextStep?: number;
  reason: RegExp;
}

// ---- one cycle from a fresh history ----

const rows: Row[] = [
  // HPA documentation, the algorithm section.
  { name: 'docs: 1 replica at 200m vs 100m target doubles to 2', snapshot: snap(1, [1.0]), policy: noWindows({ targetUtilization: 0.5 }), replicas: 2, reason: /^scaled up from 1 to 2: average utilization 1\.00 is above target 0\.50 \(ratio 2\.00\)$/ },
  { name: 'docs: 50m vs 100m target halves 4 replicas to 2', snapshot: snap(4, same(4, 0.25)), policy: noWindows({ targetUtilization: 0.5 }), replicas: 2, nextStep: 3, reason: /^scaling down from 4 to 2 one pod at a time \(next 3\): average utilization 0\.25 is below target 0\.50 \(ratio 0\.50\)$/ },
  { name: 'docs: ratio 1.05 is within tolerance 0.1', snapshot: snap(3, same(3, 0.84)), policy: noWindows(), replicas: 3, reason: /^no change at 3: average utilization 0\.84 is within tolerance 0\.10 of target 0\.80 \(ratio 1\.05\)$/ },
  { name: 'ratio exactly 1.10 is still within tolerance (no float dust)', snapshot: snap(10, same(10, 0.88)), policy: noWindows(), replicas: 10, reason: /within tolerance 0\.10 of target 0\.80 \(ratio 1\.10\)$/ },
  { name: 'ratio 0.90 is within tolerance on the way down', snapshot: snap(10, same(10, 0.72)), policy: noWindows(), replicas: 10, reason: /^no change at 10: .*within tolerance/ },
  { name: 'ratio 1.125 is outside tolerance: ceil(4 x 1.125) = 5', snapshot: snap(4, same(4, 0.9)), policy: noWindows(), replicas: 5, reason: /^scaled up from 4 to 5: average utilization 0\.90 is above target 0\.80 \(ratio 1\.13\)$/ },
  { name: 'tolerance 0 acts on ratio 1.05', snapshot: snap(3, same(3, 0.84)), policy: noWindows({ tolerance: 0 }), replicas: 4, reason: /^scaled up from 3 to 4: .*ratio 1\.05/ },
  { name: 'brief example: 3 -> 5 limited by Pods 2/15s', snapshot: snap(3, same(3, 1.42)), policy: noWindows({ behavior: { scaleUp: { policies: [{ type: 'Pods', value: 2, periodSeconds: 15 }] } } }), replicas: 5, reason: /^scaled up from 3 to 5: average utilization 1\.42 is above target 0\.80 \(ratio 1\.7\d\), limited by scale-up policy Pods 2\/15s$/ },
  { name: 'average, not maximum: one hot pod among cool ones', snapshot: snap(4, [1.6, 0.4, 0.4, 0.4]), policy: noWindows(), replicas: 4, reason: /^no change at 4: average utilization 0\.70 is below target 0\.80 \(ratio 0\.8[78]\), which still needs 4 pods$/ },
  // Bounds and the default rate policies.
  { name: 'maxReplicas caps a big scale-up', snapshot: snap(8, same(8, 1.6)), policy: noWindows(), replicas: 10, reason: /^scaled up from 8 to 10: .*ratio 2\.00\), limited by maxReplicas 10$/ },
  { name: 'minReplicas floors a big scale-down', snapshot: snap(4, same(4, 0.1)), policy: noWindows({ minReplicas: 2 }), replicas: 2, nextStep: 3, reason: /^scaling down from 4 to 2 one pod at a time \(next 3\): .*, limited by minReplicas 2$/ },
  { name: 'default scale-up: Pods 4 beats Percent 100 at 2 replicas', snapshot: snap(2, same(2, 2.0)), policy: noWindows({ maxReplicas: 20, targetUtilization: 0.4 }), replicas: 6, reason: /^scaled up from 2 to 6: .*limited by scale-up policy Pods 4\/15s$/ },
  { name: 'default scale-up: Percent 100 beats Pods 4 at 6 replicas', snapshot: snap(6, same(6, 2.4)), policy: noWindows({ maxReplicas: 30 }), replicas: 12, reason: /^scaled up from 6 to 12: .*limited by scale-up policy Percent 100\/15s$/ },
  { name: 'selectPolicy Min takes the smaller step up', snapshot: snap(6, same(6, 2.4)), policy: noWindows({ maxReplicas: 30, behavior: { scaleUp: { selectPolicy: 'Min' } } }), replicas: 10, reason: /limited by scale-up policy Pods 4\/15s$/ },
  { name: 'selectPolicy Disabled never scales up', snapshot: snap(6, same(6, 2.4)), policy: noWindows({ maxReplicas: 30, behavior: { scaleUp: { selectPolicy: 'Disabled' } } }), replicas: 6, reason: /^no change at 6: .*limited by scale-up selectPolicy Disabled$/ },
  { name: 'selectPolicy Disabled never scales down', snapshot: snap(6, same(6, 0.1)), policy: noWindows({ behavior: { scaleDown: { selectPolicy: 'Disabled' } } }), replicas: 6, reason: /^no change at 6: .*limited by scale-down selectPolicy Disabled$/ },
  { name: 'scale-down Percent 50 halves at most', snapshot: snap(8, same(8, 0.1)), policy: noWindows({ behavior: { scaleDown: { policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] } } }), replicas: 4, nextStep: 7, reason: /limited by scale-down policy Percent 50\/60s$/ },
  // Missing, stale and not-ready members, the HPA's way.
  { name: 'a saturated pod counts as 2.00: its queue reads backlog, not load', snapshot: snap(1, [3.6]), policy: noWindows({ targetUtilization: 0.7 }), replicas: 3, reason: /^scaled up from 1 to 3: average utilization 2\.00 \(1 reading above 2\.00 counted as 2\.00\) is above target 0\.70 \(ratio 2\.86\)$/ },
  { name: 'real node, noisy warm-up: a saturated pod and one starting order 3, not 4', snapshot: snap(2, [2.74, { ready: false }]), policy: noWindows({ targetUtilization: 0.7 }), replicas: 3, reason: /^scaled up from 2 to 3: average utilization 2\.00 \(1 reading above 2\.00 counted as 2\.00\) is above target 0\.70 \(ratio 2\.86\); counting 1 not-ready pod as 0% the ratio is 1\.43$/ },
  { name: 'readings at 2.00 are counted whole', snapshot: snap(2, same(2, 2.0)), policy: noWindows({ targetUtilization: 0.8, maxReplicas: 20 }), replicas: 5, reason: /^scaled up from 2 to 5: average utilization 2\.00 is above target 0\.80 \(ratio 2\.50\)$/ },
  { name: 'missing sample counts as 0% on scale-up', snapshot: snap(3, [1.6, 1.6, null]), policy: noWindows(), replicas: 4, reason: /^scaled up from 3 to 4: average utilization 1\.60 is above target 0\.80 \(ratio 2\.00\); counting 1 missing sample as 0% the ratio is 1\.33$/ },
  { name: 'missing sample on scale-up that lands within tolerance holds', snapshot: snap(3, [1.2, 1.2, null]), policy: noWindows(), replicas: 3, reason: /^no change at 3: .*counting 1 missing sample as 0% the ratio is 1\.00, within tolerance$/ },
  { name: 'missing samples that reverse a scale-up hold', snapshot: snap(4, [1.0, null, null, null]), policy: noWindows(), replicas: 4, reason: /^no change at 4: .*ratio 1\.25\); counting 3 missing samples as 0% the ratio is 0\.31, which reverses direction$/ },
  { name: 'missing sample counts as 100% of target on scale-down', snapshot: snap(4, [0.2, 0.2, 0.2, null]), policy: noWindows(), replicas: 2, nextStep: 3, reason: /^scaling down from 4 to 2 .*counting 1 missing sample as 100% of target the ratio is 0\.44$/ },
  { name: 'mostly missing samples keep a scale-down within tolerance', snapshot: snap(4, [0.6, null, null, null]), policy: noWindows(), replicas: 4, reason: /counting 3 missing samples as 100% of target the ratio is 0\.94, within tolerance$/ },
  { name: 'a stale sample counts as missing', snapshot: snap(3, [1.6, 1.6, { utilization: 1.6, sampleAgeMs: 6000 }]), policy: noWindows(), replicas: 4, reason: /counting 1 missing sample as 0% the ratio is 1\.33$/ },
  { name: 'a sample exactly at the staleness bound is fresh', snapshot: snap(3, [1.6, 1.6, { utilization: 1.6, sampleAgeMs: 5000 }]), policy: noWindows(), replicas: 6, reason: /^scaled up from 3 to 6: average utilization 1\.60 .*ratio 2\.00\)$/ },
  { name: 'a not-ready pod counts as 0% on scale-up', snapshot: snap(3, [1.6, 1.6, { ready: false, utilization: 1.6 }]), policy: noWindows(), replicas: 4, reason: /counting 1 not-ready pod as 0% the ratio is 1\.33$/ },
  { name: 'a not-ready pod is left out on scale-down', snapshot: snap(3, [0.2, 0.2, { ready: false }]), policy: noWindows(), replicas: 1, nextStep: 2, reason: /^scaling down from 3 to 1 one pod at a time \(next 2\): average utilization 0\.20 is below target 0\.80 \(ratio 0\.25\)$/ },
  { name: 'replicas with no member yet are starting pods: no double scale-up', snapshot: snap(4, [1.6, 1.6]), policy: noWindows(), replicas: 4, reason: /counting 2 not-ready pods as 0% the ratio is 1\.00, within tolerance$/ },
  { name: 'missing and not-ready together on scale-up', snapshot: snap(4, [1.8, 1.8, null, { ready: false }]), policy: noWindows({ targetUtilization: 0.6 }), replicas: 6, reason: /counting 1 missing sample as 0% and 1 not-ready pod as 0% the ratio is 1\.50$/ },
  { name: 'ratio exactly 1.0 with a missing sample holds (the HPA would shrink here)', snapshot: snap(3, [0.8, 0.8, null]), policy: noWindows(), replicas: 3, reason: /^no change at 3: average utilization 0\.80 is within tolerance 0\.10 of target 0\.80 \(ratio 1\.00\)$/ },
  { name: 'no fresh sample at all holds', snapshot: snap(3, [{ sampleAgeMs: 9000 }, null, { ready: false }]), policy: noWindows(), replicas: 3, reason: /^no change at 3: no fresh load sample from any of 3 members$/ },
  // The overload fast path.
  { name: 'overload adds a pod although the average is below target', snapshot: snap(3, [0.5, 0.5, { utilization: 0.5, overloaded: true }]), policy: noWindows(), replicas: 4, reason: /^scaled up from 3 to 4: member sprout-2 is overloaded \(fast path \+1\); average utilization 0\.50 is below target/ },
  { name: 'overload step 3 is still rate limited', snapshot: snap(3, [0.8, 0.8, { utilization: 0.8, overloaded: true }]), policy: noWindows({ overload: { enabled: true, step: 3 }, behavior: { scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 15 }] } } }), replicas: 4, reason: /^scaled up from 3 to 4: member sprout-2 is overloaded \(fast path \+3\);.*limited by scale-up policy Pods 1\/15s$/ },
  { name: 'overload at maxReplicas holds and says so', snapshot: snap(10, [...same(9, 0.8), { utilization: 0.8, overloaded: true }]), policy: noWindows(), replicas: 10, reason: /^no change at 10: member sprout-9 is overloaded \(fast path \+1\);.*limited by maxReplicas 10$/ },
  { name: 'the load may ask for more than the fast path', snapshot: snap(2, [2.0, { utilization: 2.0, overloaded: true }]), policy: noWindows({ targetUtilization: 0.4 }), replicas: 6, reason: /^scaled up from 2 to 6: member sprout-1 is overloaded .*ratio 5\.00\), limited by scale-up policy Pods 4\/15s$/ },
  { name: 'several overloaded members are named', snapshot: snap(3, same(3, 0.8).map((u) => ({ utilization: u, overloaded: true }))), policy: noWindows(), replicas: 4, reason: /members sprout-0, sprout-1, sprout-2 are overloaded/ },
  { name: 'overload waits for pods already starting (no runaway)', snapshot: snap(4, [0.8, 0.8, { utilization: 0.8, overloaded: true }, { ready: false }]), policy: noWindows(), replicas: 4, reason: /^no change at 4: member sprout-2 is overloaded \(fast path waits for 1 starting or just-ready pod\); average utilization 0\.80 is within tolerance/ },
  { name: 'overload waits for a pod Ready under the staleness bound: it has no calls yet', snapshot: snap(3, [{ utilization: 2.4, overloaded: true }, { utilization: 0, readyForMs: 2500 }, { utilization: 0, readyForMs: 4999 }]), policy: noWindows({ targetUtilization: 0.7 }), replicas: 3, reason: /^no change at 3: member sprout-0 is overloaded \(fast path waits for 2 starting or just-ready pods\); average utilization 0\.67 \(1 reading above 2\.00 counted as 2\.00\) is within tolerance/ },
  { name: 'overload adds a pod once the new pods have been Ready for the staleness bound', snapshot: snap(3, [{ utilization: 2.4, overloaded: true }, { utilization: 0, readyForMs: 5000 }, { utilization: 0, readyForMs: 9000 }]), policy: noWindows({ targetUtilization: 0.7 }), replicas: 4, reason: /^scaled up from 3 to 4: member sprout-0 is overloaded \(fast path \+1\)/ },
  { name: 'overload step 3 with one pod starting adds 2', snapshot: snap(4, [0.8, 0.8, { utilization: 0.8, overloaded: true }, { ready: false }]), policy: noWindows({ overload: { enabled: true, step: 3 } }), replicas: 6, reason: /^scaled up from 4 to 6: member sprout-2 is overloaded \(fast path \+2\);/ },
  { name: 'overload disabled ignores the flag', snapshot: snap(3, [0.8, 0.8, { utilization: 0.8, overloaded: true }]), policy: noWindows({ overload: { enabled: false, step: 1 } }), replicas: 3, reason: /^no change at 3: average utilization 0\.80 is within tolerance/ },
  { name: 'a stale overloaded flag is ignored', snapshot: snap(3, [0.9, 0.9, { utilization: 0.9, overloaded: true, sampleAgeMs: 7000 }]), policy: noWindows(), replicas: 3, reason: /^no change at 3: average utilization 0\.90 is above target 0\.80 \(ratio 1\.13\); counting 1 missing sample as 0% the ratio is 0\.75, which reverses direction$/ },
  // Pause, manual, bounds.
  { name: 'spec.paused holds even under overload', snapshot: snap(4, [{ utilization: 3, overloaded: true }]), policy: noWindows({ paused: true }), replicas: 4, reason: /^no change at 4: scaling is paused \(spec\.paused\)$/ },
  { name: 'a pause request holds', snapshot: snap(4, same(4, 0.1), { manual: { kind: 'pause' } }), policy: noWindows(), replicas: 4, reason: /^no change at 4: scaling is paused by a manual request$/ },
  { name: 'a manual request scales up at once, past rate limits', snapshot: snap(2, same(2, 0.1), { manual: { kind: 'replicas', replicas: 9 } }), policy: noWindows(), replicas: 9, reason: /^scaled up from 2 to 9: a manual request holds 9 replicas$/ },
  { name: 'a manual request above max is clamped', snapshot: snap(3, same(3, 0.8), { manual: { kind: 'replicas', replicas: 20 } }), policy: noWindows(), replicas: 10, reason: /^scaled up from 3 to 10: a manual request holds 20 replicas \(clamped to maxReplicas 10\)$/ },
  { name: 'a manual request below min is clamped', snapshot: snap(3, same(3, 0.8), { manual: { kind: 'replicas', replicas: 0 } }), policy: noWindows({ minReplicas: 2 }), replicas: 2, nextStep: 2, reason: /^scaling down from 3 to 2 one pod at a time \(next 2\): a manual request holds 0 replicas \(clamped to minReplicas 2\)$/ },
  { name: 'spec.manualReplicas scales down one pod at a time', snapshot: snap(5, same(5, 1.5)), policy: policy({ manualReplicas: 2 }), replicas: 2, nextStep: 4, reason: /^scaling down from 5 to 2 one pod at a time \(next 4\): spec\.manualReplicas holds 2 replicas$/ },
  { name: 'a manual request wins over spec.manualReplicas', snapshot: snap(5, same(5, 0.8), { manual: { kind: 'replicas', replicas: 6 } }), policy: policy({ manualReplicas: 2 }), replicas: 6, reason: /^scaled up from 5 to 6: a manual request holds 6 replicas$/ },
  { name: 'manual holds ignore maintenance windows', snapshot: snap(5, same(5, 0.8), { manual: { kind: 'replicas', replicas: 3 } }), policy: policy({ maintenanceWindows: [{ name: 'nightly' }] }), replicas: 3, nextStep: 4, reason: /^scaling down from 5 to 3 .*a manual request holds 3 replicas$/ },
  { name: 'replicas above max come down to max', snapshot: snap(12, same(12, 2)), policy: policy(), replicas: 10, nextStep: 11, reason: /^scaling down from 12 to 10 one pod at a time \(next 11\): current replicas 12 are above maxReplicas 10$/ },
  { name: 'replicas below min go up to min', snapshot: snap(1, [0.1]), policy: policy({ minReplicas: 3 }), replicas: 3, reason: /^scaled up from 1 to 3: current replicas 1 are below minReplicas 3$/ },
  { name: 'a Deployment at 0 turns scaling off, as for the HPA', snapshot: snap(0, []), policy: policy(), replicas: 0, reason: /^no change at 0: the Deployment is scaled to 0, which turns autoscaling off/ },
  // Schedule floors.
  { name: 'an open schedule raises the floor', snapshot: snap(2, same(2, 0.4), { floors: [{ name: 'busy-hour', minReplicas: 6 }] }), policy: policy(), replicas: 6, reason: /^scaled up from 2 to 6: schedule busy-hour sets a floor of 6; average utilization 0\.40 is below target/ },
  { name: 'a floor rises no faster than the rate policies', snapshot: snap(2, same(2, 0.4), { floors: [{ name: 'busy-hour', minReplicas: 9 }] }), policy: policy(), replicas: 6, reason: /^scaled up from 2 to 6: schedule busy-hour sets a floor of 9;.*limited by scale-up policy Pods 4\/15s$/ },
  { name: 'a floor above max stops at max', snapshot: snap(8, same(8, 0.8), { floors: [{ name: 'new-year', minReplicas: 50 }] }), policy: policy(), replicas: 10, reason: /floor of 50;.*limited by maxReplicas 10$/ },
  { name: 'the highest of several floors wins', snapshot: snap(2, same(2, 0.8), { floors: [{ name: 'a', minReplicas: 3 }, { name: 'b', minReplicas: 5 }] }), policy: policy(), replicas: 5, reason: /^scaled up from 2 to 5: schedule b sets a floor of 5;/ },
  { name: 'a floor below the load changes nothing', snapshot: snap(3, same(3, 1.6), { floors: [{ name: 'a', minReplicas: 2 }] }), policy: policy(), replicas: 6, reason: /^scaled up from 3 to 6: average utilization 1\.60/ },
  { name: 'a floor holds a scale-down', snapshot: snap(6, same(6, 0.1), { floors: [{ name: 'busy-hour', minReplicas: 6 }] }), policy: noWindows(), replicas: 6, reason: /^no change at 6: schedule busy-hour sets a floor of 6;/ },
  // Maintenance windows.
  { name: 'scale-in waits while no maintenance window is open', snapshot: snap(5, same(5, 0.3)), policy: noWindows({ maintenanceWindows: [{ name: 'nightly' }, { name: 'sunday' }] }), replicas: 5, reason: /^no change at 5: average utilization 0\.30 is below target .*, but scale-in to 2 waits for a maintenance window \(none of nightly, sunday is open\)$/ },
  { name: 'scale-in proceeds inside an open maintenance window', snapshot: snap(5, same(5, 0.3), { openMaintenanceWindows: ['nightly'] }), policy: noWindows({ maintenanceWindows: [{ name: 'nightly' }] }), replicas: 2, nextStep: 4, reason: /^scaling down from 5 to 2 one pod at a time \(next 4\): .*, inside maintenance window nightly$/ },
  { name: 'scale-up ignores maintenance windows', snapshot: snap(3, same(3, 1.6)), policy: noWindows({ maintenanceWindows: [{ name: 'nightly' }] }), replicas: 6, reason: /^scaled up from 3 to 6: average utilization 1\.60 is above target 0\.80 \(ratio 2\.00\)$/ },
  { name: 'without maintenance windows scale-in is always allowed', snapshot: snap(5, same(5, 0.3)), policy: noWindows(), replicas: 2, nextStep: 4, reason: /^scaling down from 5 to 2 one pod at a time \(next 4\): average utilization 0\.30 is below target 0\.80 \(ratio 0\.3[78]\)$/ },
  // Stabilization from a fresh history: the failover case.
  { name: 'a new leader does not scale down at once (window seeded with current)', snapshot: snap(6, same(6, 0.1)), policy: policy(), replicas: 6, reason: /^no change at 6: .*held by the scale-down stabilization window 300s \(highest recommendation 6\)$/ },
];

for (const row of rows) {
  test(`decide: ${row.name}`, () => {
    const { decision } = decide(row.snapshot, row.policy, T0, emptyHistory);
    assert.equal(decision.replicas, row.replicas, decision.reason);
    assert.equal(decision.nextStep, row.nextStep ?? row.replicas, 'nextStep');
    const current = row.snapshot.currentReplicas;
    assert.equal(decision.direction, row.replicas > current ? 'up' : row.replicas < current ? 'down' : 'none');
    assert.match(decision.reason, row.reason);
  });
}
