/**
 * Failover after kill -9 of the leader's sidecar, on the real kube-apiserver
 * with the SIMULATED kubelet (test/support/kubelet: it reports the container
 * terminated at once and restarts it, as a kubelet does; the real-node figure
 * is a separate run). Two groups of three sidecar pods, one after the other,
 * same 8/6/2 s lease settings:
 * - proof: the default, a standby takes over when the kubelet reports the
 *   leader's sidecar container ended during its term (docs/election.md);
 * - expiry: VNF_AGENT_DEATH_PROOF=false, the standbys wait out the lease.
 * Each round kills the current leader's sidecar process once its term is
 * recorded in the Lease, and times until the Lease shows a new term (polled
 * every 50 ms, so up to ~50 ms of detection delay). Before the next round the
 * killed container's restart serves again; the kubelet's restart backoff
 * (1 s, then 10 s doubling) sets most of the run time.
 *
 * Run: node --import tsx bench/election-proof.ts [--rounds=N] [--out=FILE]
 *   (uses VNF_TEST_KUBECONFIG's control plane and kubelet when set, else starts its own)
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sharedKubeconfig, stopOwnControlPlane } from '../test/support/shared-controlplane.js';
import { deleteNamespaceAndPods, freshNamespace, kubeConfigFrom } from '../test/support/kube.js';
import { eventually } from '../test/support/process.js';
import { createVnfCluster } from '../test/support/sidecars.js';
import { SidecarPods } from '../test/support/sidecar-pods.js';
import { summarize, type Summary } from './lib/stats.js';
import { machine, machineLine, renderTable, type Row } from './lib/report.js';

const LEASE_MS = 8_000;
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '10' }, out: { type: 'string', default: 'bench/results/election-proof.json' } } });
const rounds = Number(values.rounds);
const log = (line: string): void => void process.stderr.write(`${line}\n`);

async function group(name: 'proof' | 'expiry', env: Record<string, string>): Promise<number[]> {
  const kc = kubeConfigFrom(await sharedKubeconfig());
  const ns = await freshNamespace(kc, `bench-${name}`);
  const dir = mkdtempSync(join(tmpdir(), `vnf-bench-${name}-`));
  try {
    await createVnfCluster(kc, ns, 'sprout', { paused: true, minReplicas: 1, maxReplicas: 3 });
    const pods = new SidecarPods(kc, ns, 'sprout');
    const names = ['sprout-a', 'sprout-b', 'sprout-c'];
    await pods.create(names, dir, env);
    const seconds: number[] = [];
    for (let round = 0; round < rounds; round++) {
      // Every member serves again (the last one killed has restarted) and the leader's term is recorded.
      await eventually(async () => ((await Promise.all(names.map((n) => pods.status(n)))).every((s) => s !== undefined) ? true : undefined), 330_000, 'every sidecar serving');
      const armed = await pods.armedLease(60_000, name === 'proof');
      const old = armed.spec?.holderIdentity ?? '';
      const killedAt = performance.now();
      process.kill(pods.pid(old), 'SIGKILL');
      await pods.nextTerm(armed.spec?.leaseTransitions ?? 0, LEASE_MS * 3);
      seconds.push((performance.now() - killedAt) / 1000);
      log(`${name} round ${round + 1}/${rounds}: killed ${old}, new term after ${seconds.at(-1)?.toFixed(3)} s`);
    }
    return seconds;
  } finally {
    await deleteNamespaceAndPods(kc, ns);
  }
}

const host = machine();
const began = performance.now();
try {
  const proof = summarize(await group('proof', {}));
  const expiry = summarize(await group('expiry', { VNF_AGENT_DEATH_PROOF: 'false' }));
  const over = (s: Summary): string => `${s.n} runs each (3 sidecar pods, sim kubelet), ${s.spread === 'p10-p90' ? 'p10–p90' : 'min–max'}`;
  const rows: Row[] = [{
    benchmark: 'election: failover after kill -9 of the leader\'s sidecar, sim kubelet', ours: proof, anchor: expiry,
    anchorIs: 'vnf-agent, VNF_AGENT_DEATH_PROOF=false', unit: 's', over: over(proof),
  }];
  const command = `node --import tsx bench/election-proof.ts --rounds=${rounds}`;
  writeFileSync(values.out, `${JSON.stringify({ command, machine: host, durationS: Math.round((performance.now() - began) / 1000), rows }, null, 2)}\n`);
  process.stdout.write(`${machineLine(host)}\n\n${renderTable(rows)}\n`);
} finally {
  await stopOwnControlPlane();
}
