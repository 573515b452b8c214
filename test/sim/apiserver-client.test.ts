import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { eventually } from '../support/process.js';
import { deploymentManifest, startSim, statusOf, type SimClient } from '../support/sim-apiserver.js';

let sim: SimClient;
const namespace = 'default';
before(async () => {
  sim = await startSim();
});
after(() => sim.close());

function lease(name: string, holder: string): k8s.V1Lease {
  return {
    metadata: { name },
    spec: { holderIdentity: holder, leaseDurationSeconds: 15, acquireTime: new k8s.V1MicroTime(), renewTime: new k8s.V1MicroTime(), leaseTransitions: 0 },
  };
}

test('a Lease is created, read and replaced with optimistic concurrency', async () => {
  const created = await sim.coord.createNamespacedLease({ namespace, body: lease('sprout-leader', 'pod-a') });
  assert.equal(created.metadata?.generation, undefined, 'Leases carry no generation');
  assert.match(created.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
  const read = await sim.coord.readNamespacedLease({ name: 'sprout-leader', namespace });
  assert.equal(read.spec?.holderIdentity, 'pod-a');
  assert.match(String(read.spec?.renewTime), /\.\d{6}Z$/, 'MicroTime comes back with 6 digits');

  read.spec.holderIdentity = 'pod-b';
  const replaced = await sim.coord.replaceNamespacedLease({ name: 'sprout-leader', namespace, body: read });
  assert.ok(Number(replaced.metadata?.resourceVersion) > Number(read.metadata?.resourceVersion));

  read.spec.holderIdentity = 'pod-c';
  const stale = await statusOf(sim.coord.replaceNamespacedLease({ name: 'sprout-leader', namespace, body: read }));
  assert.equal(stale.code, 409);
  assert.equal(stale.reason, 'Conflict');
  assert.match(stale.message, /^Operation cannot be fulfilled on leases\.coordination\.k8s\.io "sprout-leader": the object has been modified/);
  assert.deepEqual(stale.details, { name: 'sprout-leader', group: 'coordination.k8s.io', kind: 'leases' });
});

test('creating an existing Lease is 409 AlreadyExists, reading a missing one 404 NotFound', async () => {
  await sim.coord.createNamespacedLease({ namespace, body: lease('dup', 'x') });
  const dup = await statusOf(sim.coord.createNamespacedLease({ namespace, body: lease('dup', 'y') }));
  assert.deepEqual([dup.code, dup.reason, dup.message], [409, 'AlreadyExists', 'leases.coordination.k8s.io "dup" already exists']);
  const missing = await statusOf(sim.coord.readNamespacedLease({ name: 'nope', namespace }));
  assert.deepEqual([missing.code, missing.reason, missing.message], [404, 'NotFound', 'leases.coordination.k8s.io "nope" not found']);
});

test('Lease times without 6 fractional digits are rejected, and so is a zero duration', async () => {
  const body = { metadata: { name: 'millis' }, spec: { holderIdentity: 'x', renewTime: new Date() } };
  const millis = await statusOf(sim.coord.createNamespacedLease({ namespace, body }));
  assert.equal(millis.code, 400);
  assert.match(millis.message, /parsing time ".*Z" as "2006-01-02T15:04:05.000000Z07:00"/);
  const zero = await statusOf(sim.coord.createNamespacedLease({ namespace, body: { metadata: { name: 'zero' }, spec: { leaseDurationSeconds: 0 } } }));
  assert.equal(zero.code, 422);
  assert.equal(zero.reason, 'Invalid');
  assert.equal(zero.message, 'Lease.coordination.k8s.io "zero" is invalid: spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0');
  assert.equal(zero.details?.kind, 'Lease');
});

test('the scale subresource reads and merge-patches replicas, moving the Deployment generation', async () => {
  const deploy = await sim.apps.createNamespacedDeployment({ namespace, body: deploymentManifest('scaled', 1) });
  assert.equal(deploy.metadata?.generation, 1);
  const scale = await sim.apps.readNamespacedDeploymentScale({ name: 'scaled', namespace });
  assert.equal(scale.kind, 'Scale');
  assert.equal(scale.apiVersion, 'autoscaling/v1');
  assert.equal(scale.spec?.replicas, 1);
  assert.equal(scale.status?.selector, 'app=scaled');
  const current = await sim.apps.readNamespacedDeployment({ name: 'scaled', namespace });
  assert.equal(scale.metadata?.resourceVersion, current.metadata?.resourceVersion, 'a Scale shares its Deployment\'s resourceVersion');

  const patched = await sim.apps.patchNamespacedDeploymentScale(
    { name: 'scaled', namespace, body: { spec: { replicas: 3 } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
  assert.equal(patched.spec?.replicas, 3);
  const after = await sim.apps.readNamespacedDeployment({ name: 'scaled', namespace });
  assert.equal(after.spec?.replicas, 3);
  assert.equal(after.metadata?.generation, 2);
  await eventually(async () => ((await sim.apps.readNamespacedDeployment({ name: 'scaled', namespace })).status?.readyReplicas === 3 ? true : undefined), 3000, '3 ready replicas');
  assert.equal((await sim.apps.readNamespacedDeployment({ name: 'scaled', namespace })).metadata?.generation, 2, 'status writes leave generation alone');

  const stale = { metadata: { name: 'scaled', namespace, resourceVersion: scale.metadata?.resourceVersion }, spec: { replicas: 5 } };
  const conflict = await statusOf(sim.apps.replaceNamespacedDeploymentScale({ name: 'scaled', namespace, body: stale }));
  assert.deepEqual([conflict.code, conflict.reason], [409, 'Conflict']);
  assert.match(conflict.message, /deployments\.apps "scaled"/);
});

test('patches name their content type: a merge body sent as JSON patch is 400, an unknown type 415', async () => {
  const asJsonPatch = await statusOf(sim.apps.patchNamespacedDeploymentScale({ name: 'scaled', namespace, body: { spec: { replicas: 2 } } }));
  assert.equal(asJsonPatch.code, 400);
  assert.match(asJsonPatch.message, /cannot unmarshal object into Go value of type \[\]handlers\.jsonPatchOp/);
  const unknown = await statusOf(
    sim.coord.patchNamespacedLease({ name: 'sprout-leader', namespace, body: { spec: {} } }, k8s.setHeaderOptions('Content-Type', 'application/json')),
  );
  assert.equal(unknown.code, 415);
  assert.equal(unknown.reason, 'UnsupportedMediaType');
  const failedTest = await statusOf(
    sim.coord.patchNamespacedLease(
      { name: 'sprout-leader', namespace, body: [{ op: 'test', path: '/spec/holderIdentity', value: 'someone-else' }, { op: 'replace', path: '/spec/holderIdentity', value: 'me' }] },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
    ),
  );
  assert.equal(failedTest.code, 422);
  assert.equal((await sim.coord.readNamespacedLease({ name: 'sprout-leader', namespace })).spec?.holderIdentity, 'pod-b');
});

test('pods are listed by label selector and field selector', async () => {
  await sim.apps.createNamespacedDeployment({ namespace, body: deploymentManifest('listed', 2) });
  const pods = await eventually(async () => {
    const list = await sim.core.listNamespacedPod({ namespace, labelSelector: 'app=listed,tier in (sip,media)', fieldSelector: 'status.phase=Running' });
    return list.items.length === 2 ? list : undefined;
  }, 3000, 'two running pods');
  assert.ok(pods.items.every((p) => p.metadata?.labels?.app === 'listed'));
  assert.equal((await sim.core.listNamespacedPod({ namespace, labelSelector: 'app=listed,tier notin (sip)' })).items.length, 0);
  assert.equal((await sim.core.listNamespacedPod({ namespace, labelSelector: '!app' })).items.length, 0);
  const bad = await statusOf(sim.core.listNamespacedPod({ namespace, fieldSelector: 'spec.bogus=x' }));
  assert.deepEqual([bad.code, bad.message], [400, 'field label not supported: spec.bogus']);
});

test('a bad pod-deletion-cost annotation is 422 Invalid', async () => {
  const [pod] = (await sim.core.listNamespacedPod({ namespace, labelSelector: 'app=listed' })).items;
  const bad = await statusOf(
    sim.core.patchNamespacedPod(
      { name: pod!.metadata!.name!, namespace, body: { metadata: { annotations: { 'controller.kubernetes.io/pod-deletion-cost': '+5' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    ),
  );
  assert.equal(bad.code, 422);
  assert.match(bad.message, /metadata\.annotations\[controller\.kubernetes\.io\/pod-deletion-cost\]: Invalid value: "\+5": must be a 32bit integer/);
});

test('VnfCluster status is written through the status subresource without moving generation', async () => {
  const group = 'vnf-agent.dev';
  const version = 'v1alpha1';
  const plural = 'vnfclusters';
  const body = { apiVersion: `${group}/${version}`, kind: 'VnfCluster', metadata: { name: 'sprout' }, spec: { role: 'sprout', minReplicas: 1, maxReplicas: 4, targetRef: { name: 'sprout' }, selector: { matchLabels: { app: 'sprout' } } } };
  await sim.custom.createNamespacedCustomObject({ group, version, namespace, plural, body });
  const read = (await sim.custom.getNamespacedCustomObject({ group, version, namespace, plural, name: 'sprout' })) as {
    metadata: { generation: number; resourceVersion: string };
    spec: { targetRef: { kind: string } };
    status?: unknown;
  };
  assert.equal(read.metadata.generation, 1);
  assert.equal(read.spec.targetRef.kind, 'Deployment', 'schema defaults are filled in');
  const withStatus = { ...read, status: { leader: 'sprout-0', replicas: 2 } };
  const written = (await sim.custom.replaceNamespacedCustomObjectStatus({ group, version, namespace, plural, name: 'sprout', body: withStatus })) as typeof read;
  assert.deepEqual(written.status, { leader: 'sprout-0', replicas: 2 });
  assert.equal(written.metadata.generation, 1);
  const stale = await statusOf(sim.custom.replaceNamespacedCustomObjectStatus({ group, version, namespace, plural, name: 'sprout', body: withStatus }));
  assert.equal(stale.code, 409);
  const invalid = await statusOf(sim.custom.createNamespacedCustomObject({ group, version, namespace, plural, body: { ...body, metadata: { name: 'bad' }, spec: { role: 'proxy' } } }));
  assert.equal(invalid.code, 422);
  assert.match(invalid.message, /spec\.role: Unsupported value: "proxy"/);
});

test('Events are created in core v1 and events.k8s.io/v1', async () => {
  const core = await sim.core.createNamespacedEvent({
    namespace,
    body: { metadata: { generateName: 'sprout.' }, involvedObject: { kind: 'Deployment', name: 'sprout', namespace }, reason: 'Scaled', message: 'to 3', type: 'Normal' },
  });
  assert.match(core.metadata?.name ?? '', /^sprout\.[a-z0-9]{5}$/);
  const modern = await sim.events.createNamespacedEvent({
    namespace,
    body: { metadata: { name: 'scaled-1' }, eventTime: new k8s.V1MicroTime(), reason: 'Scaled', action: 'Scale', reportingController: 'vnf-agent.dev/agent', reportingInstance: 'pod-a', regarding: { kind: 'Deployment', name: 'sprout' }, type: 'Normal' },
  });
  assert.equal(modern.reason, 'Scaled');
  // One storage, two shapes: the events.k8s.io Event lists through core/v1 with involvedObject and message.
  const found = await sim.core.listNamespacedEvent({ namespace, fieldSelector: 'involvedObject.name=sprout,reason=Scaled' });
  assert.deepEqual(found.items.map((e) => e.metadata.name).sort(), [core.metadata?.name, 'scaled-1'].sort());
  const converted = await sim.core.readNamespacedEvent({ name: 'scaled-1', namespace });
  assert.equal(converted.involvedObject.kind, 'Deployment');
  assert.equal(converted.reportingComponent, 'vnf-agent.dev/agent');
});
