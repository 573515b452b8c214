import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { kubeConfigFor, startSim, statusOf, type SimClient } from '../support/sim-apiserver.js';

/** Wire JSON, read loosely in assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type WireJson = Record<string, any>;

let sim: SimClient;
const namespace = 'default';
before(async () => {
  sim = await startSim({}, 'agent-a');
});
after(() => sim.close());

async function control(method: string, path: string, body?: unknown): Promise<{ status: number; json: WireJson }> {
  const res = await fetch(`${sim.server.url}${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
  return { status: res.status, json: (await res.json()) as WireJson };
}

/** A GET with a bearer token and a client-side deadline; 'timeout' when no answer came in time. */
async function getAs(token: string, path: string, timeoutMs: number): Promise<number | 'timeout' | 'reset'> {
  try {
    const res = await fetch(`${sim.server.url}${path}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(timeoutMs) });
    return res.status;
  } catch (err) {
    return (err as Error).name === 'TimeoutError' ? 'timeout' : 'reset';
  }
}

test('added latency delays API answers', async () => {
  assert.equal((await control('PUT', '/sim/faults', { latencyMs: 300 })).json.latencyMs, 300);
  try {
    const started = performance.now();
    await sim.core.readNamespace({ name: 'default' });
    assert.ok(performance.now() - started >= 290, 'the answer came after the injected latency');
  } finally {
    await control('DELETE', '/sim/faults');
  }
});

test('an error rate of 1 answers every write with the chosen 5xx Status, reads untouched in scope writes', async () => {
  sim.server.faults.set({ errorRate: 1, errorCode: 503, scope: 'writes' });
  try {
    const failed = await statusOf(sim.coord.createNamespacedLease({ namespace, body: { metadata: { name: 'x' }, spec: {} } }));
    assert.deepEqual([failed.code, failed.reason], [503, 'ServiceUnavailable']);
    assert.equal((await sim.core.readNamespace({ name: 'default' })).metadata?.name, 'default');
  } finally {
    sim.server.faults.reset();
  }
  assert.equal((await sim.coord.createNamespacedLease({ namespace, body: { metadata: { name: 'x' }, spec: {} } })).metadata?.name, 'x');
});

test('a partitioned client gets no answers while others do; lifting the partition cuts its hung requests', async () => {
  await control('PUT', '/sim/faults', { partition: { token: 'agent-a' } });
  try {
    assert.equal(await getAs('agent-a', '/api/v1/namespaces/default', 300), 'timeout');
    assert.equal(await getAs('agent-b', '/api/v1/namespaces/default', 2000), 200);
    const hung = getAs('agent-a', '/api/v1/namespaces/default', 5000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await control('DELETE', '/sim/faults');
    assert.equal(await hung, 'reset', 'the hung request is cut when the partition ends');
    assert.equal(await getAs('agent-a', '/api/v1/namespaces/default', 2000), 200);
  } finally {
    await control('DELETE', '/sim/faults');
  }
});

test('dropping watches ends every open watch with an error', async () => {
  let ended!: (err: unknown) => void;
  const done = new Promise((resolve) => (ended = resolve));
  const other = kubeConfigFor(sim.server.url, 'watcher');
  await new k8s.Watch(other).watch(`/api/v1/namespaces/${namespace}/pods`, {}, () => undefined, ended);
  assert.equal((await control('POST', '/sim/watches/drop')).json.dropped, 1);
  const outcome = await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 3000, 'still open'))]);
  assert.notEqual(outcome, 'still open');
});

test('the control API rejects unknown faults and bad values with 400', async () => {
  const r = await control('PUT', '/sim/faults', { errorRate: 2, flood: true });
  assert.equal(r.status, 400);
  assert.match(r.json.message, /unknown fault "flood"/);
  assert.match(r.json.message, /errorRate must be a number in \[0, 1\]/);
});
