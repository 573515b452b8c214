import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPolicy } from '../../bench/scaling-predictive.js';
import { compressedDays } from '../../bench/traces/traces.js';

test('compressed days: each day has the curve\'s trough and busy hour, and no two days are the same', () => {
  const day = 1800;
  const t = compressedDays(3, day, 40);
  assert.equal(t.load.length, 3 * day);
  const at = (d: number, hour: number) => t.load.slice(d * day + Math.round((hour / 24) * day) - 10, d * day + Math.round((hour / 24) * day) + 10).reduce((s, x) => s + x, 0) / 20;
  for (let d = 0; d < 3; d++) {
    assert.ok(at(d, 3) < 200, `day ${d} night ${at(d, 3)}`);
    assert.ok(at(d, 11) > 1100, `day ${d} busy hour ${at(d, 11)}`);
  }
  assert.notDeepEqual(t.load.slice(0, day), t.load.slice(day, 2 * day));
});

test('model: predictive scaling fails fewer calls on the morning ramps than reactive only, for a few more replica-hours', () => {
  const reactive = runPolicy('reactive', 3, 1800, 0);
  const predictive = runPolicy('predictive', 3, 1800, 0);
  assert.ok(reactive.failedMorning > 0, 'the reactive rule must fail some calls on these ramps, or there is nothing to compare');
  assert.ok(predictive.failedMorning <= reactive.failedMorning / 2, `predictive ${predictive.failedMorning} vs reactive ${reactive.failedMorning}`);
  assert.ok(predictive.predictiveScaleUps > 0);
  assert.ok(predictive.replicaHours <= reactive.replicaHours * 1.05, `replica-hours ${predictive.replicaHours} vs ${reactive.replicaHours}`);
  assert.equal(runPolicy('reactive', 3, 1800, 0).predictiveScaleUps, 0);
});
