import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { resolveEnv } from '../support/kubelet/env.js';

const pod: V1Pod = { metadata: { name: 'bono-0', namespace: 'sip' }, status: { podIP: '10.0.0.7' } };

test('simulated kubelet env: values, $(VAR) expansion, the downward API, and an empty value as the API server returns it', () => {
  const container: V1Container = {
    name: 'sidecar',
    env: [
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'URL', value: 'http://$(POD_IP):5060/RPC' },
      // `value: ""` loses its value on the way through the API server (omitempty).
      { name: 'EMPTY' },
    ],
  };
  assert.deepEqual(resolveEnv(pod, container), { POD_IP: '10.0.0.7', URL: 'http://10.0.0.7:5060/RPC', EMPTY: '' });
});

test('simulated kubelet env: a source it cannot play (a Secret) is refused by name, not set to a guess', () => {
  const container: V1Container = { name: 'sidecar', env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] };
  assert.throws(() => resolveEnv(pod, container), /env TOKEN: only value and fieldRef/);
});
