import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { eventually } from '../support/process.js';
import { startSim, type SimClient } from '../support/sim-apiserver.js';

/** Wire JSON, read loosely in assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type WireJson = Record<string, any>;

let sim: SimClient;
const namespace = 'default';
const LEASES = `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`;
before(async () => {
  sim = await startSim({ bookmarkIntervalMs: 100 });
});
after(() => sim.close());

interface Seen {
  events: { type: string; name: string | undefined; rv: string | undefined; object: WireJson }[];
  done: Promise<unknown>;
  stop: AbortController;
}

async function watch(path: string, query: Record<string, string | number | boolean | undefined>): Promise<Seen> {
  const events: Seen['events'] = [];
  let finish!: (err: unknown) => void;
  const done = new Promise((resolve) => (finish = resolve));
  const stop = await new k8s.Watch(sim.kc).watch(path, query, (type, obj: WireJson) => events.push({ type, name: obj?.metadata?.name, rv: obj?.metadata?.resourceVersion, object: obj }), finish);
  return { events, done, stop };
}

const lease = (name: string, labels: Record<string, string> = {}) => ({ metadata: { name, labels }, spec: { holderIdentity: 'a', leaseDurationSeconds: 10 } });

test('a watch streams ADDED, MODIFIED and DELETED, and a label change out of the selector is a DELETED', async () => {
  const w = await watch(LEASES, { labelSelector: 'team=sip' });
  try {
    const created = await sim.coord.createNamespacedLease({ namespace, body: lease('w1', { team: 'sip' }) });
    await sim.coord.createNamespacedLease({ namespace, body: lease('ignored', { team: 'web' }) });
    created.spec!.holderIdentity = 'b';
    await sim.coord.replaceNamespacedLease({ name: 'w1', namespace, body: created });
    await sim.coord.patchNamespacedLease({ name: 'w1', namespace, body: { metadata: { labels: { team: 'web' } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    await eventually(async () => (w.events.length >= 3 ? true : undefined), 3000, 'three events');
    assert.deepEqual(w.events.map((e) => `${e.type} ${e.name}`), ['ADDED w1', 'MODIFIED w1', 'DELETED w1']);
    assert.equal(w.events[1]!.object.spec.holderIdentity, 'b');
    assert.equal(w.events[0]!.object.kind, 'Lease');
    assert.equal(w.events[0]!.object.apiVersion, 'coordination.k8s.io/v1');
  } finally {
    w.stop.abort();
  }
});

test('a watch resumes after a resourceVersion, and one older than the history gets an in-stream 410 Expired', async () => {
  const first = await sim.coord.createNamespacedLease({ namespace, body: lease('r1') });
  await sim.coord.createNamespacedLease({ namespace, body: lease('r2') });
  const resumed = await watch(LEASES, { resourceVersion: first.metadata!.resourceVersion, timeoutSeconds: 1 });
  await eventually(async () => (resumed.events.length > 0 ? true : undefined), 3000, 'replayed event');
  assert.deepEqual(resumed.events.map((e) => `${e.type} ${e.name}`), ['ADDED r2']);
  resumed.stop.abort();

  sim.server.store.compact();
  const expired = await watch(LEASES, { resourceVersion: first.metadata!.resourceVersion });
  assert.equal(await expired.done, null, 'the server ends the stream after the ERROR');
  assert.equal(expired.events.length, 1);
  const [error] = expired.events;
  assert.equal(error!.type, 'ERROR');
  assert.deepEqual(
    { kind: error!.object.kind, apiVersion: error!.object.apiVersion, status: error!.object.status, reason: error!.object.reason, code: error!.object.code },
    { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410 },
  );
  assert.match(error!.object.message, /^too old resource version: \d+ \(\d+\)$/);
});

test('allowWatchBookmarks brings BOOKMARK events carrying only a resourceVersion', async () => {
  const w = await watch(LEASES, { allowWatchBookmarks: true, resourceVersion: String(sim.server.store.revision()) });
  try {
    await eventually(async () => (w.events.some((e) => e.type === 'BOOKMARK') ? true : undefined), 3000, 'a bookmark');
    const bookmark = w.events.find((e) => e.type === 'BOOKMARK')!;
    assert.deepEqual(Object.keys(bookmark.object.metadata), ['resourceVersion']);
    assert.equal(bookmark.object.kind, 'Lease');
  } finally {
    w.stop.abort();
  }
});

test('the server closes a watch after timeoutSeconds', async () => {
  const w = await watch(LEASES, { timeoutSeconds: 1 });
  const outcome = await Promise.race([w.done, new Promise((resolve) => setTimeout(resolve, 5000, 'still open'))]);
  assert.equal(outcome, null);
});
