import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { DeploymentScale } from '../../agent/kube/scale.js';
import { EventRecorder } from '../../agent/kube/events.js';
import { KubeError } from '../../agent/kube/errors.js';
import { systemClock } from '../../agent/clock/clock.js';
import { rawRequest } from '../support/kube.js';
import type { SuiteContext } from './context.js';

export function deploymentBody(name: string, replicas: number, labels: Record<string, string>) {
  return {
    metadata: { name, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'sip', image: 'example.invalid/sip:1' }] } },
    },
  };
}

async function writeWithRetry(scale: DeploymentScale, replicas: number) {
  for (let attempt = 1; ; attempt++) {
    const current = await scale.read();
    try {
      return await scale.write(replicas, current.version);
    } catch (err) {
      if (!(err instanceof KubeError && err.isConflict) || attempt >= 10) throw err;
    }
  }
}

export function scaleCases(ctx: SuiteContext): void {
  test('Scale: read, then merge-patch with the resourceVersion just read', async () => {
    const apps = ctx.kc.makeApiClient(AppsV1Api);
    await apps.createNamespacedDeployment({ namespace: ctx.namespace, body: deploymentBody('sprout', 1, { app: 'scale-a' }) });
    const scale = new DeploymentScale(ctx.api, ctx.namespace, 'sprout', 5000);
    const before = await scale.read();
    assert.equal(before.replicas, 1);
    assert.match(before.selector, /app=scale-a/);
    // The Deployment controller writes status concurrently, which bumps the
    // resourceVersion the scale carries: a writer must re-read and retry on 409.
    const after = await writeWithRetry(scale, 3);
    assert.equal(after.replicas, 3);
    const deployment = await apps.readNamespacedDeployment({ name: 'sprout', namespace: ctx.namespace });
    assert.equal(deployment.spec?.replicas, 3);
  });

  test('Scale: a write carrying a stale resourceVersion is a 409, and changes nothing', async () => {
    const apps = ctx.kc.makeApiClient(AppsV1Api);
    await apps.createNamespacedDeployment({ namespace: ctx.namespace, body: deploymentBody('bono', 2, { app: 'scale-b' }) });
    const scale = new DeploymentScale(ctx.api, ctx.namespace, 'bono', 5000);
    const stale = await scale.read();
    await writeWithRetry(scale, 4);
    const err = await scale.write(1, stale.version).catch((e: unknown) => e);
    assert.ok(err instanceof KubeError && err.isConflict, String(err));
    assert.equal((await scale.read()).replicas, 4);
  });

  test('Scale: a merge body sent as a JSON Patch is rejected', async () => {
    const r = await rawRequest(
      ctx.kc, 'PATCH', `/apis/apps/v1/namespaces/${ctx.namespace}/deployments/sprout/scale`,
      { spec: { replicas: 9 } }, 'application/json-patch+json',
    );
    assert.ok(r.status >= 400 && r.status < 500, `status ${r.status}: ${r.body}`);
  });

  test('Scale: an unsupported patch content type is 415', async () => {
    const r = await rawRequest(ctx.kc, 'PATCH', `/apis/apps/v1/namespaces/${ctx.namespace}/deployments/sprout/scale`, { spec: { replicas: 9 } }, 'text/plain');
    assert.equal(r.status, 415, r.body);
  });

  test('Events: an Event is created and can be listed', async () => {
    const recorder = new EventRecorder(ctx.api, ctx.namespace, 'pod-a', systemClock, 5000);
    await recorder.record({
      regarding: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'sprout' },
      type: 'Normal', reason: 'ScaledUp', action: 'Scale', note: 'scaled up from 1 to 3: load above target',
    });
    const list = await ctx.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ctx.namespace });
    assert.ok(list.items.some((e) => e.reason === 'ScaledUp' && e.involvedObject.name === 'sprout'));
  });
}
