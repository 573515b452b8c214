import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AppsV1Api, CoordinationV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { sharedKubeconfig, stopOwnControlPlane } from '../support/shared-controlplane.js';
import { deleteNamespace, freshNamespace, installCrd, kubeConfigFrom } from '../support/kube.js';
import { readAudit } from '../support/controlplane.js';
import { eventually } from '../support/process.js';
import { SipResponder } from '../support/sip-responder.js';
import { startSidecar, type Sidecar } from '../support/sidecars.js';
import { VNF_GROUP, VNF_PLURAL, VNF_VERSION, type VnfCluster } from '../../agent/model/vnfcluster.js';
import { CHART, kubectl, objects, template } from './helm.js';
import { chartIdentity } from './rbac-token.js';

/** Images without a runner: the simulated kubelet creates the pods but runs nothing; the sidecar under test runs beside them. */
const NO_PROCESSES = ['--set', 'image.repository=example.invalid/agent', '--set', 'sprout.image.repository=example.invalid/sip', '--set', 'bono.image.repository=example.invalid/sip'];
const CLUSTER = 'sip-vnf-agent-sprout';

/**
 * The runtime proof of the chart: a sidecar holding exactly the token the
 * chart's ServiceAccount gets completes election, a scale write and a status
 * write on the real API server, all audited as that ServiceAccount.
 */
describe('a sidecar with the chart\'s ServiceAccount token', { timeout: 120_000 }, () => {
  let kubeconfig: string;
  let kc: KubeConfig;
  let ns: string;
  let sip: SipResponder;
  let sidecar: Sidecar | undefined;
  let user = '';

  before(async () => {
    kubeconfig = await sharedKubeconfig();
    kc = kubeConfigFrom(kubeconfig);
    await installCrd(kc);
    ns = await freshNamespace(kc, 'chartrun');
    const rendered = await template(CHART, ['--namespace', ns, ...NO_PROCESSES]);
    const workloads = objects(rendered).filter((o) => o.kind !== 'Pod');
    const applied = await kubectl(kubeconfig, ['apply', '-n', ns, '-f', '-'], workloads.map((o) => JSON.stringify(o)).join('\n'));
    assert.equal(applied.code, 0, applied.stderr);
    const identity = await chartIdentity({ adminKubeconfig: kubeconfig, namespace: ns });
    user = `system:serviceaccount:${ns}:${identity.serviceAccount}`;
    sip = new SipResponder();
    await sip.start();
    sidecar = await startSidecar('sprout-under-test', {
      VNF_AGENT_CLUSTER: CLUSTER, VNF_AGENT_POD_NAMESPACE: ns, VNF_AGENT_KUBECONFIG: identity.kubeconfigPath,
      VNF_AGENT_POD_IP: '127.0.0.1', VNF_AGENT_SIP_PORT: String(sip.port), VNF_AGENT_SIGNAL_SOURCES: 'sip-options', VNF_AGENT_SIGNAL_OPTIONS_TRANSPORTS: 'udp',
    });
  });

  after(async () => {
    sidecar?.process.child.kill('SIGTERM');
    await sidecar?.process.exited(15_000).catch(() => undefined);
    sip?.stop();
    await deleteNamespace(kc, ns);
    await stopOwnControlPlane();
  });

  test('it wins the Lease, writes VnfCluster status and raises the Deployment to minReplicas, audited as the chart\'s ServiceAccount', async () => {
    const lease = await eventually(async () => {
      const l = await kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: `${CLUSTER}-leader`, namespace: ns }).catch(() => undefined);
      return l?.spec?.holderIdentity === 'sprout-under-test' ? l : undefined;
    }, 30_000, 'the Lease held by the sidecar');
    assert.ok(lease.spec?.renewTime);
    const vc = await eventually(async () => {
      const got = (await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ group: VNF_GROUP, version: VNF_VERSION, plural: VNF_PLURAL, namespace: ns, name: CLUSTER })) as VnfCluster;
      return got.status?.leader === 'sprout-under-test' ? got : undefined;
    }, 30_000, 'status.leader written');
    assert.equal(vc.status?.observedGeneration, vc.metadata.generation);
    await eventually(async () => {
      const scale = await kc.makeApiClient(AppsV1Api).readNamespacedDeploymentScale({ name: CLUSTER, namespace: ns });
      return scale.spec?.replicas === 2 ? true : undefined;
    }, 30_000, 'Deployment raised from 1 to minReplicas 2');
    const expected = ['create leases', 'update leases', 'patch vnfclusters/status', 'patch deployments/scale', 'create events'];
    const seen = (): Set<string> => {
      const writes = readAudit(kubeconfig).filter((e) => e.user.username === user && e.objectRef?.namespace === ns && (e.responseStatus?.code ?? 0) < 300);
      return new Set(writes.map((e) => `${e.verb} ${e.objectRef?.resource}${e.objectRef?.subresource ? `/${e.objectRef.subresource}` : ''}`));
    };
    // The first renewal (an update) follows the create one retry period later.
    await eventually(async () => (expected.every((k) => seen().has(k)) ? true : undefined), 15_000, 'every kind of write').catch(() => undefined);
    const kinds = seen();
    for (const k of expected) assert.ok(kinds.has(k), `no successful "${k}" by ${user}; saw ${[...kinds].join(', ')}`);
  });
});
