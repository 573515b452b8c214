import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { eventually } from '../support/process.js';
import { deploymentManifest, startSim, type SimClient } from '../support/sim-apiserver.js';

let sim: SimClient;
const namespace = 'default';
const stopping: { name: string; release: () => void }[] = [];
before(async () => {
  sim = await startSim({
    kubelet: {
      // Pods labelled hold=yes stop only when the test releases them; others stop at once.
      onPodStopping: (pod) =>
        pod.metadata.labels?.hold === 'yes' ? new Promise<void>((release) => stopping.push({ name: pod.metadata.name!, release })) : Promise.resolve(),
    },
  });
});
after(() => sim.close());

const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

async function activePods(app: string, count: number): Promise<k8s.V1Pod[]> {
  return eventually(async () => {
    const pods = (await sim.core.listNamespacedPod({ namespace, labelSelector: `app=${app}` })).items.filter((p) => !p.metadata?.deletionTimestamp);
    const running = pods.filter((p) => p.status?.phase === 'Running');
    return pods.length === count && running.length === count ? pods : undefined;
  }, 5000, `${count} running ${app} pods`);
}

async function scaleTo(name: string, replicas: number): Promise<void> {
  await sim.apps.patchNamespacedDeploymentScale({ name, namespace, body: { spec: { replicas } } }, merge);
}

test('a Deployment gets its pods through a ReplicaSet, each with its own 127.0.0.x IP, and reports them ready', async () => {
  await sim.apps.createNamespacedDeployment({ namespace, body: deploymentManifest('sprout', 3) });
  const pods = await activePods('sprout', 3);
  const [rs] = (await sim.apps.listNamespacedReplicaSet({ namespace, labelSelector: 'app=sprout' })).items;
  const hash = rs!.metadata!.labels!['pod-template-hash']!;
  assert.equal(rs!.metadata!.name, `sprout-${hash}`);
  for (const pod of pods) {
    assert.match(pod.metadata!.name!, new RegExp(`^sprout-${hash}-[a-z0-9]{5}$`));
    assert.deepEqual(pod.metadata!.labels, { app: 'sprout', tier: 'sip', 'pod-template-hash': hash });
    assert.deepEqual(pod.metadata!.ownerReferences!.map((r) => [r.kind, r.name, r.controller]), [['ReplicaSet', rs!.metadata!.name, true]]);
    assert.equal(pod.spec!.nodeName, 'sim-node-0');
    assert.equal(pod.status!.podIPs![0]!.ip, pod.status!.podIP);
    assert.ok(pod.status!.conditions!.some((c) => c.type === 'Ready' && c.status === 'True'));
  }
  assert.deepEqual(pods.map((p) => p.status!.podIP).sort(), ['127.0.0.10', '127.0.0.11', '127.0.0.12']);
  const deploy = await eventually(async () => {
    const d = await sim.apps.readNamespacedDeployment({ name: 'sprout', namespace });
    return d.status?.availableReplicas === 3 ? d : undefined;
  }, 3000, 'deployment status');
  assert.deepEqual([deploy.status!.replicas, deploy.status!.readyReplicas, deploy.status!.observedGeneration], [3, 3, 1]);
});

test('scale-in removes a not-ready pod first, then the lowest deletion cost, then the newest', async () => {
  const pods = await activePods('sprout', 3);
  const [a, b, c] = pods.map((p) => p.metadata!.name!) as [string, string, string];
  sim.server.kubelet.setReady(namespace, b, false);
  await eventually(async () => ((await sim.apps.readNamespacedDeployment({ name: 'sprout', namespace })).status?.readyReplicas === 2 ? true : undefined), 3000, 'ready drops to 2');
  await sim.core.patchNamespacedPod({ name: c, namespace, body: { metadata: { annotations: { 'controller.kubernetes.io/pod-deletion-cost': '100' } } } }, merge);
  await sim.core.patchNamespacedPod({ name: a, namespace, body: { metadata: { annotations: { 'controller.kubernetes.io/pod-deletion-cost': '-5' } } } }, merge);

  await scaleTo('sprout', 2);
  assert.deepEqual((await activePods('sprout', 2)).map((p) => p.metadata!.name).sort(), [a, c].sort(), 'the not-ready pod went, despite costs');
  await scaleTo('sprout', 1);
  assert.deepEqual((await activePods('sprout', 1)).map((p) => p.metadata!.name), [c], 'the cheaper pod went');

  await scaleTo('sprout', 3);
  const grown = await activePods('sprout', 3);
  const newest = grown.filter((p) => p.metadata!.name !== c);
  await scaleTo('sprout', 2);
  const left = (await activePods('sprout', 2)).map((p) => p.metadata!.name);
  assert.ok(left.includes(c), 'the old pod with cost 100 stays');
  assert.equal(newest.filter((p) => left.includes(p.metadata!.name)).length, 1, 'one of the two new pods went');
});

