import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort } from '../support/process.js';
import { containerdPaths, ctr, importImage, writeContainerdConfig, type ContainerdPaths } from './containerd.js';
import { kubeletPaths, readTunables, writeKubeletConfig } from './kubelet-config.js';
import { cniConflist, createNetwork, NETWORK, type NodeNetwork } from './network.js';
import { buildImage, busyboxImage } from './oci-image.js';

const run = promisify(execFile);

/**
 * A real Kubernetes node on this machine: Debian's containerd and runc, the CNI
 * bridge plugin, and a kubelet built by test/controlplane/build.sh, registered
 * against a given control plane. One per machine (the bridge and the kubelet's
 * cgroups are machine-wide); a state file in /run records what it made, and
 * teardown.sh removes all of it on stop, at exit, or before the next start if
 * this process died.
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
  /** The kubelet's log so far (for failure messages). */
  kubeletLog(): string;
  stop(): Promise<void>;
}

export interface RealNodeOptions {
  readonly kubeconfigPath: string;
  readonly binDir: string;
  readonly name?: string;
  readonly readyTimeoutMs?: number;
}

export const STATE_FILE = '/run/vnf-agent-realnode.state';
export const SANDBOX_IMAGE = 'docker.io/library/vnf-pause:busybox';
const TEARDOWN = join(import.meta.dirname, 'teardown.sh');

function quote(v: string): string {
  return `'${v.replaceAll("'", "'\\''")}'`;
}

function writeState(values: Record<string, string>): void {
  writeFileSync(STATE_FILE, Object.entries(values).map(([k, v]) => `${k}=${quote(v)}\n`).join(''));
}

function ownerAlive(): number | undefined {
  if (!existsSync(STATE_FILE)) return undefined;
  const pid = Number(/^OWNER_PID='(\d+)'/m.exec(readFileSync(STATE_FILE, 'utf8'))?.[1] ?? 0);
  if (!pid || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

function teardownSync(): void {
  execFileSync('bash', [TEARDOWN, STATE_FILE], { stdio: 'ignore', timeout: 60_000 });
}

function spawnLogged(bin: string, args: string[], logPath: string): ChildProcess {
  const fd = openSync(logPath, 'a');
  const child = spawn(bin, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  return child;
}

function tail(path: string, chars = 4000): string {
  return existsSync(path) ? readFileSync(path, 'utf8').slice(-chars) : '';
}

async function waitUntil(what: string, check: () => Promise<boolean>, child: ChildProcess, log: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}):\n${tail(log)}`);
    if (await check().catch(() => false)) return;
    await delay(250);
  }
  throw new Error(`${what} not ready within ${timeoutMs} ms:\n${tail(log)}`);
}

async function nodeReady(kubectl: string, kubeconfig: string, name: string): Promise<boolean> {
  const { stdout } = await run(kubectl, ['--kubeconfig', kubeconfig, 'get', 'node', name, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'], { timeout: 10_000 });
  return stdout.trim() === 'True';
}

let exitHooked = false;

export async function startRealNode(o: RealNodeOptions): Promise<RealNode> {
  const owner = ownerAlive();
  if (owner) throw new Error(`a real node already runs on this machine (process ${owner}, ${STATE_FILE}); one per machine`);
  teardownSync();
  const name = o.name ?? 'vnf-realnode';
  const dir = mkdtempSync(join(tmpdir(), 'vnf-rn-'));
  const cd = containerdPaths(dir);
  const kp = kubeletPaths(dir);
  const kubectl = join(o.binDir, 'kubectl');
  const state: Record<string, string> = {
    OWNER_PID: String(process.pid), DIR: dir, SOCKET: cd.socket, BRIDGE: NETWORK.bridge, SERVICE_DEVICE: NETWORK.serviceDevice,
    SYSCTLS: Object.entries(readTunables()).map(([k, v]) => `${k}=${v}`).join(' '),
  };
  writeState(state);
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', () => {
      if (existsSync(STATE_FILE) && !ownerAlive()) teardownSync();
    });
  }
  try {
    await createNetwork(NETWORK);
    for (const d of [cd.root, cd.state, cd.cniConfDir, kp.rootDir, kp.certDir, join(dir, 'ipam')]) mkdirSync(d, { recursive: true });
    writeFileSync(join(cd.cniConfDir, '10-vnf-realnode.conflist'), cniConflist(join(dir, 'ipam'), NETWORK));
    writeContainerdConfig(cd, SANDBOX_IMAGE);
    const containerdLog = join(dir, 'containerd.log');
    const containerd = spawnLogged('containerd', ['--config', cd.config, '--log-level', 'warn'], containerdLog);
    writeState({ ...state, CONTAINERD_PID: String(containerd.pid) });
    await waitUntil('containerd', async () => (await ctr(cd, ['version'], 5000)).includes('Server'), containerd, containerdLog, 30_000);
    // The pod sandbox ("pause") image: busybox sleeping; containerd stops sandboxes with SIGKILL.
    await importImage(cd, await buildImage(busyboxImage(SANDBOX_IMAGE, ['/bin/sleep', '2147483647'])));

    writeKubeletConfig(dir, kp, cd.socket, NETWORK, { port: await freePort(), healthzPort: await freePort() });
    const kubeletLog = join(dir, 'kubelet.log');
    const kubelet = spawnLogged(join(o.binDir, 'kubelet'), [
      `--config=${kp.config}`, `--kubeconfig=${o.kubeconfigPath}`, `--hostname-override=${name}`, `--node-ip=${NETWORK.nodeIp}`,
      `--root-dir=${kp.rootDir}`, `--cert-dir=${kp.certDir}`, '--v=1',
    ], kubeletLog);
    writeState({ ...state, CONTAINERD_PID: String(containerd.pid), KUBELET_PID: String(kubelet.pid) });
    await waitUntil(`kubelet (node ${name} Ready)`, () => nodeReady(kubectl, o.kubeconfigPath, name), kubelet, kubeletLog, o.readyTimeoutMs ?? 90_000);

    return {
      name, dir, network: NETWORK, containerd: cd,
      ctr: (args, timeoutMs) => ctr(cd, args, timeoutMs),
      importImage: (archive) => importImage(cd, archive),
      kubeletLog: () => tail(kubeletLog),
      async stop() {
        // Pods first, through the kubelet, so the CNI plugin releases addresses and namespaces;
        // teardown.sh then removes whatever is left.
        await run(kubectl, ['--kubeconfig', o.kubeconfigPath, 'delete', 'pods', '-A', `--field-selector=spec.nodeName=${name}`,
          '--grace-period=1', '--wait=true', '--timeout=60s'], { timeout: 70_000 }).catch(() => undefined);
        await run('bash', [TEARDOWN, STATE_FILE], { timeout: 60_000 });
        await run(kubectl, ['--kubeconfig', o.kubeconfigPath, 'delete', 'node', name, '--wait=false'], { timeout: 15_000 }).catch(() => undefined);
      },
    };
  } catch (e) {
    teardownSync();
    throw e;
  }
}
