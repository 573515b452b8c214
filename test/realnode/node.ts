import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { alive, freePort, waitWhileAlive } from '../support/process.js';
import { containerdPaths, ctr, importImage, writeContainerdConfig, type ContainerdPaths } from './containerd.js';
import { kubeletPaths, readTunables, writeKubeletConfig } from './kubelet-config.js';
import { cniConflist, createNetwork, NETWORK, type NodeNetwork } from './network.js';
import { buildImage, busyboxImage } from './oci-image.js';
import { spawnLogged, tail } from './processes.js';

const run = promisify(execFile);

/**
 * A real Kubernetes node on this machine: Debian's containerd and runc, the CNI
 * bridge plugin, and a kubelet built by test/controlplane/build.sh, registered
 * against a given control plane. One per machine at a time (the bridge and the
 * kubelet's cgroups are machine-wide), behind a lock file; a state file in /run
 * records what it made, and teardown.sh removes all of it on stop, at exit, or
 * before the next start if its process died.
 */
export interface RealNode {
  readonly name: string;
  readonly dir: string;
  readonly network: NodeNetwork;
  readonly containerd: ContainerdPaths;
  /** `ctr -n k8s.io …` against this node's containerd. */
  ctr(args: string[], timeoutMs?: number): Promise<string>;
  /** Imports an OCI archive (oci-image.ts) so pods with imagePullPolicy Never/IfNotPresent find it. */
  importImage(archive: string): Promise<void>;
  /**
   * Records processes the test bed starts around the node (kube-proxy, CoreDNS,
   * the scheduler: addons.ts) in the state file, so teardown.sh stops them too,
   * also after this process died; `kubeProxyBin` has teardown.sh remove
   * kube-proxy's rules.
   */
  recordAddons(pids: readonly number[], kubeProxyBin?: string): void;
  /** The kubelet's log so far (for failure messages). */
  kubeletLog(): string;
  stop(): Promise<void>;
}

export interface RealNodeOptions {
  /**
   * The control plane's admin kubeconfig, or a function that starts one once the
   * node's bridge exists (a control plane for the real node binds to the bridge's
   * address, the one its pods reach: cluster.ts).
   */
  readonly kubeconfigPath: string | ((network: NodeNetwork) => Promise<string>);
  /** The kubelet's clusterDNS (pods' nameserver); the machine's resolv.conf when absent. */
  readonly clusterDns?: string;
  /** The kubelet's longest restart back-off (kubelet-config.ts), e.g. '1s'; the kubelet's 5 minutes when absent. */
  readonly maxRestartPeriod?: string;
  readonly binDir: string;
  readonly name?: string;
  readonly readyTimeoutMs?: number;
  /** How long to wait for another process's real node to stop. */
  readonly lockTimeoutMs?: number;
}

export const STATE_FILE = '/run/vnf-agent-realnode.state';
const LOCK_FILE = '/run/vnf-agent-realnode.lock';
export const SANDBOX_IMAGE = 'docker.io/library/vnf-pause:busybox';
const TEARDOWN = join(import.meta.dirname, 'teardown.sh');

function quote(v: string): string {
  return `'${v.replaceAll("'", "'\\''")}'`;
}

function writeState(values: Record<string, string>): void {
  writeFileSync(STATE_FILE, Object.entries(values).map(([k, v]) => `${k}=${quote(v)}\n`).join(''));
}

/**
 * One real node per machine: waits for the lock file (another test file's node)
 * and takes over a lock whose process died.
 */
async function acquireLock(timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      writeFileSync(LOCK_FILE, `${process.pid}\n`, { flag: 'wx' });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = Number(readFileSync(LOCK_FILE, 'utf8').trim());
    if (!alive(holder)) {
      rmSync(LOCK_FILE, { force: true });
      continue;
    }
    if (performance.now() > deadline) throw new Error(`a real node of process ${holder} still runs on this machine after ${timeoutMs} ms (${LOCK_FILE})`);
    await delay(1000);
  }
}

function releaseLock(): void {
  if (existsSync(LOCK_FILE) && Number(readFileSync(LOCK_FILE, 'utf8').trim()) === process.pid) rmSync(LOCK_FILE, { force: true });
}

function teardownSync(): void {
  execFileSync('bash', [TEARDOWN, STATE_FILE], { stdio: 'ignore', timeout: 60_000 });
}

