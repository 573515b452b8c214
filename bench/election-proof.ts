/**
 * Failover after kill -9 of the leader's sidecar, on the real kube-apiserver
 * with the SIMULATED kubelet (test/support/kubelet: it reports the container
 * terminated at once and restarts it, as a kubelet does; the real-node figure
 * is a separate run). Two groups of three sidecar pods, one after the other,
 * same 8/6/2 s lease settings:
 * - proof: the default, a standby takes over when the kubelet reports the
 *   leader's sidecar container ended during its term (docs/election.md);
 * - expiry: VNF_AGENT_DEATH_PROOF=false, the standbys wait out the lease;
 * - client-go: three pods of client-go's own elector (bench/go-elector) on
 *   the same kind of Lease, run by the same kubelet: the anchor, which has no
 *   proof of death and waits out the lease.
 * Each round kills the current leader's process once its term is recorded in
 * the Lease (client-go records none: once it leads), and times until a live
 * process renewed the Lease: a standby's new term, or the restarted process
 * reclaiming it (polled every 50 ms, so up to ~50 ms of detection delay). Before the next round the
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
import { sidecarIdentity } from '../test/support/sidecars.js';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { clientGoVersion, goElectorBin } from './lib/go-elector.js';
import { summarize, type Summary } from './lib/stats.js';
import { machine, machineLine, renderTable, type Row } from './lib/report.js';

const LEASE_MS = 8_000;
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '10' }, out: { type: 'string', default: 'bench/results/election-proof.json' } } });
const rounds = Number(values.rounds);
const log = (line: string): void => void process.stderr.write(`${line}\n`);

/**
 * client-go's elector as pods of the simulated kubelet: its `busybox` runner
 * execs the Go binary from this machine. The downward-API names SidecarPods.pid
 * looks for are set too, so the same kill finds its process.
 */
async function createGoElectorPods(kc: KubeConfig, ns: string, names: readonly string[], dir: string): Promise<void> {
  const bin = goElectorBin();
  const s = (ms: number): string => `${ms / 1000}s`;
  for (const name of names) {
    const kubeconfig = await sidecarIdentity(kc, ns, name, dir);
    const args = [`--kubeconfig=${kubeconfig}`, `--namespace=${ns}`, '--lease=sprout-leader', `--identity=${name}`, `--lease-duration=${s(LEASE_MS)}`, '--renew-deadline=6s', '--retry-period=2s'];
    await kc.makeApiClient(CoreV1Api).createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name, labels: { app: 'sprout' } },
        spec: {
          terminationGracePeriodSeconds: 2,
          containers: [{
            name: 'go-elector', image: 'busybox', command: ['sh', '-c'], args: [`exec ${bin} ${args.join(' ')}`],
            env: [{ name: 'VNF_AGENT_POD_NAME', value: name }, { name: 'VNF_AGENT_POD_NAMESPACE', value: ns }],
          }],
        },
      },
    });
  }
}

async function group(name: 'proof' | 'expiry' | 'client-go', env: Record<string, string>): Promise<number[]> {
  const kc = kubeConfigFrom(await sharedKubeconfig());
  const ns = await freshNamespace(kc, `bench-${name}`);
  const dir = mkdtempSync(join(tmpdir(), `vnf-bench-${name}-`));
  try {
    await createVnfCluster(kc, ns, 'sprout', { paused: true, minReplicas: 1, maxReplicas: 3 });
    const pods = new SidecarPods(kc, ns, 'sprout');
    const names = ['sprout-a', 'sprout-b', 'sprout-c'];
    if (name === 'client-go') await createGoElectorPods(kc, ns, names, dir);
    else await pods.create(names, dir, env);
    const running = (n: string): boolean => {
      try {
        return pods.pid(n) > 0;
      } catch {
        return false;
      }
    };
    const serving = async (): Promise<boolean> =>
      name === 'client-go' ? names.every(running) : (await Promise.all(names.map((n) => pods.status(n)))).every((s) => s !== undefined);
    const seconds: number[] = [];
    for (let round = 0; round < rounds; round++) {
      // Every member runs again (the last one killed has restarted) and, for sidecars, the leader's term is recorded.
      await eventually(async () => ((await serving()) ? true : undefined), 330_000, 'every member running');
      const armed = await pods.armedLease(60_000, name === 'proof');
      const old = armed.spec?.holderIdentity ?? '';
      const killedAt = performance.now();
      const killedWall = Date.now();
      process.kill(pods.pid(old), 'SIGKILL');
      // A live process renewed the Lease: a standby's new term, or the restarted process reclaiming it
      // (client-go's elector keeps the term when the holder's identity comes back). The dead process
      // stamped every renewal it sent before the kill.
      await eventually(async () => {
        const l = await pods.lease().catch(() => undefined);
        const renewed = l?.spec?.renewTime ? new Date(l.spec.renewTime).getTime() : 0;
        return l?.spec?.holderIdentity && renewed > killedWall ? true : undefined;
      }, LEASE_MS * 3, `the Lease renewed after the kill of ${old}`);
      seconds.push((performance.now() - killedAt) / 1000);
      log(`${name} round ${round + 1}/${rounds}: killed ${old}, Lease renewed after ${seconds.at(-1)?.toFixed(3)} s`);
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
  const clientGo = summarize(await group('client-go', {}));
  const over = (s: Summary): string => `${s.n} runs each (3 pods, sim kubelet), ${s.spread === 'p10-p90' ? 'p10–p90' : 'min–max'}`;
  const rows: Row[] = [
    {
      benchmark: 'election: failover after kill -9 of the leader\'s process, sim kubelet', ours: proof, anchor: clientGo,
      anchorIs: `client-go ${clientGoVersion()} leaderelection`, unit: 's', over: over(proof),
    },
    {
      benchmark: 'election: the same, vnf-agent with the proof off', ours: expiry, anchor: clientGo,
      anchorIs: `client-go ${clientGoVersion()} leaderelection`, unit: 's', over: over(expiry),
    },
  ];
  const command = `node --import tsx bench/election-proof.ts --rounds=${rounds}`;
  writeFileSync(values.out, `${JSON.stringify({ command, machine: host, durationS: Math.round((performance.now() - began) / 1000), rows }, null, 2)}\n`);
  process.stdout.write(`${machineLine(host)}\n\n${renderTable(rows)}\n`);
} finally {
  await stopOwnControlPlane();
}
