import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AppsV1Api, type KubeConfig } from '@kubernetes/client-node';
import { sharedKubeconfig, stopOwnControlPlane } from '../support/shared-controlplane.js';
import { deleteNamespace, freshNamespace, kubeConfigFrom, rawRequest } from '../support/kube.js';
import { chartIdentity } from './rbac-token.js';

describe("the chart's Role, used with a real ServiceAccount token on the real API server", { timeout: 120_000 }, () => {
  let admin: KubeConfig;
  let asSidecar: KubeConfig;
  let ns: string;
  const sprout = 'sip-vnf-agent-sprout';
  const lease = `${sprout}-leader`;

  before(async () => {
    const kubeconfig = await sharedKubeconfig();
    admin = kubeConfigFrom(kubeconfig);
    ns = await freshNamespace(admin, 'chart-rbac');
    // Zero replicas: only the objects matter here, no pods.
    for (const name of [sprout, 'other']) {
      await admin.makeApiClient(AppsV1Api).createNamespacedDeployment({
        namespace: ns,
        body: {
          metadata: { name },
          spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'example.invalid/c:1' }] } } },
        },
      });
    }
    asSidecar = kubeConfigFrom((await chartIdentity({ adminKubeconfig: kubeconfig, namespace: ns })).kubeconfigPath);
  });
  after(async () => {
    await deleteNamespace(admin, ns);
    await stopOwnControlPlane();
  });

  const call = (method: string, path: string, body?: unknown, type?: string) => rawRequest(asSidecar, method, path, body, type);
  const leases = () => `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`;
  const scale = (name: string) => `/apis/apps/v1/namespaces/${ns}/deployments/${name}/scale`;

  test('ALLOWED: create, get, update and watch-by-name its cluster Lease', async () => {
    const created = await call('POST', leases(), { metadata: { name: lease }, spec: { holderIdentity: 'pod-a', leaseDurationSeconds: 8 } });
    assert.equal(created.status, 201, created.body);
    const got = await call('GET', `${leases()}/${lease}`);
    assert.equal(got.status, 200, got.body);
    const current = got.json<{ metadata: Record<string, unknown>; spec: Record<string, unknown> }>();
    const updated = await call('PUT', `${leases()}/${lease}`, { ...current, spec: { ...current.spec, holderIdentity: 'pod-b' } });
    assert.equal(updated.status, 200, updated.body);
    const listed = await call('GET', `${leases()}?fieldSelector=metadata.name%3D${lease}`);
    assert.equal(listed.status, 200, listed.body);
  });

  test("ALLOWED: get and patch its own Deployment's scale", async () => {
    assert.equal((await call('GET', scale(sprout))).status, 200);
    const patched = await call('PATCH', scale(sprout), { spec: { replicas: 0 } }, 'application/merge-patch+json');
    assert.equal(patched.status, 200, patched.body);
  });

  test('DENIED: another Deployment, another Lease, Secrets, listing all Leases, and anything cluster-wide', async () => {
    const denied: [string, string, unknown?, string?][] = [
      ['PATCH', scale('other'), { spec: { replicas: 3 } }, 'application/merge-patch+json'],
      ['GET', scale('other')],
      ['PATCH', `/apis/apps/v1/namespaces/${ns}/deployments/${sprout}`, { spec: { replicas: 3 } }, 'application/merge-patch+json'],
      ['GET', `${leases()}/other-leader`],
      ['GET', leases()],
      ['GET', `/api/v1/namespaces/${ns}/secrets`],
      ['POST', `/api/v1/namespaces/${ns}/services`, { metadata: { name: 'x' }, spec: { type: 'NodePort', ports: [{ port: 5060 }] } }],
      ['GET', `/api/v1/namespaces/${ns}/secrets/sip-vnf-agent-token`],
      ['GET', `/api/v1/namespaces/${ns}/services`],
      ['GET', '/api/v1/namespaces'],
      ['GET', '/api/v1/pods'],
      ['GET', '/apis/apps/v1/namespaces/default/deployments'],
    ];
    for (const [method, path, body, type] of denied) {
      const r = await call(method, path, body, type);
      assert.equal(r.status, 403, `${method} ${path} must be forbidden, got ${r.status}`);
    }
  });
});

describe("the chart's Role with bono.vnfCluster.exposure: the Services rule", { timeout: 120_000 }, () => {
  let admin: KubeConfig;
  let asSidecar: KubeConfig;
  let ns: string;

  before(async () => {
    const kubeconfig = await sharedKubeconfig();
    admin = kubeConfigFrom(kubeconfig);
    ns = await freshNamespace(admin, 'chart-rbac-exposure');
    const identity = await chartIdentity({ adminKubeconfig: kubeconfig, namespace: ns, helmArgs: ['-f', 'test/chart/values/bono-exposure.yaml'] });
    asSidecar = kubeConfigFrom(identity.kubeconfigPath);
  });
  after(async () => {
    await deleteNamespace(admin, ns);
    await stopOwnControlPlane();
  });

  test('ALLOWED: the leader creates, lists, patches and deletes a member Service; a sidecar gets its own', async () => {
    const call = (method: string, path: string, body?: unknown, type?: string) => rawRequest(asSidecar, method, path, body, type);
    const base = `/api/v1/namespaces/${ns}/services`;
    const created = await call('POST', base, { metadata: { name: 'bono-a' }, spec: { type: 'NodePort', selector: { 'vnf-agent.dev/member': 'bono-a' }, ports: [{ name: 'sip-udp', port: 5060, protocol: 'UDP' }] } });
    assert.equal(created.status, 201, created.body);
    assert.equal((await call('GET', `${base}?labelSelector=vnf-agent.dev%2Fmember`)).status, 200);
    assert.equal((await call('GET', `${base}/bono-a`)).status, 200);
    const patched = await call('PATCH', `${base}/bono-a`, { metadata: { annotations: { a: 'b' } } }, 'application/merge-patch+json');
    assert.equal(patched.status, 200, patched.body);
    const deleted = await call('DELETE', `${base}/bono-a`, { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { resourceVersion: patched.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion } });
    assert.equal(deleted.status, 200, deleted.body);
    assert.equal((await call('GET', `/api/v1/namespaces/default/services`)).status, 403, 'another namespace stays forbidden');
  });
});
