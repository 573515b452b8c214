import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { pino } from 'pino';
import { DRAINING_ANNOTATION, PodAnnotator, PodWatch, type PodFacts } from '../../agent/kube/pods.js';
import { KubeError } from '../../agent/kube/errors.js';
import { changePod, DELETION_COST_ANNOTATION, lowestDeletionCost, LOWEST_DELETION_COST, markSelf } from '../../agent/scaling/pod-marks.js';
import { systemClock } from '../../agent/clock/clock.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { kubeConfigFrom, rawRequest } from '../support/kube.js';
import { waitUntil } from './lease.js';
import type { SuiteContext } from './context.js';
import { removeScratchDir } from '../support/scratch.js';

const silent = pino({ level: 'silent' });

const pod = (name: string, labels: Record<string, string>) => ({
  metadata: { name, labels },
  spec: { containers: [{ name: 'sip', image: 'example.invalid/sip:1' }] },
});

function watchPods(ctx: SuiteContext, selector: string, extra: Partial<ConstructorParameters<typeof PodWatch>[0]> = {}) {
  let latest: readonly PodFacts[] = [];
  const w = new PodWatch({
    api: ctx.api,
    kubeConfig: ctx.kc,
    clock: systemClock,
    logger: silent,
    namespace: ctx.namespace,
    labelSelector: selector,
    timeoutMs: 5000,
    onChange: (pods) => (latest = pods),
    ...extra,
  });
  w.start();
  return { w, names: () => latest.map((p) => p.name) };
}

