import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runChaos, summary, violationCount } from './chaos-run.js';

/**
 * The bounded chaos run of the test command: three sidecars of one VnfCluster
 * on a real control plane of their own, each behind a fault-injecting proxy,
 * about two minutes of seeded faults (latency, resets, frozen connections,
 * partitions, SIGSTOP/SIGCONT, SIGKILL + restart), then every invariant is
 * judged from the audit log, the /status timeline, the Deployment, the
 * processes' exits and /readyz. Long runs: npm run chaos -- --minutes N --seed S.
 */
test('chaos: never two acting leaders, replicas within bounds, convergence, no crash, /readyz up', { timeout: 600_000 }, async () => {
  const report = await runChaos({ seed: 11, runMs: 120_000, sidecars: 3, progress: (l) => process.stdout.write(`# ${l}\n`) });
  process.stdout.write(`${summary(report).replace(/^/gm, '# ')}\n`);
  assert.ok(report.totalFaults >= 100, `only ${report.totalFaults} faults were injected`);
  assert.ok(report.faults.sigkill > 0 && report.faults.sigstop > 0 && report.faults.partition > 0, JSON.stringify(report.faults));
  assert.ok(report.terms >= 3, `only ${report.terms} leadership terms: the faults did not reach the leader`);
  assert.ok((report.writes['leader-only (total)'] ?? 0) >= 10, 'too few leader-only writes were made to judge');
  assert.equal(violationCount(report), 0, summary(report));
});

/**
 * The same with the members as pods of the simulated kubelet: a kill is a
 * container death the kubelet reports, and a standby takes over on that proof
 * before the lease expires. The judge accepts such a takeover only when the
 * holder's process exited in its term. Scaling is paused (see ChaosCluster).
 */
test('chaos, members as pods: takeovers on proof of death, and still never two acting leaders', { timeout: 600_000 }, async () => {
  const report = await runChaos({ seed: 3, runMs: 90_000, sidecars: 3, mode: 'pods', progress: (l) => process.stdout.write(`# ${l}\n`) });
  process.stdout.write(`${summary(report).replace(/^/gm, '# ')}\n`);
  assert.ok(report.faults.sigkill > 0 && report.faults.sigstop > 0 && report.faults.partition > 0, JSON.stringify(report.faults));
  assert.ok(report.provenTakeovers >= 1, `no takeover on proof of death in ${report.faults.sigkill} kills: ${summary(report)}`);
  assert.ok((report.writes['leader-only (total)'] ?? 0) >= 5, 'too few leader-only writes were made to judge');
  assert.equal(violationCount(report), 0, summary(report));
});