test('a graceful deletion keeps the pod Terminating until its processes stop, then frees its IP for the next pod', async () => {
  const manifest = deploymentManifest('bono', 1, 30);
  manifest.spec!.template.metadata!.labels!.hold = 'yes';
  manifest.spec!.selector.matchLabels!.hold = 'yes';
  await sim.apps.createNamespacedDeployment({ namespace, body: manifest });
  const [pod] = await activePods('bono', 1);
  const ip = pod!.status!.podIP!;
  await sim.core.deleteNamespacedPod({ name: pod!.metadata!.name!, namespace });
  const terminating = await sim.core.readNamespacedPod({ name: pod!.metadata!.name!, namespace });
  assert.ok(terminating.metadata!.deletionTimestamp, 'deletionTimestamp is set');
  assert.equal(terminating.metadata!.deletionGracePeriodSeconds, 30);
  const held = await eventually(async () => stopping.find((s) => s.name === pod!.metadata!.name), 3000, 'the stop hook');
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.ok(await sim.core.readNamespacedPod({ name: pod!.metadata!.name!, namespace }), 'still there while its processes stop');
  held.release();
  await eventually(async () => ((await sim.core.listNamespacedPod({ namespace, fieldSelector: `metadata.name=${pod!.metadata!.name}` })).items.length === 0 ? true : undefined), 3000, 'pod gone');
  // The ReplicaSet replaced the pod at once (with another address); the next new pod gets the lowest free one.
  await activePods('bono', 1);
  const inUse = new Set((await sim.core.listPodForAllNamespaces()).items.map((p) => p.status?.podIP));
  assert.ok(!inUse.has(ip), 'the address was released');
  let lowestFree = 10;
  while (inUse.has(`127.0.0.${lowestFree}`)) lowestFree++;
  await sim.core.createNamespacedPod({ namespace, body: { metadata: { name: 'reuser' }, spec: { containers: [{ name: 'c', image: 'x:1' }] } } });
  const reuser = await eventually(async () => (await sim.core.readNamespacedPod({ name: 'reuser', namespace })).status?.podIP, 3000, 'reuser IP');
  assert.equal(reuser, `127.0.0.${lowestFree}`);
  assert.ok(lowestFree <= Number(ip.split('.')[3]), 'freed addresses are reused before new ones');
});

test('a pod stays Terminating for its whole grace period when nothing stops it sooner', async () => {
  await sim.core.createNamespacedPod({ namespace, body: { metadata: { name: 'lonely', labels: { hold: 'yes' } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'x:1' }] } } });
  await eventually(async () => ((await sim.core.readNamespacedPod({ name: 'lonely', namespace })).status?.phase === 'Running' ? true : undefined), 3000, 'running');
  const started = performance.now();
  await sim.core.deleteNamespacedPod({ name: 'lonely', namespace });
  await eventually(async () => ((await sim.core.listNamespacedPod({ namespace, fieldSelector: 'metadata.name=lonely' })).items.length === 0 ? true : undefined), 5000, 'gone after grace');
  assert.ok(performance.now() - started >= 900, 'not before the grace period ended');
});

test('deleting a Deployment garbage-collects its ReplicaSet and pods', async () => {
  await sim.apps.deleteNamespacedDeployment({ name: 'sprout', namespace });
  await eventually(async () => {
    const rs = await sim.apps.listNamespacedReplicaSet({ namespace, labelSelector: 'app=sprout' });
    const pods = await sim.core.listNamespacedPod({ namespace, labelSelector: 'app=sprout' });
    return rs.items.length === 0 && pods.items.length === 0 ? true : undefined;
  }, 5000, 'dependents collected');
});
