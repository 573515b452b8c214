import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodSightings } from '../../agent/cycle/pod-sightings.js';
import type { PodFacts } from '../../agent/membership/state.js';

const pod = (name: string, containerId = 'c1', withStatus = true): PodFacts => ({
  name, ip: '10.0.0.1', ready: true, deleting: false, drainingAnnotation: false, createdAt: '',
  ...(withStatus ? { process: { name, uid: `uid-${name}`, deleting: false, containers: [{ name: 'vnf-agent', containerId, restartCount: 0, runningSince: new Date(0), terminated: undefined, lastTerminated: undefined }] } } : {}),
});

test('a pod that leaves its watch is kept as gone with its last status; one never seen is unknown', () => {
  const s = new PodSightings();
  s.update('app=sprout', [pod('a'), pod('b')]);
  s.update('app=sprout', [pod('a', 'c2')]);
  assert.equal(s.sighting('a')?.gone, false);
  assert.equal(s.sighting('a')?.pod.containers[0]?.containerId, 'c2');
  assert.equal(s.present('a')?.uid, 'uid-a');
  assert.equal(s.sighting('b')?.gone, true);
  assert.equal(s.sighting('b')?.pod.uid, 'uid-b');
  assert.equal(s.present('b'), undefined);
  assert.equal(s.sighting('c'), undefined);
  s.update('app=bono', [pod('x')]); // another watch does not make sprout's pods gone
  assert.equal(s.sighting('a')?.gone, false);
  s.update('app=sprout', [pod('b', 'c9')]); // back under the same name
  assert.equal(s.sighting('b')?.gone, false);
  assert.equal(s.sighting('a')?.gone, true);
});

test('a pod without a status is not a sighting', () => {
  const s = new PodSightings();
  s.update('app=sprout', [pod('a', 'c1', false)]);
  assert.equal(s.sighting('a'), undefined);
});

test('only the latest 64 deleted pods are remembered', () => {
  const s = new PodSightings();
  const names = Array.from({ length: 70 }, (_, i) => `p${i}`);
  s.update('sel', names.map((n) => pod(n)));
  s.update('sel', []);
  assert.equal(names.filter((n) => s.sighting(n)).length, 64);
  assert.equal(s.sighting('p69')?.gone, true);
});
