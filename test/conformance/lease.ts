import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { KubeLeaseLock } from '../../agent/kube/lease-lock.js';
import { LockConflictError, LockNotFoundError, type LeaderRecord } from '../../agent/election/lock.js';
import { systemClock } from '../../agent/clock/clock.js';
import { rawRequest } from '../support/kube.js';
import type { SuiteContext } from './context.js';

const silent = pino({ level: 'silent' });

function lock(ctx: SuiteContext, name: string, labels?: Record<string, string>): KubeLeaseLock {
  return new KubeLeaseLock({
    ...(labels ? { labels } : {}),
    api: ctx.api,
    kubeConfig: ctx.kc,
    clock: systemClock,
    logger: silent,
    namespace: ctx.namespace,
    name,
    timeoutMs: 5000,
  });
}

const record = (holder: string, transitions = 0): LeaderRecord => ({
  holderIdentity: holder,
  leaseDurationSeconds: 8,
  acquireTime: new Date('2026-11-27T12:00:00.123456Z'),
  renewTime: new Date('2026-11-27T12:00:05.654Z'),
  leaseTransitions: transitions,
});

export function leaseCases(ctx: SuiteContext): void {
  test('Lease: get of a missing lock is LockNotFoundError', async () => {
    await assert.rejects(lock(ctx, 'missing').get(), LockNotFoundError);
  });

  test('Lease: create, get and compare-and-set update, with MicroTime on the wire', async () => {
    const l = lock(ctx, 'cas');
    const created = await l.create(record('pod-a'));
    assert.equal(created.record.holderIdentity, 'pod-a');
    const read = await l.get();
    assert.equal(read.version, created.version);
    assert.equal(read.record.renewTime?.toISOString(), '2026-11-27T12:00:05.654Z');
    const raw = await rawRequest(ctx.kc, 'GET', `/apis/coordination.k8s.io/v1/namespaces/${ctx.namespace}/leases/cas`);
    assert.match(raw.json<{ spec: { renewTime: string } }>().spec.renewTime, /^2026-11-27T12:00:05\.654000Z$/);
    const updated = await l.update(record('pod-b', 1), read.version);
    assert.notEqual(updated.version, read.version);
    assert.equal(updated.record.holderIdentity, 'pod-b');
    assert.equal(updated.record.leaseTransitions, 1);
  });

  test('Lease: an update keeps the labels set at creation and annotations others added', async () => {
    const l = lock(ctx, 'kept', { 'app.kubernetes.io/managed-by': 'vnf-agent' });
    await l.create(record('pod-a'));
    const path = `/apis/coordination.k8s.io/v1/namespaces/${ctx.namespace}/leases/kept`;
    const patched = await rawRequest(ctx.kc, 'PATCH', path, { metadata: { annotations: { 'example.com/owner': 'ops' } } }, 'application/merge-patch+json');
    assert.equal(patched.status, 200, patched.body);
    const read = await l.get();
    await l.update({ ...record('pod-a'), renewTime: new Date('2026-11-27T12:00:09.000Z') }, read.version);
    const meta = (await rawRequest(ctx.kc, 'GET', path)).json<{ metadata: { labels?: Record<string, string>; annotations?: Record<string, string> } }>().metadata;
    assert.equal(meta.labels?.['app.kubernetes.io/managed-by'], 'vnf-agent');
    assert.equal(meta.annotations?.['example.com/owner'], 'ops');
  });

  test('Lease: an update with a stale resourceVersion is LockConflictError (409)', async () => {
    const l = lock(ctx, 'stale');
    const first = await l.create(record('pod-a'));
    // A changed record: an identical PUT is a no-op that keeps the resourceVersion.
    await l.update({ ...record('pod-a'), renewTime: new Date('2026-11-27T12:00:07.000Z') }, first.version);
    await assert.rejects(l.update(record('pod-b'), first.version), LockConflictError);
    assert.equal((await l.get()).record.holderIdentity, 'pod-a');
  });

  test('Lease: creating an existing lock is LockConflictError (AlreadyExists)', async () => {
    const l = lock(ctx, 'twice');
    await l.create(record('pod-a'));
    await assert.rejects(l.create(record('pod-b')), LockConflictError);
  });

  test('Lease: the server rejects times without 6 fractional digits', async () => {
    const body = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'millis' },
      spec: { holderIdentity: 'x', renewTime: '2026-11-27T12:00:05.654Z' },
    };
    const r = await rawRequest(ctx.kc, 'POST', `/apis/coordination.k8s.io/v1/namespaces/${ctx.namespace}/leases`, body);
    assert.ok(r.status >= 400 && r.status < 500, `status ${r.status}: ${r.body}`);
    assert.equal(r.json().kind, 'Status');
  });

  test('Lease: watch reports the current record and every change', async () => {
    const l = lock(ctx, 'watched');
    const seen: (string | undefined)[] = [];
    const stop = l.watch((current) => seen.push(current?.record.holderIdentity));
    try {
      await waitUntil(() => seen.length >= 1, 'initial sync');
      assert.equal(seen[0], undefined);
      const created = await l.create(record('pod-a'));
      await l.update(record('', 0), created.version);
      await waitUntil(() => seen.includes(''), 'release seen');
      assert.deepEqual(seen.slice(-2), ['pod-a', '']);
    } finally {
      stop();
    }
  });
}

export async function waitUntil(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
