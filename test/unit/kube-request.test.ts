import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeApi, MERGE_PATCH, type HttpAnswer, type HttpCall, type Transport } from '../../agent/kube/request.js';
import { KubeError } from '../../agent/kube/errors.js';
import { KubeLeaseLock } from '../../agent/kube/lease-lock.js';
import { DeploymentScale } from '../../agent/kube/scale.js';
import { PodAnnotator } from '../../agent/kube/pods.js';
import { VnfClusterClient } from '../../agent/kube/vnfcluster.js';
import { EventRecorder } from '../../agent/kube/events.js';
import { microTime } from '../../agent/kube/micro-time.js';
import { LockConflictError, LockNotFoundError } from '../../agent/election/lock.js';
import { FakeClock, flushMicrotasks } from '../support/fake-clock.js';

const status = (code: number, reason: string, message: string): HttpAnswer => ({
  status: code,
  body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message }),
});
const ok = (object: unknown, code = 200): HttpAnswer => ({ status: code, body: JSON.stringify(object) });

/** A transport that answers from a script, records what it was sent, and fails on any call past the script. */
function scripted(...answers: HttpAnswer[]): { transport: Transport; calls: HttpCall[] } {
  const calls: HttpCall[] = [];
  const transport: Transport = async (call) => {
    calls.push(call);
    const answer = answers.shift();
    if (!answer) throw new Error(`unexpected call ${call.method} ${call.path}`);
    return answer;
  };
  return { transport, calls };
}

const clock = new FakeClock();
const api = (t: Transport): KubeApi => new KubeApi(t, clock);
const lease = (t: Transport): KubeLeaseLock =>
  new KubeLeaseLock({ api: api(t), kubeConfig: new KubeConfig(), clock, logger: pino({ level: 'silent' }), namespace: 'ns', name: 'sprout', timeoutMs: 500 });
const record = { holderIdentity: 'pod-a', leaseDurationSeconds: 8, acquireTime: new Date('2026-11-27T12:00:00.123Z'), renewTime: undefined, leaseTransitions: 2 };
const leaseObject = { metadata: { name: 'sprout', resourceVersion: '42' }, spec: { holderIdentity: 'pod-a', leaseDurationSeconds: 8, renewTime: '2026-11-27T12:00:05.654000Z' } };
const scaleObject = { metadata: { resourceVersion: '7' }, spec: { replicas: 3 }, status: { replicas: 2, selector: 'app=sprout' } };

interface Row {
  readonly name: string;
  readonly act: (t: Transport) => Promise<unknown>;
  readonly answer: HttpAnswer;
  readonly sent: Omit<HttpCall, 'signal' | 'body'> & { body?: unknown };
}

const rows: Row[] = [
  { name: 'Lease get', act: (t) => lease(t).get(), answer: ok(leaseObject), sent: { method: 'GET', path: '/apis/coordination.k8s.io/v1/namespaces/ns/leases/sprout' } },
  {
    name: 'Lease update: a PUT carrying the version read, MicroTime with six digits',
    act: (t) => lease(t).update(record, '41'),
    answer: ok(leaseObject),
    sent: {
      method: 'PUT', path: '/apis/coordination.k8s.io/v1/namespaces/ns/leases/sprout',
      body: {
        apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'sprout', namespace: 'ns', resourceVersion: '41' },
        spec: { holderIdentity: 'pod-a', leaseDurationSeconds: 8, acquireTime: '2026-11-27T12:00:00.123000Z', leaseTransitions: 2 },
      },
    },
  },
  {
    name: 'Lease create: a POST to the collection',
    act: (t) => lease(t).create(record),
    answer: ok(leaseObject, 201),
    sent: {
      method: 'POST', path: '/apis/coordination.k8s.io/v1/namespaces/ns/leases',
      body: {
        apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'sprout', namespace: 'ns' },
        spec: { holderIdentity: 'pod-a', leaseDurationSeconds: 8, acquireTime: '2026-11-27T12:00:00.123000Z', leaseTransitions: 2 },
      },
    },
  },
  {
    name: 'scale write: a merge patch carrying the version read',
    act: (t) => new DeploymentScale(api(t), 'ns', 'sprout', 500).write(4, '7'),
    answer: ok(scaleObject),
    sent: { method: 'PATCH', path: '/apis/apps/v1/namespaces/ns/deployments/sprout/scale', contentType: MERGE_PATCH, body: { metadata: { resourceVersion: '7' }, spec: { replicas: 4 } } },
  },
  {
    name: 'pod annotation: a merge patch carrying the version read, null removes',
    act: (t) => new PodAnnotator(api(t), 'ns', 500).annotate('sprout-1', { a: 'true', b: null }, '9'),
    answer: ok({ metadata: { name: 'sprout-1' } }),
    sent: { method: 'PATCH', path: '/api/v1/namespaces/ns/pods/sprout-1', contentType: MERGE_PATCH, body: { metadata: { resourceVersion: '9', annotations: { a: 'true', b: null } } } },
  },
  {
    name: 'VnfCluster status: a merge patch on the status subresource',
    act: (t) => new VnfClusterClient(api(t), 'ns', 500).patchStatus('sprout', { leader: 'pod-a' }, '11'),
    answer: ok({ metadata: { name: 'sprout' } }),
    sent: {
      method: 'PATCH', path: '/apis/vnf-agent.dev/v1alpha1/namespaces/ns/vnfclusters/sprout/status', contentType: MERGE_PATCH,
      body: { metadata: { resourceVersion: '11' }, status: { leader: 'pod-a' } },
    },
  },
];

