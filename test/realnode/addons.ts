import { execFile, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../support/process.js';
import type { NodeNetwork } from './network.js';
import { spawnLogged, tail } from './processes.js';
import { stopChild, waitWhileAlive } from '../support/process.js';

const run = promisify(execFile);

/**
 * What a cluster needs around a node, beyond the control plane: kube-scheduler
 * (Deployments' pods get a node), kube-proxy (Service addresses: the pods' path
 * to the API server is the `kubernetes` Service's ClusterIP) and CoreDNS (Service
 * names, for `helm test`). All three run as processes on this machine, as a
 * control-plane node runs them: CoreDNS listens on the bridge's own address, so
 * a pod's DNS query is delivered to this machine rather than forwarded, and it
 * has no `forward` plugin, so a name outside the cluster is answered here
 * (SERVFAIL) and no query leaves the machine.
 */
export interface Addons {
  readonly pids: readonly number[];
  /** Each addon's log so far, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

export interface AddonOptions {
  readonly binDir: string;
  readonly kubeconfigPath: string;
  readonly nodeName: string;
  readonly network: NodeNetwork;
  /** Where logs and the Corefile go (the node's folder). */
  readonly dir: string;
  /** Told each addon's pid as soon as it runs (RealNode.recordAddons), so teardown.sh can stop it. */
  readonly onStarted: (pid: number) => void;
}

/** The Corefile: cluster.local from the API server, nothing from anywhere else. */
export function corefile(kubeconfigPath: string, bindAddress: string): string {
  return `.:53 {
  bind ${bindAddress}
  errors
  kubernetes cluster.local in-addr.arpa ip6.arpa {
    kubeconfig ${kubeconfigPath} vnf-test
    pods insecure
    ttl 5
  }
  cache 5
}
`;
}

async function healthy(url: string): Promise<boolean> {
  // The scheduler and kube-proxy serve /healthz on loopback: plain HTTP for kube-proxy, HTTPS
  // with a self-signed certificate for the scheduler (so only the answer's arrival is checked).
  const { stdout } = await run('curl', ['-ks', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '2', url], { timeout: 5000 });
  return stdout.trim() === '200';
}

export async function startAddons(o: AddonOptions): Promise<Addons> {
  const started: ChildProcess[] = [];
  const logPaths = { scheduler: join(o.dir, 'kube-scheduler.log'), proxy: join(o.dir, 'kube-proxy.log'), dns: join(o.dir, 'coredns.log') };
  const logs = (): string => Object.entries(logPaths).map(([k, p]) => `--- ${k}\n${tail(p, 3000)}`).join('\n');
  const stop = async (): Promise<void> => {
    for (const child of started.reverse()) await stopChild(child);
    await run(join(o.binDir, 'kube-proxy'), ['--cleanup'], { timeout: 30_000 }).catch(() => undefined);
  };
  try {
    const [schedulerPort, proxyHealthz, proxyMetrics, dnsHealth] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const scheduler = spawnLogged(join(o.binDir, 'kube-scheduler'), [
      `--kubeconfig=${o.kubeconfigPath}`, `--authentication-kubeconfig=${o.kubeconfigPath}`, `--authorization-kubeconfig=${o.kubeconfigPath}`,
      '--leader-elect=false', '--bind-address=127.0.0.1', `--secure-port=${schedulerPort}`, '--v=1',
    ], logPaths.scheduler);
    started.push(scheduler);
    o.onStarted(scheduler.pid ?? 0);
    const proxy = spawnLogged(join(o.binDir, 'kube-proxy'), [
      `--kubeconfig=${o.kubeconfigPath}`, `--hostname-override=${o.nodeName}`, '--proxy-mode=iptables',
      `--cluster-cidr=${o.network.podCidr}`,
      // NodePorts only on the bridge's address, not on the machine's other interfaces, and not on
      // loopback (that would set route_localnet); conntrack sysctls are left as the machine has them.
      `--nodeport-addresses=${o.network.podCidr}`, '--iptables-localhost-nodeports=false',
      '--conntrack-max-per-core=0', '--conntrack-tcp-timeout-established=0', '--conntrack-tcp-timeout-close-wait=0',
      `--healthz-bind-address=127.0.0.1:${proxyHealthz}`, `--metrics-bind-address=127.0.0.1:${proxyMetrics}`, '--v=1',
    ], logPaths.proxy);
    started.push(proxy);
    o.onStarted(proxy.pid ?? 0);
    const corefilePath = join(o.dir, 'Corefile');
    writeFileSync(corefilePath, corefile(o.kubeconfigPath, o.network.nodeIp).replace('  errors\n', `  errors\n  health 127.0.0.1:${dnsHealth}\n`));
    const dns = spawnLogged(join(o.binDir, 'coredns'), ['-conf', corefilePath], logPaths.dns);
    started.push(dns);
    o.onStarted(dns.pid ?? 0);
    await waitWhileAlive('kube-scheduler', scheduler, () => healthy(`https://127.0.0.1:${schedulerPort}/healthz`), () => tail(logPaths.scheduler), 60_000);
    await waitWhileAlive('kube-proxy', proxy, () => healthy(`http://127.0.0.1:${proxyHealthz}/healthz`), () => tail(logPaths.proxy), 60_000);
    await waitWhileAlive('coredns', dns, () => healthy(`http://127.0.0.1:${dnsHealth}/health`), () => tail(logPaths.dns), 60_000);
    return { pids: started.map((c) => c.pid ?? 0), logs, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
