import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { kubectlBin } from '../support/controlplane.js';
import { deleteNamespace, rawRequest } from '../support/kube.js';
import type { SuiteContext } from './context.js';

const run = promisify(execFile);

/** What kubectl -v=9 logs for a request whose body is protobuf. */
const SENT_PROTOBUF = /-H "Content-Type: application\/vnd\.kubernetes\.protobuf"/;

/**
 * kubectl's typed commands, which since 1.32 send protobuf bodies (and accept
 * protobuf or JSON back). The -v=9 log shows the body really was protobuf, so
 * these cases keep testing that path if a later kubectl changes its mind.
 */
export function kubectlCases(ctx: SuiteContext): void {
  const cacheDir = mkdtempSync(join(tmpdir(), 'vnf-conformance-kubectl-'));
  after(() => rmSync(cacheDir, { recursive: true, force: true }));

  /** A fresh discovery cache per suite run: the stand-in is a new server on every run. */
  const kubectl = (...args: string[]) =>
    run(kubectlBin(), [`--kubeconfig=${ctx.kubeconfigPath}`, `--cache-dir=${cacheDir}`, '-v=9', ...args], { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });

  const readJson = async (path: string) => {
    const r = await rawRequest(ctx.kc, 'GET', path);
    assert.equal(r.status, 200, r.body);
    return r.json<{ metadata: Record<string, unknown>; spec: Record<string, unknown>; status: Record<string, unknown> }>();
  };

  test('kubectl create namespace: the protobuf body is accepted and defaulted', async () => {
    const name = `${ctx.namespace}-kubectl`;
    try {
      const { stdout, stderr } = await kubectl('create', 'namespace', name);
      assert.match(stderr, SENT_PROTOBUF);
      assert.equal(stdout.trim(), `namespace/${name} created`);
      const ns = await readJson(`/api/v1/namespaces/${name}`);
      assert.deepEqual(ns.metadata.labels, { 'kubernetes.io/metadata.name': name });
      assert.deepEqual(ns.spec, { finalizers: ['kubernetes'] });
      assert.deepEqual(ns.status, { phase: 'Active' });
    } finally {
      await deleteNamespace(ctx.kc, name);
    }
  });

  test('kubectl create deployment: the protobuf body reads back as the real server stores it', async () => {
    // --replicas=0 is a pointer set to zero, which must survive; zero non-pointer
    // fields Go writes to the wire (paused, hostNetwork, stdin) must not appear.
    const { stdout, stderr } = await kubectl('-n', ctx.namespace, 'create', 'deployment', 'kubectl-web', '--image=example.invalid/web:1', '--replicas=0', '--port=5060');
    assert.match(stderr, SENT_PROTOBUF);
    assert.equal(stdout.trim(), 'deployment.apps/kubectl-web created');
    const deploy = await readJson(`/apis/apps/v1/namespaces/${ctx.namespace}/deployments/kubectl-web`);
    assert.deepEqual(deploy.metadata.labels, { app: 'kubectl-web' });
    assert.equal(deploy.metadata.generation, 1);
    assert.deepEqual(deploy.spec, {
      replicas: 0,
      selector: { matchLabels: { app: 'kubectl-web' } },
      template: {
        metadata: { labels: { app: 'kubectl-web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'example.invalid/web:1',
              ports: [{ containerPort: 5060, protocol: 'TCP' }],
              resources: {},
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
              imagePullPolicy: 'IfNotPresent',
            },
          ],
          restartPolicy: 'Always',
          terminationGracePeriodSeconds: 30,
          dnsPolicy: 'ClusterFirst',
          securityContext: {},
          schedulerName: 'default-scheduler',
        },
      },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    });
  });

  test('kubectl create deployment --dry-run=server: validated and answered, nothing stored', async () => {
    const { stdout, stderr } = await kubectl('-n', ctx.namespace, 'create', 'deployment', 'kubectl-dry', '--image=example.invalid/web:1', '--dry-run=server', '-o', 'json');
    assert.match(stderr, SENT_PROTOBUF);
    assert.equal((JSON.parse(stdout) as { spec: { replicas: number } }).spec.replicas, 1);
    const r = await rawRequest(ctx.kc, 'GET', `/apis/apps/v1/namespaces/${ctx.namespace}/deployments/kubectl-dry`);
    assert.equal(r.status, 404, r.body);
  });
}