for (const row of rows) {
  test(`request layer sends what the API expects: ${row.name}`, async () => {
    const { transport, calls } = scripted(row.answer);
    await row.act(transport);
    assert.equal(calls.length, 1);
    const { signal: _signal, body, ...sent } = calls[0]!;
    assert.deepEqual({ ...sent, ...(body === undefined ? {} : { body: JSON.parse(body) as unknown }) }, row.sent);
  });
}

test('request layer: the answer is parsed into the reading the adapters return', async () => {
  const read = await new DeploymentScale(api(scripted(ok(scaleObject)).transport), 'ns', 'sprout', 500).read();
  assert.deepEqual(read, { replicas: 3, currentReplicas: 2, selector: 'app=sprout', version: '7' });
  const got = await lease(scripted(ok(leaseObject)).transport).get();
  assert.equal(got.version, '42');
  assert.equal(got.record.renewTime?.toISOString(), '2026-11-27T12:00:05.654Z');
});

test('request layer: an Event is created with an events.k8s.io/v1 body and a MicroTime', async () => {
  const { transport, calls } = scripted(ok({}, 201));
  await new EventRecorder(api(transport), 'ns', 'pod-a', clock, 500).record({
    regarding: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'sprout' }, type: 'Normal', reason: 'ScaledUp', note: 'up', action: 'Scale',
  });
  assert.equal(calls[0]?.path, '/apis/events.k8s.io/v1/namespaces/ns/events');
  const body = JSON.parse(calls[0].body!) as { eventTime: string; regarding: { namespace: string }; kind: string };
  assert.match(body.eventTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.equal(body.regarding.namespace, 'ns');
  assert.equal(body.kind, 'Event');
});

const errorRows: { name: string; answer: HttpAnswer; act: (t: Transport) => Promise<unknown>; check: (err: unknown) => boolean }[] = [
  { name: 'Lease 404 is LockNotFoundError', answer: status(404, 'NotFound', 'leases "sprout" not found'), act: (t) => lease(t).get(), check: (e) => e instanceof LockNotFoundError },
  { name: 'Lease 409 is LockConflictError', answer: status(409, 'Conflict', 'the object has been modified'), act: (t) => lease(t).update(record, '1'), check: (e) => e instanceof LockConflictError },
  {
    name: 'scale 409 is a KubeError isConflict with the Status reason and message',
    answer: status(409, 'Conflict', 'the object has been modified'),
    act: (t) => new DeploymentScale(api(t), 'ns', 'sprout', 500).write(1, '3'),
    check: (e) => e instanceof KubeError && e.isConflict && e.reason === 'Conflict' && /409 Conflict the object has been modified/.test(e.message),
  },
  {
    name: 'a 503 without a Status body is a KubeError isUnavailable',
    answer: { status: 503, body: 'upstream connect error' },
    act: (t) => new VnfClusterClient(api(t), 'ns', 500).get('sprout'),
    check: (e) => e instanceof KubeError && e.isUnavailable && e.reason === 'HTTP503',
  },
  {
    name: 'a 422 keeps the Invalid reason',
    answer: status(422, 'Invalid', 'spec.replicas: Invalid value: -1'),
    act: (t) => new DeploymentScale(api(t), 'ns', 'sprout', 500).write(-1, '3'),
    check: (e) => e instanceof KubeError && e.status === 422 && e.reason === 'Invalid',
  },
];

