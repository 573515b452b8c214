import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { sharedKubeconfig, stopOwnControlPlane } from '../support/shared-controlplane.js';
import { deleteNamespace, freshNamespace, installCrd, kubeConfigFrom } from '../support/kube.js';
import { kubeconfigYaml, kubectlBin } from '../support/controlplane.js';
import { eventually } from '../support/process.js';
import { DELETION_COST_ANNOTATION } from '../../agent/scaling/pod-marks.js';

const run = promisify(execFile);

describe('the real control plane with the simulated kubelet', { timeout: 120_000 }, () => {
  let kc: KubeConfig;
  let kubeconfig: string;
  let ns: string;
  const kubectl = (...args: string[]) => run(kubectlBin(), ['--kubeconfig', kubeconfig, '-n', ns, ...args], { encoding: 'utf8' });

  before(async () => {
    kubeconfig = await sharedKubeconfig();
    kc = kubeConfigFrom(kubeconfig);
    await installCrd(kc);
    ns = await freshNamespace(kc, 'proof');
  });
  after(async () => {
    await deleteNamespace(kc, ns);
    await stopOwnControlPlane();
  });

  const pods = async (selector: string): Promise<V1Pod[]> =>
    (await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: ns, labelSelector: selector })).items.filter((p) => !p.metadata?.deletionTimestamp);
  const isReady = (p: V1Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

  test('Deployment -> ReplicaSet -> Pods come from the real controllers; each pod gets its own loopback IP and is Ready', async () => {
    await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: 'sprout' },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'sprout' } },
          template: { metadata: { labels: { app: 'sprout' } }, spec: { containers: [{ name: 'sip', image: 'example.invalid/sprout:1' }] } },
        },
      },
    });
    const ready = await eventually(async () => {
      const list = await pods('app=sprout');
      return list.length === 3 && list.every(isReady) ? list : undefined;
    }, 30_000, 'three ready pods');
    const ips = ready.map((p) => p.status?.podIP ?? '');
    assert.equal(new Set(ips).size, 3, `IPs ${ips.join()}`);
    for (const ip of ips) assert.match(ip, /^127\.\d+\.0\.\d+$/);
  });

  test('scaling a Deployment down deletes the pod with the lowest deletion cost', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const current = await pods('app=sprout');
    assert.equal(current.length, 3);
    const victim = current[1]?.metadata?.name ?? '';
    for (const p of current) {
      const cost = p.metadata?.name === victim ? '-100' : '100';
      await core.patchNamespacedPod({ name: p.metadata?.name ?? '', namespace: ns, body: [{ op: 'add', path: '/metadata/annotations', value: { [DELETION_COST_ANNOTATION]: cost } }] });
    }
    const apps = kc.makeApiClient(AppsV1Api);
    const deployment = await apps.readNamespacedDeployment({ name: 'sprout', namespace: ns });
    await apps.replaceNamespacedDeployment({ name: 'sprout', namespace: ns, body: { ...deployment, spec: { ...deployment.spec!, replicas: 2 } } });
    const remaining = await eventually(async () => {
      const list = await pods('app=sprout');
      return list.length === 2 ? list : undefined;
    }, 30_000, 'two pods left');
    assert.ok(!remaining.some((p) => p.metadata?.name === victim), `${victim} should have been deleted`);
  });

  test('containers run as local processes with downward-API env; readiness follows the probe; deletion sends SIGTERM', async () => {
    const script = [
      "const http = require('node:http');",
      "const s = http.createServer((q, r) => r.end(process.env.POD_NAME));",
      "setTimeout(() => s.listen(8080, process.env.POD_IP), 1500);",
      "process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(0); });",
    ].join('\n');
    await kc.makeApiClient(CoreV1Api).createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'web', labels: { app: 'web' } },
        spec: {
          terminationGracePeriodSeconds: 5,
          containers: [{
            name: 'web', image: 'node:26', command: ['node'], args: ['-e', script],
            env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
            readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 },
          }],
        },
      },
    });
    const first = await eventually(async () => (await pods('app=web'))[0], 10_000, 'pod exists');
    const ready = await eventually(async () => {
      const [p] = await pods('app=web');
      return p && isReady(p) ? p : undefined;
    }, 20_000, 'web pod ready');
    assert.ok(first.status?.podIP === undefined || !isReady(first), 'the pod must not be ready before its server listens');
    const body = await (await fetch(`http://${ready.status?.podIP}:8080/`)).text();
    assert.equal(body, 'web');
    await kc.makeApiClient(CoreV1Api).deleteNamespacedPod({ name: 'web', namespace: ns });
    await eventually(async () => ((await pods('app=web')).length === 0 ? true : undefined), 20_000, 'web pod gone');
  });

  test('TokenRequest mints ServiceAccount tokens and RBAC denies what is not granted', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'nobody' } } });
    const token = await core.createNamespacedServiceAccountToken({ name: 'nobody', namespace: ns, body: { spec: { audiences: [], expirationSeconds: 600 } } });
    assert.ok(token.status?.token);
    const cluster = kc.getCurrentCluster();
    const path = join(kubeconfig, '..', `nobody-${process.pid}.kubeconfig`);
    writeFileSync(path, kubeconfigYaml(cluster?.server ?? '', cluster?.caFile ?? '', token.status.token, 'nobody'));
    const asNobody = kubeConfigFrom(path).makeApiClient(CoreV1Api);
    const err = await asNobody.listNamespacedPod({ namespace: ns }).catch((e: unknown) => e);
    assert.equal((err as { code?: number }).code, 403);
  });

  test('kubectl gets leases, scales the deployment and gets vnfclusters with the printer columns', async () => {
    await kubectl('create', 'lease', 'x').catch(() => undefined);
    const leases = await kubectl('get', 'leases');
    assert.doesNotMatch(leases.stderr, /error/i);
    await kubectl('scale', 'deployment/sprout', '--replicas=1');
    await eventually(async () => ((await pods('app=sprout')).length === 1 ? true : undefined), 30_000, 'scaled to 1 by kubectl');
    const manifest = join(kubeconfig, '..', `vc-${process.pid}.yaml`);
    writeFileSync(manifest, `apiVersion: vnf-agent.dev/v1alpha1\nkind: VnfCluster\nmetadata:\n  name: sprout\nspec:\n  role: sprout\n  targetRef: {name: sprout}\n  selector: {matchLabels: {app: sprout}}\n`);
    await kubectl('apply', '-f', manifest);
    const out = await kubectl('get', 'vnfclusters');
    assert.match(out.stdout, /^NAME\s+LEADER\s+REPLICAS\s+DESIRED\s+LOAD\s+AGE/m);
    assert.match(out.stdout, /^sprout\s/m);
  });
});
