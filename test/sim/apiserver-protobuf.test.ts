import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rawRequest } from '../support/kube.js';
import { PROTOBUF, protobufBody, protobufEnvelope } from '../support/protobuf.js';
import { startSim, type SimClient } from '../support/sim-apiserver.js';

// What only the stand-in can be asked: the shared conformance suite
// (test/conformance/protobuf.ts, kubectl.ts) covers what both servers do.

let sim: SimClient;
before(async () => {
  sim = await startSim();
});
after(() => sim.close());

const DEPLOYMENTS = '/apis/apps/v1/namespaces/default/deployments';

test('a protobuf body for a custom resource is 415: custom resources have no protobuf schema', async () => {
  const body = protobufEnvelope({ typeMeta: { apiVersion: 'vnf-agent.dev/v1alpha1', kind: 'VnfCluster' }, raw: Buffer.from('{}') });
  const r = await rawRequest(sim.kc, 'POST', '/apis/vnf-agent.dev/v1alpha1/namespaces/default/vnfclusters', body, PROTOBUF);
  assert.equal(r.status, 415, r.body);
  assert.match(r.json<{ message: string }>().message, /accepted media types include: application\/json, application\/yaml$/);
});

test('the envelope kind must be a kind of the URL group; a kind with no message is 400', async () => {
  const wrongGroup = protobufBody('coordination.k8s.io/v1', 'Lease', 'k8s.io.api.coordination.v1.Lease', { metadata: { name: 'x' } });
  const r = await rawRequest(sim.kc, 'POST', DEPLOYMENTS, wrongGroup, PROTOBUF);
  assert.equal(r.status, 400, r.body);
  assert.match(r.body, /does not match the expected API version \(apps\/v1\)/);
  const noSuchKind = protobufEnvelope({ typeMeta: { apiVersion: 'apps/v1', kind: 'Nope' }, raw: Buffer.alloc(0) });
  const missing = await rawRequest(sim.kc, 'POST', DEPLOYMENTS, noSuchKind, PROTOBUF);
  assert.equal(missing.status, 400, missing.body);
  assert.match(missing.body, /no kind \\"Nope\\" is registered for version \\"apps\/v1\\"/);
});

test('truncated protobuf, a compressed envelope and a missing kind are 400, and nothing is stored', async () => {
  const good = protobufBody('apps/v1', 'Deployment', 'k8s.io.api.apps.v1.Deployment', { metadata: { name: 'cut' } });
  for (const body of [
    good.subarray(0, good.length - 6), // cut inside the object's bytes
    protobufEnvelope({ typeMeta: { apiVersion: 'apps/v1', kind: 'Deployment' }, raw: Buffer.from([1]), contentEncoding: 'gzip' }),
    protobufEnvelope({ typeMeta: { apiVersion: 'apps/v1' } }),
  ]) {
    const r = await rawRequest(sim.kc, 'POST', DEPLOYMENTS, body, PROTOBUF);
    assert.equal(r.status, 400, r.body);
  }
  assert.equal((await sim.apps.listNamespacedDeployment({ namespace: 'default' })).items.length, 0);
});