for (const row of errorRows) {
  test(`request layer maps a Status answer: ${row.name}`, async () => {
    const err = await row.act(scripted(row.answer).transport).then(() => undefined, (e: unknown) => e);
    assert.ok(row.check(err), String(err));
  });
}

test('request layer: reading a pod that is gone is undefined, not an error', async () => {
  assert.equal(await new PodAnnotator(api(scripted(status(404, 'NotFound', 'pods "x" not found')).transport), 'ns', 500).read('x'), undefined);
});

test('request layer: a call that gets no answer ends at its deadline on the injected clock, and aborts the transport', async () => {
  const fake = new FakeClock();
  let seen: AbortSignal | undefined;
  const hang: Transport = (call) => {
    seen = call.signal;
    return new Promise<never>(() => undefined);
  };
  const pending = new DeploymentScale(new KubeApi(hang, fake), 'ns', 'sprout', 500).read().then(() => undefined, (e: unknown) => e);
  await flushMicrotasks();
  await fake.advance(499);
  assert.equal(seen?.aborted, false);
  await fake.advance(1);
  const err = await pending;
  assert.ok(err instanceof KubeError && err.status === 0 && err.reason === 'Timeout' && err.isUnavailable, String(err));
  assert.equal(seen?.aborted, true);
  assert.equal(fake.pendingSleeps, 0);
});

test('request layer: the caller’s signal aborts a call before its deadline, and no timer is left', async () => {
  const fake = new FakeClock();
  const stop = new AbortController();
  let seen: AbortSignal | undefined;
  const hang: Transport = (call) => {
    seen = call.signal;
    return new Promise<never>(() => undefined);
  };
  const withFake = new KubeLeaseLock({ api: new KubeApi(hang, fake), kubeConfig: new KubeConfig(), clock: fake, logger: pino({ level: 'silent' }), namespace: 'ns', name: 'l', timeoutMs: 500 });
  const second = withFake.get(stop.signal).then(() => undefined, (e: unknown) => e);
  await flushMicrotasks();
  stop.abort(new Error('leadership lost'));
  const err = await second;
  assert.ok(err instanceof KubeError && err.status === 0, String(err));
  assert.equal(seen?.aborted, true);
  assert.equal(fake.pendingSleeps, 0);
});

test('microTime: six fractional digits, as the API server requires for MicroTime', () => {
  assert.equal(microTime(new Date('2026-11-27T12:00:05.654Z')), '2026-11-27T12:00:05.654000Z');
  assert.equal(microTime(new Date('2026-11-27T12:00:05Z')), '2026-11-27T12:00:05.000000Z');
});

test('Lease update: the PUT keeps the labels and others\' annotations of the Lease it read, and carries only that version\'s', async () => {
  const read = {
    metadata: {
      name: 'sprout', resourceVersion: '42', labels: { 'app.kubernetes.io/part-of': 'ims', team: 'core' },
      annotations: { 'example.com/owner': 'ops', 'vnf-agent.dev/term-process': '{"old":true}' },
    },
    spec: { holderIdentity: 'pod-a', leaseDurationSeconds: 8 },
  };
  const { transport, calls } = scripted(ok(read), ok({ ...read, metadata: { ...read.metadata, resourceVersion: '43' } }), ok(leaseObject));
  const lock = new KubeLeaseLock({
    api: api(transport), kubeConfig: new KubeConfig(), clock, logger: pino({ level: 'silent' }), namespace: 'ns', name: 'sprout', timeoutMs: 500,
    labels: { 'app.kubernetes.io/managed-by': 'vnf-agent' },
  });
  await lock.get();
  await lock.update(record, '42');
  const first = JSON.parse(calls[1]!.body!) as { metadata: { labels: Record<string, string>; annotations?: Record<string, string> } };
  assert.deepEqual(first.metadata.labels, { 'app.kubernetes.io/part-of': 'ims', team: 'core', 'app.kubernetes.io/managed-by': 'vnf-agent' });
  // A record without a process clears the term record, and only it.
  assert.deepEqual(first.metadata.annotations, { 'example.com/owner': 'ops' });
  // A PUT on a version it has not read carries nothing of another version (the server answers 409 anyway).
  await lock.update(record, '41');
  const second = JSON.parse(calls[2]!.body!) as { metadata: { labels: Record<string, string>; annotations?: Record<string, string> } };
  assert.deepEqual(second.metadata.labels, { 'app.kubernetes.io/managed-by': 'vnf-agent' });
  assert.equal(second.metadata.annotations, undefined);
});
