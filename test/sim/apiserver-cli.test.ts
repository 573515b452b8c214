import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { cleanEnv, eventually, startProcess } from '../support/process.js';

/** The CLI from source (tsx), so the test does not depend on a fresh build. */
function startCli(args: string[]) {
  return startProcess(process.execPath, ['--import', 'tsx', 'agent/main.ts', 'apiserver', ...args], cleanEnv({}));
}

test('apiserver --help describes the flags', async () => {
  const r = await startCli(['--help']).exited(30_000);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^Usage: vnf-agent apiserver \[--listen HOST:PORT\] \[--kubeconfig FILE\]/);
  assert.match(r.stdout, /--kubeconfig FILE {3}write a kubeconfig/);
});

test('apiserver rejects a malformed --listen with exit code 2', async () => {
  const r = await startCli(['--listen', 'nowhere']).exited(30_000);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--listen must be HOST:PORT \(got "nowhere"\)/);
});

test('apiserver serves until SIGTERM, writes a working kubeconfig and has the VnfCluster CRD installed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vnf-sim-cli-'));
  const kubeconfig = join(dir, 'kubeconfig');
  const child = startCli(['--listen', '127.0.0.1:0', '--kubeconfig', kubeconfig]);
  try {
    const url = await eventually(async () => child.stdout().match(/listening on (http:\/\/127\.0\.0\.1:\d+)/)?.[1], 20_000, 'the listening line');
    assert.match(readFileSync(kubeconfig, 'utf8'), new RegExp(`server: ${url}`));
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfig);
    const crd = await kc.makeApiClient(k8s.ApiextensionsV1Api).readCustomResourceDefinition({ name: 'vnfclusters.vnf-agent.dev' });
    assert.ok(crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'));
    child.child.kill('SIGTERM');
    const r = await child.exited(10_000);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /stopped \(SIGTERM\)/);
  } finally {
    child.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
