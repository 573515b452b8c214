import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CoordinationV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { readAudit } from '../support/controlplane.js';
import { sharedKubeconfig, stopOwnControlPlane } from '../support/shared-controlplane.js';
import { deleteNamespace, freshNamespace, installCrd, kubeConfigFrom } from '../support/kube.js';
import { eventually } from '../support/process.js';
import { injectManifests } from '../../agent/inject/inject.js';
import { CHART, builtConsumer, kubectl, template } from './helm.js';

/**
 * Images without a runner, so the simulated kubelet creates the pods but starts no process:
 * short-lived processes that log on stdout and stderr trip test/support/kubelet/runner.ts (both
 * pipes end one log stream: write after end). Running the pods is the runtime proof's job.
 */
const NO_PROCESSES = ['--set', 'image.repository=example.invalid/agent', '--set', 'sprout.image.repository=example.invalid/sip', '--set', 'bono.image.repository=example.invalid/sip'];

/** The tails of the pods' container logs the simulated kubelet keeps beside the kubeconfig, for a failure message. */
function containerLogs(kubeconfig: string, pods: readonly string[]): string {
  const dir = join(dirname(kubeconfig), 'pods');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => pods.some((p) => f.startsWith(`${p}.`) && f.endsWith('.log'))) : [];
  return files.map((f) => `--- ${f}\n${readFileSync(join(dir, f), 'utf8').slice(-3_000)}`).join('\n') || `no container logs for ${pods.join(', ')} in ${dir}`;
}

/** Server-side dry run first (admission, defaulting, strict field validation), then for real. */
async function applyTwice(kubeconfig: string, ns: string, manifest: string): Promise<void> {
  const dry = await kubectl(kubeconfig, ['apply', '--dry-run=server', '--validate=strict', '-n', ns, '-f', '-'], manifest);
  assert.equal(dry.code, 0, `server-side dry run:\n${dry.stderr}`);
  assert.match(dry.stdout, /\(server dry run\)/);
  const real = await kubectl(kubeconfig, ['apply', '--validate=strict', '-n', ns, '-f', '-'], manifest);
  assert.equal(real.code, 0, `apply:\n${real.stderr}`);
}

