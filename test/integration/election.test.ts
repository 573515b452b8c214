import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { CoordinationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { readAudit, startControlPlane, type ControlPlane } from '../support/controlplane.js';
import { freshNamespace, installCrd, kubeConfigFrom } from '../support/kube.js';
import { SipResponder } from '../support/sip-responder.js';
import { createVnfCluster, readyzOf, sidecarIdentity, startSidecar, statusOf, type Sidecar, type SidecarStatus } from '../support/sidecars.js';

const LEASE_MS = 8000;
const RENEW_DEADLINE_MS = 6000;

/**
 * Three sidecars of one VnfCluster against the real API server. This file
 * starts its own control plane: it stops the API server on purpose.
 */
describe('leader election with three sidecar processes', { timeout: 300_000 }, () => {
  let cp: ControlPlane;
  let kc: KubeConfig;
  let ns: string;
  let sip: SipResponder;
  const sidecars: Sidecar[] = [];
  const kubeconfigs = new Map<string, string>();
  const figures: Record<string, number> = {};
  let monitoring = true;
  let monitor: Promise<void> = Promise.resolve();
  const violations: string[] = [];

  const start = async (name: string): Promise<Sidecar> =>
    startSidecar(name, {
      VNF_AGENT_CLUSTER: 'sprout', VNF_AGENT_POD_NAMESPACE: ns, VNF_AGENT_KUBECONFIG: kubeconfigs.get(name) ?? '',
      VNF_AGENT_POD_IP: '127.0.0.1', VNF_AGENT_SIP_PORT: String(sip.port), VNF_AGENT_SIGNAL_SOURCES: 'sip-options',
      VNF_AGENT_SIGNAL_OPTIONS_TRANSPORTS: 'udp', VNF_AGENT_LOG_LEVEL: 'info',
    });
  const statuses = async (): Promise<(SidecarStatus | undefined)[]> => Promise.all(sidecars.map((s) => statusOf(s)));
  const leaders = async (): Promise<string[]> => (await statuses()).filter((s) => s?.isLeader).map((s) => s?.pod ?? '');
  async function waitForLeader(exclude: string | undefined, timeoutMs: number): Promise<{ leader: string; ms: number }> {
    const t0 = performance.now();
    while (performance.now() - t0 < timeoutMs) {
      const now = await leaders();
      if (now.length === 1 && now[0] !== exclude) return { leader: now[0] ?? '', ms: performance.now() - t0 };
      await delay(50);
    }
    throw new Error(`no new leader within ${timeoutMs} ms; now: ${(await leaders()).join()}`);
  }
  const byName = (name: string): Sidecar => sidecars.find((s) => s.name === name) ?? assert.fail(`no sidecar ${name}`);
  /** A fresh process under the same pod name (a restarted container), on a new port. */
  const restart = async (name: string): Promise<void> => {
    sidecars[sidecars.findIndex((s) => s.name === name)] = await start(name);
  };

  before(async () => {
    cp = await startControlPlane();
    kc = kubeConfigFrom(cp.kubeconfigPath);
    await installCrd(kc);
    ns = await freshNamespace(kc, 'election');
    await createVnfCluster(kc, ns, 'sprout');
    sip = new SipResponder();
    await sip.start();
    for (const name of ['sprout-a', 'sprout-b', 'sprout-c']) {
      kubeconfigs.set(name, await sidecarIdentity(kc, ns, name, cp.dir));
      sidecars.push(await start(name));
    }
    // Invariant, sampled every 100 ms: never two sidecars that believe they lead within their renew deadline.
    monitor = (async () => {
      while (monitoring) {
        const fresh = (await statuses()).filter((s) => s?.isLeader && (s.lastRenewAgeMs ?? Infinity) < RENEW_DEADLINE_MS);
        if (fresh.length > 1) violations.push(`${new Date().toISOString()} ${fresh.map((s) => s?.pod).join()}`);
        await delay(100);
      }
    })();
  });

  after(async () => {
    monitoring = false;
    await monitor;
    for (const s of sidecars) s.process.child.kill('SIGKILL');
    sip?.stop();
    await cp?.stop();
    process.stdout.write(`# election figures (ms): ${JSON.stringify(figures)}\n`);
  });

  test('one leader is elected and every sidecar agrees on it', async () => {
    const { leader, ms } = await waitForLeader(undefined, LEASE_MS + 5000);
    figures.firstElection = Math.round(ms);
    await delay(2500);
    const all = await statuses();
    assert.deepEqual(all.map((s) => s?.leader), [leader, leader, leader]);
    assert.equal(all.filter((s) => s?.isLeader).length, 1);
  });

  test('kill -9 of the leader: a new leader within lease duration + 1 s', async () => {
    const [old] = await leaders();
    const victim = byName(old ?? '');
    victim.process.child.kill('SIGKILL');
    await victim.process.exited(5000);
    const { leader, ms } = await waitForLeader(old, LEASE_MS + 1000 + 2000);
    figures.failoverKill9 = Math.round(ms);
    assert.notEqual(leader, old);
    assert.ok(ms <= LEASE_MS + 1000, `failover took ${Math.round(ms)} ms`);
    await restart(victim.name);
  });

  test('SIGTERM of the leader: it releases the lease and a new leader takes over within 1 s', async () => {
    const [old] = await leaders();
    const victim = byName(old ?? '');
    const t0 = performance.now();
    victim.process.child.kill('SIGTERM');
    const { leader, ms } = await waitForLeader(old, 3000);
    figures.handoverSigterm = Math.round(ms);
    assert.notEqual(leader, old);
    assert.ok(ms <= 1000, `handover took ${Math.round(ms)} ms`);
    const exited = await victim.process.exited(10_000);
    assert.equal(exited.code, 0, exited.stderr);
    assert.match(exited.stdout, /"msg":"Released lease"/);
    figures.sigtermExitMs = Math.round(performance.now() - t0);
    await restart(victim.name);
  });

  test('SIGSTOP past the lease duration, then SIGCONT: the frozen leader makes no leader write after it resumes', async () => {
    const [old] = await leaders();
    const frozen = byName(old ?? '');
    const frozenAt = new Date();
    frozen.process.child.kill('SIGSTOP');
    let leader: string;
    try {
      ({ leader } = await waitForLeader(old, LEASE_MS + 8000));
      assert.notEqual(leader, old);
      await delay(1000);
    } finally {
      frozen.process.child.kill('SIGCONT');
    }
    const resumedAt = new Date();
    // A write the frozen leader sent just before SIGSTOP may reach the server
    // after frozenAt; it was the leader then. The violation is a write the
    // server received once another sidecar held the lease.
    const takeover = (await kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: 'sprout-leader', namespace: ns })).spec?.acquireTime;
    const since = takeover === undefined ? frozenAt : new Date(takeover);
    await delay(4000);
    const user = `system:serviceaccount:${ns}:${old}`;
    const writes = readAudit(cp.kubeconfigPath).filter(
      (e) => e.user.username === user && new Date(e.requestReceivedTimestamp) >= since && (e.responseStatus?.code ?? 0) < 300
        && (e.objectRef?.resource === 'leases' || e.objectRef?.subresource === 'status' || e.objectRef?.subresource === 'scale'),
    );
    assert.deepEqual(writes.map((w) => `${w.verb} ${w.objectRef?.resource}/${w.objectRef?.subresource ?? ''} ${w.requestReceivedTimestamp}`), [],
      `writes by ${old} after ${leader} took the lease at ${since.toISOString()} (frozen ${frozenAt.toISOString()}, resumed ${resumedAt.toISOString()})`);
    const s = await statusOf(frozen);
    assert.equal(s?.isLeader, false);
    assert.equal(s?.leader, leader);
    assert.deepEqual(violations, []);
  });

  test('API server stopped past the renew deadline: the leader steps down, /readyz stays 200; after restart one leader again', async () => {
    const [old] = await leaders();
    let readyFailures = 0;
    let probing = true;
    const probe = (async () => {
      while (probing) {
        for (const s of sidecars) if ((await readyzOf(s)) !== 200) readyFailures++;
        await delay(200);
      }
    })();
    const stoppedAt = performance.now();
    await cp.stopApiServer();
    while ((await leaders()).length > 0) {
      assert.ok(performance.now() - stoppedAt < RENEW_DEADLINE_MS + 2000, 'leader did not step down');
      await delay(100);
    }
    figures.stepDownAfterOutage = Math.round(performance.now() - stoppedAt);
    await delay(1000);
    await cp.startApiServer();
    const { ms } = await waitForLeader(undefined, LEASE_MS + 2000 + 5000);
    figures.reelectAfterOutage = Math.round(ms);
    probing = false;
    await probe;
    assert.equal(readyFailures, 0, '/readyz failed during the API outage');
    assert.ok(ms <= LEASE_MS + 2000, `re-election took ${Math.round(ms)} ms`);
    assert.ok(old !== undefined);
    assert.deepEqual(violations, []);
  });
});