/** Waits until the server answers a watch from `rv` with 410 Expired (after etcd compaction). */
async function waitForExpired(ctx: SuiteContext, rv: string): Promise<void> {
  const deadline = performance.now() + 20_000;
  for (;;) {
    const r = await rawRequest(ctx.kc, 'GET', `/api/v1/namespaces/${ctx.namespace}/pods?watch=true&resourceVersion=${rv}&timeoutSeconds=1`);
    if (/"code":410/.test(r.body) || r.status === 410) return;
    if (performance.now() > deadline) throw new Error(`resourceVersion ${rv} never expired: ${r.status} ${r.body.slice(0, 200)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export function podWatchCases(ctx: SuiteContext): void {
  test('Pods: list+watch with a label selector sees adds and deletes of matching pods only', async () => {
    const core = ctx.kc.makeApiClient(CoreV1Api);
    await core.createNamespacedPod({ namespace: ctx.namespace, body: pod('w-1', { app: 'watch-a' }) });
    const { w, names } = watchPods(ctx, 'app=watch-a');
    try {
      await waitUntil(() => names().join() === 'w-1', 'initial list');
      await core.createNamespacedPod({ namespace: ctx.namespace, body: pod('w-2', { app: 'watch-a' }) });
      await core.createNamespacedPod({ namespace: ctx.namespace, body: pod('other', { app: 'watch-b' }) });
      await waitUntil(() => names().join() === 'w-1,w-2', 'added pod');
      await core.deleteNamespacedPod({ name: 'w-1', namespace: ctx.namespace, gracePeriodSeconds: 0 });
      await waitUntil(() => names().join() === 'w-2', 'deleted pod');
    } finally {
      await w.stop();
    }
  });

  test('Pods: a watch from an expired resourceVersion gets 410 and relists', async () => {
    const core = ctx.kc.makeApiClient(CoreV1Api);
    await core.createNamespacedPod({ namespace: ctx.namespace, body: pod('g-1', { app: 'gone' }) });
    await waitForExpired(ctx, '1');
    const { w, names } = watchPods(ctx, 'app=gone', { initialResourceVersion: '1' });
    try {
      await waitUntil(() => names().join() === 'g-1', 'relisted after 410');
      assert.ok(w.stats.gone >= 1, `stats ${JSON.stringify(w.stats)}`);
    } finally {
      await w.stop();
    }
  });

  test('Pods: a silently dead watch connection is abandoned and the watch resumes', async () => {
    const core = ctx.kc.makeApiClient(CoreV1Api);
    const target = new URL(ctx.kc.getCurrentCluster()?.server ?? '');
    const proxy = new TcpProxy(target.hostname, Number(target.port));
    await proxy.start();
    const dir = mkdtempSync(join(tmpdir(), 'vnf-proxy-'));
    const path = join(dir, 'kubeconfig');
    writeFileSync(path, readFileSync(ctx.kubeconfigPath, 'utf8').replace(target.host, `127.0.0.1:${proxy.port}`));
    const viaProxy = { ...ctx, kc: kubeConfigFrom(path) };
    const { w, names } = watchPods(viaProxy, 'app=dead', { serverTimeoutSeconds: 3, idleGraceMs: 1000 });
    try {
      await waitUntil(() => w.stats.lists === 1, 'listed');
      // A pod created after the list reaches the watch only over its stream: once it is seen, the watch's
      // connection is open and the freeze below catches it. (Waiting for any open connection raced: the
      // list's kept-alive one counted, the watch's was opened after the freeze and never went dead.)
      await core.createNamespacedPod({ namespace: ctx.namespace, body: pod('d-0', { app: 'dead' }) });
      await waitUntil(() => names().join() === 'd-0', 'watch established');
      assert.ok(proxy.freezeOpenConnections() > 0);
      await core.createNamespacedPod({ namespace: ctx.namespace, body: pod('d-1', { app: 'dead' }) });
      await waitUntil(() => [...names()].sort().join() === 'd-0,d-1', 'pod seen after the dead connection was abandoned', 15_000);
      assert.ok(w.stats.idle >= 1, `stats ${JSON.stringify(w.stats)}`);
    } finally {
      await w.stop();
      await proxy.stop();
      removeScratchDir(dir);
    }
  });
}

/**
 * The leaving mark and the deletion cost are conditional writes: the API
 * server must apply a merge patch carrying metadata.resourceVersion only at
 * that version, on both servers, or the scale-in's fence is a fiction.
 */
export function podAnnotationCases(ctx: SuiteContext): void {
  test('Pods: an annotation patch lands at the resourceVersion just read and gets 409 at a stale one, changing nothing', async () => {
    const core = ctx.kc.makeApiClient(CoreV1Api);
    await core.createNamespacedPod({ namespace: ctx.namespace, body: pod('mark-1', { app: 'mark' }) });
    const annotator = new PodAnnotator(ctx.api, ctx.namespace, 5000);
    const first = await annotator.read('mark-1');
    assert.ok(first && first.version !== '', 'read gives the version');
    assert.equal(first.facts.drainingAnnotation, false);
    // The real server's controllers may still be updating a new pod: a 409 here is read again and decided again.
    const request = <T>(_what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> => work(new AbortController().signal);
    assert.equal((await changePod(annotator, 'mark-1', markSelf, request)).outcome, 'written');
    const marked = await annotator.read('mark-1');
    assert.ok(marked);
    assert.equal(marked.facts.drainingAnnotation, true);
    assert.equal(marked.annotations[DRAINING_ANNOTATION], 'true');
    assert.notEqual(marked.version, first.version);

    const stale = await annotator.annotate('mark-1', { [DELETION_COST_ANNOTATION]: LOWEST_DELETION_COST }, first.version).then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(stale instanceof KubeError && stale.isConflict, `expected a 409, got ${String(stale)}`);
    assert.equal((await annotator.read('mark-1'))?.annotations[DELETION_COST_ANNOTATION], undefined, 'the stale write changed nothing');

    assert.equal((await changePod(annotator, 'mark-1', lowestDeletionCost, request)).outcome, 'written');
    assert.equal((await annotator.read('mark-1'))?.annotations[DELETION_COST_ANNOTATION], LOWEST_DELETION_COST);
    assert.equal((await changePod(annotator, 'mark-1', markSelf, request)).outcome, 'already', 'marking again writes nothing');
  });

  test('Pods: reading a pod that does not exist gives undefined, and a write without a version is refused before it is sent', async () => {
    const annotator = new PodAnnotator(ctx.api, ctx.namespace, 5000);
    assert.equal(await annotator.read('no-such-pod'), undefined);
    await assert.rejects(annotator.annotate('no-such-pod', { [DRAINING_ANNOTATION]: 'true' }, ''), /refusing an unconditional write/);
  });
}
