import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide } from '../../agent/scaling/decide.js';
import { emptyHistory, type DecisionPolicy, type ScalingHistory, type ScalingSnapshot } from '../../agent/scaling/types.js';

function policy(over: Partial<DecisionPolicy> = {}): DecisionPolicy {
  return {
    minReplicas: 1, maxReplicas: 10, targetUtilization: 0.8, tolerance: 0.1, overload: { enabled: true, step: 1 }, paused: false,
    maintenanceWindows: [], sampleStaleMs: 5000,
    behavior: { scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max' }, scaleDown: { stabilizationWindowSeconds: 0, selectPolicy: 'Max' } },
    ...over,
  };
}

/** `n` ready pods at utilization `u` (fresh samples), with a forecast floor. */
function snap(n: number, u: number, forecast?: { replicas: number; maxBoost?: number }, over: Partial<ScalingSnapshot> = {}): ScalingSnapshot {
  const members = Array.from({ length: n }, (_, i) => ({ pod: `sprout-${i}`, ready: true, utilization: u, overloaded: false, sampleAgeMs: 100 }));
  return {
    currentReplicas: n, members, floors: [], openMaintenanceWindows: [],
    ...(forecast ? { forecast: { replicas: forecast.replicas, maxBoost: forecast.maxBoost ?? 5, clause: `the forecast for the next 60s sets a floor of ${forecast.replicas}` } } : {}),
    ...over,
  };
}

const NOW = 1_000_000;

test('the forecast floor only raises the decision, within maxBoost, maxReplicas, the scale-up policies and maintenance windows', () => {
  const rows: { name: string; snapshot: ScalingSnapshot; policy?: DecisionPolicy; history?: ScalingHistory; replicas: number; setFloor: boolean | undefined; reason: RegExp }[] = [
    { name: 'no forecast: reactive only', snapshot: snap(2, 0.8), replicas: 2, setFloor: undefined, reason: /^no change at 2: average utilization/ },
    { name: 'forecast above the load raises it', snapshot: snap(2, 0.8, { replicas: 5 }), replicas: 5, setFloor: true, reason: /^scaled up from 2 to 5: the forecast for the next 60s sets a floor of 5; average utilization/ },
    { name: 'forecast below the load never lowers it', snapshot: snap(4, 1.6, { replicas: 3 }), replicas: 8, setFloor: false, reason: /^scaled up from 4 to 8: average utilization/ },
    { name: 'forecast below current with low load: the load decides the scale-in', snapshot: snap(6, 0.2, { replicas: 2 }), replicas: 2, setFloor: false, reason: /^scaling down from 6 to 2/ },
    { name: 'forecast above a low load holds a scale-in at the floor', snapshot: snap(6, 0.2, { replicas: 4 }), replicas: 4, setFloor: true, reason: /^scaling down from 6 to 4 .*the forecast/ },
    { name: 'maxBoost caps the floor above the load', snapshot: snap(2, 0.8, { replicas: 9, maxBoost: 3 }), replicas: 5, setFloor: true, reason: /capped at 5 by maxBoostReplicas 3/ },
    { name: 'maxReplicas caps the floor', snapshot: snap(2, 0.8, { replicas: 9 }), policy: policy({ maxReplicas: 4 }), replicas: 4, setFloor: true, reason: /limited by maxReplicas 4/ },
    {
      name: 'the scale-up policy limits the step', snapshot: snap(2, 0.8, { replicas: 7 }),
      policy: policy({ behavior: { scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] }, scaleDown: { stabilizationWindowSeconds: 0, selectPolicy: 'Max' } } }),
      replicas: 3, setFloor: true, reason: /limited by scale-up policy Pods 1\/60s/,
    },
    {
      name: 'scale-up disabled: the forecast cannot scale up', snapshot: snap(2, 0.8, { replicas: 7 }),
      policy: policy({ behavior: { scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Disabled' }, scaleDown: { stabilizationWindowSeconds: 0, selectPolicy: 'Max' } } }),
      replicas: 2, setFloor: true, reason: /limited by scale-up selectPolicy Disabled/,
    },
    {
      name: 'the scale-up stabilization window holds the floor too', snapshot: snap(2, 0.8, { replicas: 6 }),
      policy: policy({ behavior: { scaleUp: { stabilizationWindowSeconds: 60, selectPolicy: 'Max' }, scaleDown: { stabilizationWindowSeconds: 0, selectPolicy: 'Max' } } }),
      history: { recommendations: [{ atMs: NOW - 10_000, replicas: 2 }], events: [], lastReplicas: 2 },
      replicas: 2, setFloor: true, reason: /held by the scale-up stabilization window 60s/,
    },
    {
      name: 'outside a maintenance window the floor does not open a scale-in', snapshot: snap(8, 0.2, { replicas: 4 }),
      policy: policy({ maintenanceWindows: [{ name: 'night' }] }), replicas: 8, setFloor: true, reason: /waits for a maintenance window/,
    },
    { name: 'paused: the forecast does nothing', snapshot: snap(2, 0.8, { replicas: 6 }), policy: policy({ paused: true }), replicas: 2, setFloor: undefined, reason: /paused/ },
    { name: 'a manual count wins over the forecast', snapshot: snap(2, 0.8, { replicas: 6 }, { manual: { kind: 'replicas', replicas: 3 } }), replicas: 3, setFloor: undefined, reason: /a manual request holds 3/ },
    { name: 'a schedule floor above the forecast wins', snapshot: snap(2, 0.8, { replicas: 4 }, { floors: [{ name: 'morning', minReplicas: 6 }] }), replicas: 6, setFloor: false, reason: /schedule morning sets a floor of 6/ },
  ];
  for (const r of rows) {
    const { decision } = decide(r.snapshot, r.policy ?? policy(), NOW, r.history ?? emptyHistory);
    assert.equal(decision.replicas, r.replicas, r.name);
    assert.match(decision.reason, r.reason, r.name);
    const guarded = /paused|manual/.test(r.name);
    if (!guarded) assert.equal(decision.inputs.forecast?.setFloor, r.setFloor, `${r.name}: setFloor`);
  }
});
