import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { AppsV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { sharedKubeconfig, stopOwnControlPlane } from '../support/shared-controlplane.js';
import { deleteNamespaceAndPods, freshNamespace, kubeConfigFrom } from '../support/kube.js';
import { eventually } from '../support/process.js';
import { startSippUac } from '../support/sipp.js';
import { BONO_PORT, SPROUT_PORT, deploySipCluster, dispatcherTargets, invitesReceived, isReady, livePods } from './sip-cluster.js';
import { DELETION_COST_ANNOTATION } from '../../agent/scaling/pod-marks.js';
import { removeScratchDir } from '../support/scratch.js';

/**
 * Peer registration end to end: Bono (Kamailio dispatcher) in front of Sprouts
 * (Kamailio), every pod with its sidecar, on the real control plane. SIPp
 * sends calls through Bono while a Sprout is added and another removed.
 */
/** SIPp's -trace_err log, summed up: each unexpected reply's status line and how often, with the first time seen. */
function unexpectedReplies(file: string): string {
  const seen = new Map<string, { count: number; first: string }>();
  for (const m of readFileSync(file, 'utf8').matchAll(/^'?\S+\t(\S+)\t.*while expecting '(\d+)'.*received '(SIP\/2\.0 [^\n]*)/gm)) {
    const key = `${m[3]} (expecting ${m[2]})`;
    const entry = seen.get(key) ?? { count: 0, first: m[1] ?? '' };
    entry.count += 1;
    seen.set(key, entry);
  }
  return [...seen].map(([k, v]) => `${v.count}x ${k} from ${v.first}`).join('; ') || 'none logged';
}

describe('peer registration under SIP load', { timeout: 240_000 }, () => {
  let kc: KubeConfig;
  let ns: string;
  let dir: string;
  let listFile: string;
  const figures: Record<string, number> = {};

  before(async () => {
    kc = kubeConfigFrom(await sharedKubeconfig());
    ns = await freshNamespace(kc, 'peers');
    dir = mkdtempSync(join(tmpdir(), 'vnf-e2e-peers-'));
    // paused: only this test changes the Sprout count.
    ({ bonoListFile: listFile } = await deploySipCluster({ kc, namespace: ns, dir, sprouts: 2, sproutSpec: { paused: true, minReplicas: 1, maxReplicas: 5 } }));
  });

  after(async () => {
    await deleteNamespaceAndPods(kc, ns);
    await stopOwnControlPlane();
    removeScratchDir(dir);
    process.stdout.write(`# peers figures: ${JSON.stringify(figures)}\n`);
  });

  const listed = (): string[] => readFileSync(listFile, 'utf8').split('\n').filter((l) => /^1 sip:/.test(l)).map((l) => /sip:([\d.]+):/.exec(l)?.[1] ?? '');

  test('Bono is Ready only once its Kamailio routes to both Sprouts', async () => {
    const sprouts = await eventually(async () => {
      const pods = await livePods(kc, ns, 'sprout');
      return pods.length === 2 && pods.every(isReady) ? pods : undefined;
    }, 60_000, 'two ready Sprouts');
    const ips = sprouts.map((p) => p.status?.podIP ?? '').sort();
    const bono = await eventually(async () => (await livePods(kc, ns, 'bono')).find(isReady), 60_000, 'ready Bono');
    // Ready means routable: Kamailio itself (not just the file) must hold at least one Sprout by now.
    const loaded = await dispatcherTargets(bono.status?.podIP ?? '', BONO_PORT);
    assert.ok(loaded.length > 0 && loaded.every((ip) => ips.includes(ip)), `Bono Ready while Kamailio routes to [${loaded.join()}] (Sprouts ${ips.join()})`);
    await eventually(async () => ((await dispatcherTargets(bono.status?.podIP ?? '', BONO_PORT)).join() === ips.join() ? true : undefined), 20_000, `Kamailio routing to ${ips.join()}`);
    assert.deepEqual(listed().sort(), ips, 'the dispatcher file lists the same Sprouts');
  });

  test('a third Sprout gets calls within 5 s of becoming ready; a leaving Sprout gets no new calls; no call fails', async () => {
    const [bono] = await livePods(kc, ns, 'bono');
    const bonoIp = bono?.status?.podIP ?? '';
    const sipp = await startSippUac({ target: `${bonoIp}:${BONO_PORT}`, localHost: '127.0.0.1', rate: 20, calls: 900, holdMs: 2000, errorFile: join(dir, 'sipp-errors.log') });
    try {
      await delay(3000);
      const before = new Set((await livePods(kc, ns, 'sprout')).map((p) => p.metadata?.name));
      const apps = kc.makeApiClient(AppsV1Api);
      await apps.patchNamespacedDeploymentScale({ name: 'sprout', namespace: ns, body: [{ op: 'replace', path: '/spec/replicas', value: 3 }] });
      const third = await eventually(async () => (await livePods(kc, ns, 'sprout')).find((p) => !before.has(p.metadata?.name) && isReady(p)), 60_000, 'third Sprout ready');
      const readyAt = performance.now();
      const ip = third.status?.podIP ?? '';
      await eventually(async () => ((await invitesReceived(ip, SPROUT_PORT)) > 0 ? true : undefined), 10_000, 'first call at the new Sprout', 100).catch(async (err: Error) => {
        const counts = await Promise.all((await livePods(kc, ns, 'sprout')).map(async (p) => `${p.status?.podIP}=${await invitesReceived(p.status?.podIP ?? '', SPROUT_PORT).catch((e: Error) => e.message)}`));
        throw new Error(`${err.message}; new ${ip}; listed ${listed().join()}; invites ${counts.join()}; sipp ${sipp.process.stdout().slice(-1500)} ${sipp.process.stderr().slice(-500)}`);
      });
      figures.newSproutFirstCallMs = Math.round(performance.now() - readyAt);
      assert.ok(figures.newSproutFirstCallMs <= 5000, `first call after ${figures.newSproutFirstCallMs} ms`);

      // Graceful removal: lowest deletion cost on one old Sprout, then scale to 2.
      const victim = (await livePods(kc, ns, 'sprout')).find((p) => before.has(p.metadata?.name));
      const victimIp = victim?.status?.podIP ?? '';
      const core = kc.makeApiClient(CoreV1Api);
      await core.patchNamespacedPod({ name: victim?.metadata?.name ?? '', namespace: ns, body: [{ op: 'add', path: `/metadata/annotations`, value: { [DELETION_COST_ANNOTATION]: '-1000' } }] });
      const removeAt = performance.now();
      await apps.patchNamespacedDeploymentScale({ name: 'sprout', namespace: ns, body: [{ op: 'replace', path: '/spec/replicas', value: 2 }] });
      await eventually(async () => (listed().includes(victimIp) ? undefined : true), 15_000, 'victim gone from the dispatcher file', 50);
      figures.leavingToUnlistedMs = Math.round(performance.now() - removeAt);
      await eventually(async () => ((await dispatcherTargets(bonoIp, BONO_PORT)).includes(victimIp) ? undefined : true), 15_000, 'victim out of Kamailio\'s dispatcher set', 50);
      figures.leavingToUnroutedMs = Math.round(performance.now() - removeAt);
      // The victim drains (its calls last 2 s) before it stops: read its INVITE count until it is
      // gone. Past an in-flight INVITE transaction's worth of time, the count must not move.
      const settleAt = performance.now() + 500;
      const reads: number[] = [];
      const readUntil = performance.now() + 40_000; // the drain timeout (20 s) plus the kill
      for (let gone = false; !gone && performance.now() < readUntil; await delay(200)) {
        const invites = await invitesReceived(victimIp, SPROUT_PORT).catch(() => undefined);
        gone = invites === undefined;
        if (invites !== undefined && performance.now() >= settleAt) reads.push(invites);
      }
      assert.ok(reads.length >= 2, `only ${reads.length} reads of the leaving Sprout after it was unrouted: it stopped before its calls could end`);
      assert.equal(new Set(reads).size, 1, `the leaving Sprout received new calls after it was unrouted: ${reads.join()}`);
      const result = await sipp.exited(120_000);
      const failed = /Failed call\s*\|\s*\d+\s*\|\s*(\d+)/.exec(result.stdout)?.[1];
      assert.ok(failed !== undefined, `no failed-call count in SIPp's statistics:\n${result.stdout.slice(-3000)}`);
      figures.failedCalls = Number(failed);
      assert.equal(result.code, 0, `SIPp reported failures; what the failed calls got back: ${unexpectedReplies(join(dir, 'sipp-errors.log'))}\n${result.stdout.slice(-3000)}`);
      assert.equal(figures.failedCalls, 0);
    } finally {
      sipp.stop();
    }
  });
});
