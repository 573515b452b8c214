import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CoordinationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { GoElector, goElectorBin, type GoElectorEvent } from '../../bench/lib/go-elector.js';
import { deleteNamespace, freshNamespace, kubeConfigFrom } from '../support/kube.js';
import { eventually } from '../support/process.js';
import { sharedKubeconfig, stopOwnControlPlane } from '../support/shared-controlplane.js';

/**
 * The benchmarks' election anchor (bench/go-elector: client-go's own
 * leaderelection on a LeaseLock) against the real API server: it elects one
 * leader, says so in JSON lines, and on SIGTERM releases the Lease
 * (ReleaseOnCancel) so a standby takes over at its next poll, not at expiry.
 */
let kubeconfig: string;
let kc: KubeConfig;
let ns: string;
let bin: string;
const electors: GoElector[] = [];

before(async () => {
  bin = goElectorBin();
  kubeconfig = await sharedKubeconfig();
  kc = kubeConfigFrom(kubeconfig);
  ns = await freshNamespace(kc, 'go-elector');
});

after(async () => {
  for (const e of electors) e.kill('SIGKILL');
  await Promise.all(electors.map((e) => e.exited(5_000).catch(() => undefined)));
  await deleteNamespace(kc, ns);
  await stopOwnControlPlane();
});

const start = (identity: string): GoElector => {
  const e = new GoElector({ bin, kubeconfig, namespace: ns, lease: 'anchor', identity });
  electors.push(e);
  return e;
};
const seen = (e: GoElector, event: GoElectorEvent['event'], leader?: string) => () =>
  Promise.resolve(e.events.find((x) => x.event === event && (leader === undefined || x.leader === leader)));

test('client-go\'s elector leads, and hands over on SIGTERM by releasing the Lease', { timeout: 60_000 }, async () => {
  const a = start('member-a');
  const led = await eventually(seen(a, 'startedLeading'), 15_000, `member-a leading\n${a.tail()}`);
  assert.equal(led.identity, 'member-a');
  const b = start('member-b');
  await eventually(seen(b, 'newLeader', 'member-a'), 15_000, `member-b seeing member-a lead\n${b.tail()}`);
  const coordination = kc.makeApiClient(CoordinationV1Api);
  const held = await coordination.readNamespacedLease({ namespace: ns, name: 'anchor' });
  assert.equal(held.spec?.holderIdentity, 'member-a');
  assert.equal(held.spec?.leaseDurationSeconds, 8);

  const termAt = Date.now();
  a.kill('SIGTERM');
  const exited = await a.exited(10_000);
  assert.equal(exited.code, 0, a.tail());
  assert.deepEqual(a.events.slice(-3).map((e) => e.event), ['signal', 'stoppedLeading', 'exit']);
  const took = await eventually(seen(b, 'startedLeading'), 10_000, `member-b leading\n${b.tail()}`);
  // A standby polls every RetryPeriod x [1, 2.2) (2-4.4 s); without the release it would wait out the 8 s lease.
  assert.ok(took.ts - termAt < 6_000, `member-b took over ${took.ts - termAt} ms after SIGTERM`);
  assert.ok(took.ts >= a.events.at(-1)!.ts);
  const lease = await coordination.readNamespacedLease({ namespace: ns, name: 'anchor' });
  assert.equal(lease.spec?.holderIdentity, 'member-b');
  assert.equal(lease.spec?.leaseTransitions, 1);
});
