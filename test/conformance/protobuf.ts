import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api } from '@kubernetes/client-node';
import { rawRequest } from '../support/kube.js';
import { PROTOBUF, protobufBody } from '../support/protobuf.js';
import type { SuiteContext } from './context.js';

/** What gogo-protobuf writes for an ObjectMeta's unset non-pointer fields: zero values, on the wire. */
const GO_ZERO_META = { generateName: '', namespace: '', selfLink: '', uid: '', resourceVersion: '', generation: 0, creationTimestamp: {} };

interface Read {
  metadata: Record<string, unknown>;
  spec: Record<string, unknown>;
}

/**
 * Protobuf bodies beyond what kubectl sends: each kind of field Go's JSON
 * treats its own way (MicroTime, IntOrString, Quantity, inline structs,
 * pointers set to zero, zero non-pointers) must read back as the real server
 * stores it.
 */
export function protobufCases(ctx: SuiteContext): void {
  const lease = (name: string, resourceVersion: string, renewSeconds: number) =>
    protobufBody('coordination.k8s.io/v1', 'Lease', 'k8s.io.api.coordination.v1.Lease', {
      metadata: { ...GO_ZERO_META, name, resourceVersion },
      spec: {
        holderIdentity: 'pod-a',
        leaseDurationSeconds: 15,
        leaseTransitions: 0,
        acquireTime: { seconds: 1767225600, nanos: 123456789 },
        renewTime: { seconds: renewSeconds, nanos: 5000 },
      },
    });
  // ctx.namespace is set in the suite's before hook, after the cases are declared.
  const leases = () => `/apis/coordination.k8s.io/v1/namespaces/${ctx.namespace}/leases`;

  test('Protobuf: a Lease keeps microseconds and a zero leaseTransitions; PUT is conditional', async () => {
    const created = await rawRequest(ctx.kc, 'POST', leases(), lease('pb-lease', '', 1767225601), PROTOBUF);
    assert.equal(created.status, 201, created.body);
    const read = created.json<Read>();
    assert.deepEqual(read.spec, {
      holderIdentity: 'pod-a',
      leaseDurationSeconds: 15,
      acquireTime: '2026-01-01T00:00:00.123456Z',
      renewTime: '2026-01-01T00:00:01.000005Z',
      leaseTransitions: 0,
    });
    assert.equal(read.metadata.generateName, undefined);
    const rv = String(read.metadata.resourceVersion);
    const renewed = await rawRequest(ctx.kc, 'PUT', `${leases()}/pb-lease`, lease('pb-lease', rv, 1767225610), PROTOBUF);
    assert.equal(renewed.status, 200, renewed.body);
    assert.equal(renewed.json<Read>().spec.renewTime, '2026-01-01T00:00:10.000005Z');
    const stale = await rawRequest(ctx.kc, 'PUT', `${leases()}/pb-lease`, lease('pb-lease', rv, 1767225620), PROTOBUF);
    assert.equal(stale.status, 409, stale.body);
  });

  test('Protobuf: a Deployment reads back as its JSON would (inline, IntOrString, Quantity, zero values)', async () => {
    const labels = { app: 'pb' };
    const body = protobufBody('apps/v1', 'Deployment', 'k8s.io.api.apps.v1.Deployment', {
      metadata: { ...GO_ZERO_META, name: 'pb-deploy', labels },
      spec: {
        replicas: 0,
        minReadySeconds: 0,
        paused: false,
        selector: { matchLabels: labels },
        strategy: { type: '', rollingUpdate: { maxSurge: { type: 0, intVal: 2 }, maxUnavailable: { type: 1, strVal: '10%' } } },
        template: {
          metadata: { labels, creationTimestamp: {} },
          spec: {
            hostNetwork: false,
            terminationGracePeriodSeconds: 0,
            automountServiceAccountToken: false,
            volumes: [
              { name: 'scratch', volumeSource: { emptyDir: { medium: '', sizeLimit: { string: '64Mi' } } } },
              { name: 'cfg', volumeSource: { configMap: { localObjectReference: { name: 'cm' }, defaultMode: 420 } } },
            ],
            containers: [
              {
                name: 'sip',
                image: 'example.invalid/sip:1',
                stdin: false,
                args: ['', '-v'],
                resources: { limits: { cpu: { string: '500m' }, memory: { string: '128Mi' } } },
                readinessProbe: { handler: { tcpSocket: { port: { type: 1, strVal: 'sip' }, host: '' } }, periodSeconds: 0 },
                ports: [{ name: 'sip', containerPort: 5060, hostPort: 0, protocol: 'UDP' }],
                env: [
                  { name: 'A', value: '' },
                  { name: 'B', valueFrom: { configMapKeyRef: { localObjectReference: { name: 'cm' }, key: 'b' } } },
                ],
              },
            ],
          },
        },
      },
      status: { replicas: 0 },
    });
    const r = await rawRequest(ctx.kc, 'POST', `/apis/apps/v1/namespaces/${ctx.namespace}/deployments`, body, PROTOBUF);
    assert.equal(r.status, 201, r.body);
    assert.deepEqual(r.json<Read>().spec, {
      replicas: 0,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          volumes: [
            { name: 'scratch', emptyDir: { sizeLimit: '64Mi' } },
            { name: 'cfg', configMap: { name: 'cm', defaultMode: 420 } },
          ],
          containers: [
            {
              name: 'sip',
              image: 'example.invalid/sip:1',
              args: ['', '-v'],
              ports: [{ name: 'sip', containerPort: 5060, protocol: 'UDP' }],
              env: [{ name: 'A' }, { name: 'B', valueFrom: { configMapKeyRef: { name: 'cm', key: 'b' } } }],
              resources: { limits: { cpu: '500m', memory: '128Mi' } },
              readinessProbe: { tcpSocket: { port: 'sip' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
              imagePullPolicy: 'IfNotPresent',
            },
          ],
          restartPolicy: 'Always',
          terminationGracePeriodSeconds: 0,
          dnsPolicy: 'ClusterFirst',
          automountServiceAccountToken: false,
          securityContext: {},
          schedulerName: 'default-scheduler',
        },
      },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%', maxSurge: 2 } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    });
  });

  test('Protobuf: DeleteOptions in a protobuf body carry their preconditions', async () => {
    const core = ctx.kc.makeApiClient(CoreV1Api);
    const pod = await core.createNamespacedPod({ namespace: ctx.namespace, body: { metadata: { name: 'pb-delete' }, spec: { containers: [{ name: 'sip', image: 'example.invalid/sip:1' }] } } });
    const options = (uid: string) => protobufBody('v1', 'DeleteOptions', 'k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions', { preconditions: { uid } });
    const path = `/api/v1/namespaces/${ctx.namespace}/pods/pb-delete`;
    const stale = await rawRequest(ctx.kc, 'DELETE', path, options('not-the-uid'), PROTOBUF);
    assert.equal(stale.status, 409, stale.body);
    const deleted = await rawRequest(ctx.kc, 'DELETE', path, options(pod.metadata?.uid ?? ''), PROTOBUF);
    assert.equal(deleted.status, 200, deleted.body);
  });

  test('Protobuf: a body without the k8s\\0 prefix is 400', async () => {
    const r = await rawRequest(ctx.kc, 'POST', leases(), Buffer.from('not protobuf'), PROTOBUF);
    assert.equal(r.status, 400, r.body);
    assert.match(r.body, /expected prefix \[107 56 115 0\]/);
  });
}
