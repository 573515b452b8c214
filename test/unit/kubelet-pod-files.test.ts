import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, type V1Container, type V1Pod } from '@kubernetes/client-node';
import { preparePodFiles } from '../support/kubelet/pod-files.js';
import { startContainers } from '../support/kubelet/runner.js';
import { removeScratchDir } from '../support/scratch.js';

/** The simulated kubelet's stand-in for mounts: emptyDir only, so no API server is needed. */
const container: V1Container = {
  name: 'agent', image: 'tool:1',
  args: ['--token', '/var/run/secrets/vnf-agent/token', '--tmp', '/tmp/work', '--listen', '$(HOST)', '/tmpfile'],
  env: [{ name: 'HOST', value: '0.0.0.0' }, { name: 'SCRATCH', value: '/tmp' }, { name: 'DATA', value: '/data/x/y' }],
  volumeMounts: [
    { name: 'tmp', mountPath: '/tmp' },
    { name: 'secrets', mountPath: '/var/run/secrets/vnf-agent' },
    { name: 'data', mountPath: '/data/x', subPath: 'sub' },
  ],
};
const pod: V1Pod = {
  metadata: { name: 'p-1', namespace: 'ns', uid: 'u' },
  spec: { containers: [container], volumes: [{ name: 'tmp', emptyDir: {} }, { name: 'secrets', emptyDir: {} }, { name: 'data', emptyDir: {} }] },
  status: { podIP: '127.9.0.10' },
};

test('paths into a mount are rewritten to the pod folder (longest mount wins, subPath kept); others and the wildcard bind are handled', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pod-files-'));
  try {
    const files = await preparePodFiles(new KubeConfig(), pod, dir, '127.9.0.10');
    const v = (name: string) => join(dir, 'volumes', name);
    const cases: [string, string][] = [
      ['/tmp', v('tmp')], ['/tmp/work', `${v('tmp')}/work`], ['/tmpfile', '/tmpfile'],
      ['/var/run/secrets/vnf-agent/token', `${v('secrets')}/token`], ['/var/run/secrets/other', '/var/run/secrets/other'],
      ['/data/x/y', `${join(v('data'), 'sub')}/y`], ['0.0.0.0', '127.9.0.10'], ['relative/tmp', 'relative/tmp'],
    ];
    for (const [from, to] of cases) assert.equal(files.localize(container, from), to, from);
    assert.deepEqual(files.env, {}, 'no ServiceAccount, no kubeconfig');
    assert.ok(existsSync(v('tmp')) && existsSync(v('data')), 'emptyDir volumes exist');
  } finally {
    removeScratchDir(dir);
  }
});

test('the container\'s args and env go through its mounts; the runner\'s own host paths do not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pod-files-'));
  try {
    const files = await preparePodFiles(new KubeConfig(), pod, dir, '127.9.0.10');
    // A host path under /tmp, like a checkout cloned into /tmp: it must reach the process untouched.
    const runners = { tool: (c: V1Container) => ({ command: '/bin/true', args: ['/tmp/checkout/dist/main.js', ...(c.args ?? [])] }) };
    const [running] = startContainers(pod, runners, dir, files);
    assert.ok(running);
    await once(running.child, 'exit');
    assert.deepEqual(running.child.spawnargs.slice(1), [
      '/tmp/checkout/dist/main.js', '--token', join(dir, 'volumes/secrets/token'), '--tmp', join(dir, 'volumes/tmp/work'), '--listen', '127.9.0.10', '/tmpfile',
    ]);
  } finally {
    removeScratchDir(dir);
  }
});
