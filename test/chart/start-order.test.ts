import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CoreV1Api, type KubeConfig, type V1Pod, type V1PodSpec } from '@kubernetes/client-node';
import { sharedKubeconfig, stopOwnControlPlane } from '../support/shared-controlplane.js';
import { deleteNamespace, freshNamespace, installCrd, kubeConfigFrom } from '../support/kube.js';
import { eventually } from '../support/process.js';
import { CHART, find, kubectl, objects, template } from './helm.js';
import { rpc } from './kamailio-pod.js';

/** The Deployments' own pods run nothing (no runner for these images); the pods under test are made below. */
const NO_PROCESSES = ['--set', 'image.repository=example.invalid/agent', '--set', 'sprout.image.repository=example.invalid/sip', '--set', 'bono.image.repository=example.invalid/sip'];
const RPC_ON_LOOPBACK = 'http://127.0.0.1:5060/RPC';

/**
 * The chart's Bono pod, both layouts, on the simulated kubelet: the real
 * sidecar and a real Kamailio with the chart's config. Without the peer file
 * that Kamailio exits at start (test/chart/kamailio.test.ts shows it); here it
 * must find the file: written by the native sidecar before its startup probe
 * lets Kamailio start, or left empty by vnf-agent-peers-file without native
 * sidecars. Two departures from the chart, because the simulated kubelet has
 * no network or mount namespaces: Kamailio's JSON-RPC is reached on the pod IP
 * (127.0.0.1 is the machine's, shared by every pod), and the config names the
 * list file where the simulated kubelet keeps the pod's shared volume.
 */
describe('the chart\'s Bono pod on the simulated kubelet: Kamailio starts with its peer file in place', { timeout: 180_000 }, () => {
  let kubeconfig: string;
  let kc: KubeConfig;
  let ns: string;

  before(async () => {
    kubeconfig = await sharedKubeconfig();
    kc = kubeConfigFrom(kubeconfig);
    await installCrd(kc);
    ns = await freshNamespace(kc, 'startorder');
    const workloads = objects(await template(CHART, ['--namespace', ns, ...NO_PROCESSES])).filter((o) => o.kind !== 'Pod');
    const applied = await kubectl(kubeconfig, ['apply', '-n', ns, '-f', '-'], workloads.map((o) => JSON.stringify(o)).join('\n'));
    assert.equal(applied.code, 0, applied.stderr);
  });

  after(async () => {
    await deleteNamespace(kc, ns);
    await stopOwnControlPlane();
  });

  for (const native of [true, false]) {
    test(`sidecar.native=${native}: Kamailio starts and stays up on the peer file`, async () => {
      const name = `bono-${native ? 'native' : 'fallback'}`;
      const docs = objects(await template(CHART, ['--namespace', ns, '--set', `sidecar.native=${native}`]));
      const spec = structuredClone((find(docs, 'Deployment', 'sip-vnf-agent-bono').spec as { template: { spec: V1PodSpec } }).template.spec);
      const listFile = join(dirname(kubeconfig), 'pods', name, 'volumes', 'vnf-agent-shared', 'dispatcher.list');
      const config = ((find(docs, 'ConfigMap', 'sip-vnf-agent-bono').data as Record<string, string>)['kamailio.cfg'] ?? '').replace('/var/run/vnf-agent/dispatcher.list', listFile);
      const core = kc.makeApiClient(CoreV1Api);
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name }, data: { 'kamailio.cfg': config } } });
      for (const v of spec.volumes ?? []) if (v.name === 'sip-config') v.configMap = { name };
      const sip = spec.containers.find((c) => c.name === 'sip');
      if (sip) sip.args = (sip.args ?? []).filter((a, i, all) => a !== 'tcp:127.0.0.1:5060' && all[i + 1] !== 'tcp:127.0.0.1:5060');
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        for (const e of c.env ?? []) if (e.value === RPC_ON_LOOPBACK) e.value = 'http://$(VNF_AGENT_POD_IP):5060/RPC';
      }
      // No labels: a bare pod the Bono ReplicaSet would adopt could be deleted as surplus.
      await core.createNamespacedPod({ namespace: ns, body: { metadata: { name }, spec } });

      const logs = join(dirname(kubeconfig), 'pods');
      const sipLog = () => [`${name}.sip.log`, `${name}.kubelet.log`].map((f) => (existsSync(join(logs, f)) ? readFileSync(join(logs, f), 'utf8') : '')).join('\n');
      const pod = await eventually(async () => {
        const p: V1Pod = await core.readNamespacedPod({ name, namespace: ns });
        return p.status?.podIP ? p : undefined;
      }, 30_000, `${name} has an IP`, 250);
      const rpcUrl = `http://${pod.status?.podIP}:5060/RPC`;
      await eventually(async () => rpc(rpcUrl, 'core.version'), 60_000, `Kamailio of ${name} answering JSON-RPC`, 250).catch((err: Error) => {
        throw new Error(`${err.message}\n${sipLog().slice(-3_000)}`);
      });
      assert.ok(existsSync(listFile), 'the peer file is there');
      // Native: it passed before Kamailio started. Fallback: the sidecar started beside Kamailio, the file was already there.
      await eventually(async () => ((await fetch(`http://${pod.status?.podIP}:8686/startupz`)).status === 200 ? true : undefined), 30_000, `${name}'s sidecar: GET /startupz 200`, 250);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      assert.ok(await rpc(rpcUrl, 'core.version'), 'Kamailio is still up');
      assert.doesNotMatch(sipLog(), /can't open list file/);
      await core.deleteNamespacedPod({ name, namespace: ns });
    });
  }
});
