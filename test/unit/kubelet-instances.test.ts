import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ContainerInstances, restartDelayMs, restarts } from '../support/kubelet/instances.js';

const c = { name: 'vnf-agent', image: 'vnf-agent' };

test('simulated kubelet: an exit is reported terminated with its containerID, a restart counts and keeps it as lastState', () => {
  const i = new ContainerInstances();
  assert.equal(i.status(c, true), undefined);
  i.started('vnf-agent');
  const first = i.status(c, true)!;
  assert.equal(first.restartCount, 0);
  assert.ok(first.state?.running?.startedAt);
  assert.match(first.containerID ?? '', /^sim:\/\/[0-9a-f]{32}$/);
  i.exited('vnf-agent', null, 'SIGKILL');
  const dead = i.status(c, true)!;
  assert.equal(dead.ready, false);
  assert.deepEqual([dead.state?.terminated?.containerID, dead.state?.terminated?.exitCode, dead.state?.running], [first.containerID, 137, undefined]);
  i.started('vnf-agent');
  const second = i.status(c, true)!;
  assert.equal(second.restartCount, 1);
  assert.notEqual(second.containerID, first.containerID);
  assert.equal(second.lastState?.terminated?.containerID, first.containerID);
  assert.ok(second.state?.running);
});

test('simulated kubelet: restart rules and backoff follow the kubelet', () => {
  assert.equal(restarts(undefined, c, false, 0), true);
  assert.equal(restarts('OnFailure', c, false, 0), false);
  assert.equal(restarts('OnFailure', c, false, 137), true);
  assert.equal(restarts('Never', c, false, 1), false);
  assert.equal(restarts('Never', c, true, 0), true, 'a native sidecar always restarts');
  assert.deepEqual([0, 1, 2, 3, 10].map(restartDelayMs), [1_000, 10_000, 20_000, 40_000, 300_000]);
});
