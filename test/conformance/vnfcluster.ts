import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { VnfClusterClient } from '../../agent/kube/vnfcluster.js';
import { KubeError } from '../../agent/kube/errors.js';
import { VNF_GROUP, VNF_PLURAL, VNF_VERSION } from '../../agent/model/vnfcluster.js';
import type { SuiteContext } from './context.js';

export function vnfClusterCases(ctx: SuiteContext): void {
  const create = async (name: string, spec: Record<string, unknown>): Promise<unknown> =>
    ctx.kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      group: VNF_GROUP, version: VNF_VERSION, plural: VNF_PLURAL, namespace: ctx.namespace,
      body: { apiVersion: `${VNF_GROUP}/${VNF_VERSION}`, kind: 'VnfCluster', metadata: { name }, spec },
    });

  test('VnfCluster: spec is read back with the CRD defaults applied', async () => {
    await create('sprout', { role: 'sprout', targetRef: { name: 'sprout' }, selector: { matchLabels: { app: 'sprout' } }, maxReplicas: 6 });
    const client = new VnfClusterClient(ctx.api, ctx.namespace, 5000);
    const vc = await client.get('sprout');
    assert.equal(vc.spec.role, 'sprout');
    assert.equal(vc.spec.maxReplicas, 6);
    assert.equal(vc.spec.minReplicas, 1);
    assert.equal(vc.spec.behavior.scaleDown.stabilizationWindowSeconds, 300);
    assert.equal(vc.spec.behavior.scaleUp.stabilizationWindowSeconds, 0);
    assert.equal(vc.spec.drainTimeoutSeconds, 60);
    assert.equal(vc.metadata.generation, 1);
  });

  test('VnfCluster: an invalid spec is rejected with 422 naming the field', async () => {
    const err = await create('bad', { targetRef: { name: 'x' }, selector: { matchLabels: {} }, minReplicas: 0, role: 'router' }).catch((e: unknown) => e);
    const e = err as { code?: number; body?: string };
    assert.equal(e.code, 422, String(err));
    assert.match(String(e.body), /minReplicas/);
    assert.match(String(e.body), /role/);
  });

  test('VnfCluster: status is written through the status subresource, conditional on the version read', async () => {
    await create('bono', { role: 'bono', targetRef: { name: 'bono' }, selector: { matchLabels: { app: 'bono' } } });
    const client = new VnfClusterClient(ctx.api, ctx.namespace, 5000);
    const read = await client.get('bono');
    const written = await client.patchStatus('bono', { leader: 'bono-0', replicas: 1, desiredReplicas: 2, load: '0.42' }, read.metadata.resourceVersion ?? '');
    assert.equal(written.status?.leader, 'bono-0');
    assert.equal(written.metadata.generation, read.metadata.generation, 'a status write must not bump generation');
    const err = await client.patchStatus('bono', { leader: 'bono-1' }, read.metadata.resourceVersion ?? '').catch((e: unknown) => e);
    assert.ok(err instanceof KubeError && err.isConflict, String(err));
    assert.equal((await client.get('bono')).status?.leader, 'bono-0');
  });

  test('VnfCluster: status sent to the main resource is ignored (subresource semantics)', async () => {
    const api = ctx.kc.makeApiClient(CustomObjectsApi);
    const client = new VnfClusterClient(ctx.api, ctx.namespace, 5000);
    const vc = await client.get('bono');
    const replaced = (await api.replaceNamespacedCustomObject({
      group: VNF_GROUP, version: VNF_VERSION, plural: VNF_PLURAL, namespace: ctx.namespace, name: 'bono',
      body: { ...vc, spec: { ...vc.spec, maxReplicas: 7 }, status: { leader: 'intruder' } },
    })) as typeof vc;
    assert.equal(replaced.status?.leader, 'bono-0');
    assert.equal(replaced.spec.maxReplicas, 7);
    assert.equal(replaced.metadata.generation, (vc.metadata.generation ?? 0) + 1, 'a spec change bumps generation');
  });
}