describe('rendered manifests on the real API server', { timeout: 180_000 }, () => {
  let kubeconfig: string;
  let kc: KubeConfig;
  const namespaces: string[] = [];

  before(async () => {
    kubeconfig = await sharedKubeconfig();
    kc = kubeConfigFrom(kubeconfig);
    await installCrd(kc);
  });
  after(async () => {
    for (const ns of namespaces) await deleteNamespace(kc, ns);
    await stopOwnControlPlane();
  });
  const fresh = async (prefix: string) => {
    const ns = await freshNamespace(kc, prefix);
    namespaces.push(ns);
    return ns;
  };
  const names = async (ns: string, ...what: string[]) => (await kubectl(kubeconfig, ['get', ...what, '-n', ns, '-o', 'name'])).stdout.trim().split('\n').sort();

  const layouts = [['default values (native sidecars)', []], ['sidecar.native=false', ['--set', 'sidecar.native=false']], ['clearwater values', ['-f', 'test/chart/values/clearwater.yaml']]] as const;
  for (const [label, args] of layouts) {
    test(`the chart with ${label} passes a server-side dry run, applies, and every object exists`, async () => {
      const ns = await fresh('chart');
      await applyTwice(kubeconfig, ns, await template(CHART, ['--namespace', ns, ...args, ...NO_PROCESSES]));
      assert.deepEqual(await names(ns, 'deployments,services,vnfclusters,poddisruptionbudgets'), [
        'deployment.apps/sip-vnf-agent-bono', 'deployment.apps/sip-vnf-agent-sprout',
        'poddisruptionbudget.policy/sip-vnf-agent-bono', 'poddisruptionbudget.policy/sip-vnf-agent-sprout',
        'service/sip-vnf-agent-bono', 'service/sip-vnf-agent-sprout',
        'vnfcluster.vnf-agent.dev/sip-vnf-agent-bono', 'vnfcluster.vnf-agent.dev/sip-vnf-agent-sprout',
      ]);
      assert.deepEqual(await names(ns, 'serviceaccount/sip-vnf-agent', 'secret/sip-vnf-agent-token', 'role/sip-vnf-agent', 'rolebinding/sip-vnf-agent', 'configmap/sip-vnf-agent-sprout', 'pod/sip-vnf-agent-test-readyz'), [
        'configmap/sip-vnf-agent-sprout', 'pod/sip-vnf-agent-test-readyz', 'role.rbac.authorization.k8s.io/sip-vnf-agent',
        'rolebinding.rbac.authorization.k8s.io/sip-vnf-agent', 'secret/sip-vnf-agent-token', 'serviceaccount/sip-vnf-agent',
      ]);
    });
  }

  test('the consumer chart (sidecar injected by the library template) applies', async () => {
    const ns = await fresh('consumer');
    // No runner for these images either (see NO_PROCESSES).
    const images = ['--set', 'image=example.invalid/sip:1', '--set', 'agentImage=example.invalid/agent:1'];
    await applyTwice(kubeconfig, ns, await template(await builtConsumer(), ['--namespace', ns, ...images], 'edge'));
    assert.deepEqual(await names(ns, 'deployments,vnfclusters'), ['deployment.apps/edge-proxy', 'vnfcluster.vnf-agent.dev/edge-proxy']);
  });

  for (const native of [true, false]) {
    const layout = native ? 'a native sidecar' : 'the sidecar as a container (native false)';
    test(`\`vnf-agent inject\` of the chart-less Clearwater example applies and runs with ${layout}: Kamailio and the sidecar in each pod, ready, leaders elected, status written as the example's ServiceAccount`, async () => {
      const ns = await fresh('inject');
      await applyTwice(kubeconfig, ns, readFileSync('examples/clearwater-docker/vnf-agent.yaml', 'utf8'));
      const example = readFileSync('examples/clearwater-docker/clearwater.yaml', 'utf8');
      // The simulated kubelet runs image kamailio with the Clearwater configs the image would carry,
      // and image vnf-agent from this checkout's build; the token Secret becomes a file, the
      // ServiceAccount a kubeconfig (test/support/kubelet/pod-files.ts).
      // With a native sidecar, the simulated kubelet starts Kamailio only once the sidecar's startup probe passed.
      const injected = injectManifests(example, {
        image: 'vnf-agent:0.1.0', httpPort: 8686, tokenSecret: 'vnf-agent-token', serviceAccount: 'vnf-agent', drainTimeoutSeconds: 60, shutdownTimeoutSeconds: 10, native,
      });
      await applyTwice(kubeconfig, ns, injected);
      const core = kc.makeApiClient(CoreV1Api);
      const ready = (p: V1Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
      const pods: Record<string, string> = {};
      for (const service of ['sprout', 'bono']) {
        const pod = await eventually(async () => (await core.listNamespacedPod({ namespace: ns, labelSelector: `service=${service}` })).items.find(ready), 60_000, `a ready ${service} pod (its sidecar's /readyz: Kamailio answers OPTIONS)`, 500)
          .catch(async (err: Error) => {
            const names = (await core.listNamespacedPod({ namespace: ns, labelSelector: `service=${service}` })).items.map((p) => p.metadata?.name ?? '');
            throw new Error(`${err.message}\n${containerLogs(kubeconfig, names)}`);
          });
        assert.deepEqual(pod.spec?.containers.map((c) => c.name), native ? [service] : [service, 'vnf-agent']);
        assert.deepEqual(pod.spec?.initContainers?.map((c) => `${c.name} ${c.restartPolicy}`), native ? ['vnf-agent Always'] : undefined);
        assert.equal(pod.spec?.serviceAccountName, 'vnf-agent');
        pods[service] = pod.metadata?.name ?? '';
      }
      const leases = kc.makeApiClient(CoordinationV1Api);
      const objects = kc.makeApiClient(CustomObjectsApi);
      for (const cluster of ['sprout', 'bono']) {
        await eventually(async () => ((await leases.readNamespacedLease({ name: `${cluster}-leader`, namespace: ns })).spec?.holderIdentity === pods[cluster] ? true : undefined), 30_000, `${pods[cluster]} leads ${cluster}`, 500);
        await eventually(async () => {
          const vc = (await objects.getNamespacedCustomObject({ group: 'vnf-agent.dev', version: 'v1alpha1', namespace: ns, plural: 'vnfclusters', name: cluster })) as { status?: { members?: { pod: string }[] } };
          return vc.status?.members?.some((m) => m.pod === pods[cluster]) ? true : undefined;
        }, 30_000, `${cluster} status lists its member`, 500);
      }
      const user = `system:serviceaccount:${ns}:vnf-agent`;
      const writes = readAudit(kubeconfig).filter((e) => e.user.username === user && e.objectRef?.namespace === ns && (e.responseStatus?.code ?? 0) < 300);
      const resources = new Set(writes.map((e) => `${e.objectRef?.resource}${e.objectRef?.subresource ? `/${e.objectRef.subresource}` : ''}`));
      assert.ok(resources.has('leases') && resources.has('vnfclusters/status'), `writes by ${user}: ${[...resources].join(', ')}`);
    });
  }
});