async function nodeReady(kubectl: string, kubeconfig: string, name: string): Promise<boolean> {
  const { stdout } = await run(kubectl, ['--kubeconfig', kubeconfig, 'get', 'node', name, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'], { timeout: 10_000 });
  return stdout.trim() === 'True';
}

let exitHooked = false;

export async function startRealNode(o: RealNodeOptions): Promise<RealNode> {
  await acquireLock(o.lockTimeoutMs ?? 15 * 60_000);
  // Whatever a process that died while holding the lock left behind.
  teardownSync();
  const name = o.name ?? 'vnf-realnode';
  const dir = mkdtempSync(join(tmpdir(), 'vnf-rn-'));
  const cd = containerdPaths(dir);
  const kp = kubeletPaths(dir);
  const kubectl = join(o.binDir, 'kubectl');
  let kubeconfigPath = typeof o.kubeconfigPath === 'string' ? o.kubeconfigPath : '';
  const state: Record<string, string> = {
    OWNER_PID: String(process.pid), DIR: dir, SOCKET: cd.socket, BRIDGE: NETWORK.bridge, SERVICE_DEVICE: NETWORK.serviceDevice,
    SYSCTLS: Object.entries(readTunables()).map(([k, v]) => `${k}=${v}`).join(' '),
  };
  writeState(state);
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', () => {
      if (!existsSync(LOCK_FILE) || Number(readFileSync(LOCK_FILE, 'utf8').trim()) !== process.pid) return;
      teardownSync();
      releaseLock();
    });
  }
  try {
    await createNetwork(NETWORK);
    if (typeof o.kubeconfigPath !== 'string') kubeconfigPath = await o.kubeconfigPath(NETWORK);
    for (const d of [cd.root, cd.state, cd.cniConfDir, kp.rootDir, kp.certDir, join(dir, 'ipam')]) mkdirSync(d, { recursive: true });
    writeFileSync(join(cd.cniConfDir, '10-vnf-realnode.conflist'), cniConflist(join(dir, 'ipam'), NETWORK));
    writeContainerdConfig(cd, SANDBOX_IMAGE);
    const containerdLog = join(dir, 'containerd.log');
    const containerd = spawnLogged('containerd', ['--config', cd.config, '--log-level', 'warn'], containerdLog);
    writeState({ ...state, CONTAINERD_PID: String(containerd.pid) });
    await waitWhileAlive('containerd', containerd, async () => (await ctr(cd, ['version'], 5000)).includes('Server'), () => tail(containerdLog), 30_000);
    // The pod sandbox ("pause") image: busybox sleeping; containerd stops sandboxes with SIGKILL.
    await importImage(cd, await buildImage(busyboxImage(SANDBOX_IMAGE, ['/bin/sleep', '2147483647'])));

    writeKubeletConfig(dir, kp, cd.socket, NETWORK, { port: await freePort(), healthzPort: await freePort() }, o.clusterDns, o.maxRestartPeriod);
    const kubeletLog = join(dir, 'kubelet.log');
    const kubelet = spawnLogged(join(o.binDir, 'kubelet'), [
      `--config=${kp.config}`, `--kubeconfig=${kubeconfigPath}`, `--hostname-override=${name}`, `--node-ip=${NETWORK.nodeIp}`,
      `--root-dir=${kp.rootDir}`, `--cert-dir=${kp.certDir}`, '--v=1',
    ], kubeletLog);
    Object.assign(state, { CONTAINERD_PID: String(containerd.pid), KUBELET_PID: String(kubelet.pid) });
    writeState(state);
    await waitWhileAlive(`kubelet (node ${name} Ready)`, kubelet, () => nodeReady(kubectl, kubeconfigPath, name), () => tail(kubeletLog), o.readyTimeoutMs ?? 90_000);

    return {
      name, dir, network: NETWORK, containerd: cd,
      ctr: (args, timeoutMs) => ctr(cd, args, timeoutMs),
      importImage: (archive) => importImage(cd, archive),
      recordAddons(pids, kubeProxyBin) {
        const known = (state.ADDON_PIDS ?? '').split(' ').filter(Boolean);
        Object.assign(state, { ADDON_PIDS: [...known, ...pids.map(String)].join(' ') }, kubeProxyBin ? { KUBE_PROXY_BIN: kubeProxyBin } : {});
        writeState(state);
      },
      kubeletLog: () => tail(kubeletLog),
      async stop() {
        // Pods first, through the kubelet, so the CNI plugin releases addresses and namespaces;
        // teardown.sh then removes whatever is left.
        await run(kubectl, ['--kubeconfig', kubeconfigPath, 'delete', 'pods', '-A', `--field-selector=spec.nodeName=${name}`,
          '--grace-period=1', '--wait=true', '--timeout=60s'], { timeout: 70_000 }).catch(() => undefined);
        await run('bash', [TEARDOWN, STATE_FILE], { timeout: 60_000 });
        await run(kubectl, ['--kubeconfig', kubeconfigPath, 'delete', 'node', name, '--wait=false'], { timeout: 15_000 }).catch(() => undefined);
        releaseLock();
      },
    };
  } catch (e) {
    teardownSync();
    releaseLock();
    throw e;
  }
}
