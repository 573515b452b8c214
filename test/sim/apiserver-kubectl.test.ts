import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { kubectlBin } from '../support/controlplane.js';
import { eventually } from '../support/process.js';
import { startSim, type SimClient } from '../support/sim-apiserver.js';

const run = promisify(execFile);

let sim: SimClient;
let dir: string;
before(async () => {
  sim = await startSim();
  dir = mkdtempSync(join(tmpdir(), 'vnf-sim-kubectl-'));
  writeFileSync(join(dir, 'kubeconfig'), sim.server.kubeconfig());
});
after(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

/** kubectl with a fresh discovery cache, so every run really asks the stand-in. */
async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run(kubectlBin(), [`--kubeconfig=${join(dir, 'kubeconfig')}`, `--cache-dir=${join(dir, 'cache')}`, ...args], { timeout: 30_000 });
  return stdout;
}

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: sprout}
spec:
  replicas: 1
  selector: {matchLabels: {app: sprout}}
  template:
    metadata: {labels: {app: sprout}}
    spec:
      terminationGracePeriodSeconds: 0
      containers: [{name: sip, image: "sprout:1"}]
`;

test('kubectl create -f (with client-side validation), get, scale and patch work against the stand-in', async () => {
  writeFileSync(join(dir, 'deploy.yaml'), DEPLOYMENT);
  assert.match(await kubectl('create', '-f', join(dir, 'deploy.yaml')), /deployment\.apps\/sprout created/);
  assert.match(await kubectl('scale', 'deployment', 'sprout', '--replicas=3'), /deployment\.apps\/sprout scaled/);
  await eventually(async () => ((await kubectl('get', 'pods', '-l', 'app=sprout', '-o', 'name')).trim().split('\n').length === 3 ? true : undefined), 10_000, '3 pods');
  assert.match(await kubectl('patch', 'deployment', 'sprout', '-p', '{"metadata":{"labels":{"team":"sip"}}}'), /patched/);
  assert.match(await kubectl('patch', 'deployment', 'sprout', '--type=merge', '-p', '{"metadata":{"labels":{"team":"sip"}}}'), /patched \(no change\)/);
  const deploy = JSON.parse(await kubectl('get', 'deployment', 'sprout', '-o', 'json'));
  assert.equal(deploy.spec.replicas, 3);
  assert.equal(deploy.metadata.labels.team, 'sip');
  assert.equal(deploy.metadata.generation, 2, 'scale moved generation, the label patch did not');
});

test('kubectl reads and patches a VnfCluster and reports AlreadyExists from the server', async () => {
  const cluster = `apiVersion: vnf-agent.dev/v1alpha1
kind: VnfCluster
metadata: {name: sprout}
spec: {role: sprout, targetRef: {name: sprout}, selector: {matchLabels: {app: sprout}}}
`;
  writeFileSync(join(dir, 'vnfc.yaml'), cluster);
  await kubectl('create', '-f', join(dir, 'vnfc.yaml'));
  await assert.rejects(kubectl('create', '-f', join(dir, 'vnfc.yaml')), /AlreadyExists/);
  await kubectl('patch', 'vnfc', 'sprout', '--type=merge', '-p', '{"spec":{"maxReplicas":9}}');
  const read = JSON.parse(await kubectl('get', 'vnfclusters', 'sprout', '-o', 'json'));
  assert.equal(read.spec.maxReplicas, 9);
  assert.equal(read.spec.minReplicas, 1, 'CRD defaults applied');
  await kubectl('patch', 'vnfc', 'sprout', '--subresource=status', '--type=merge', '-p', '{"status":{"leader":"sprout-a","replicas":2}}');
  const table = await kubectl('get', 'vnfclusters');
  assert.match(table, /^NAME\s+LEADER\s+REPLICAS\s+DESIRED\s+LOAD\s+AGE$/m, 'the printer columns, served as a Table');
  assert.match(table, /^sprout\s+sprout-a\s+2\s+\d+s$/m, 'missing values blank, the age as the real server prints it');
  assert.match(await kubectl('get', 'vnfc', 'sprout', '--no-headers'), /^sprout\s+sprout-a\s+2\s/);
});
