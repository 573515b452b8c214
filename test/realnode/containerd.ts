import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const TIMEOUT_MS = 120_000;

/**
 * containerd for the real node, entirely under the test bed's folder: its own
 * root, state, sockets and config, so a containerd the machine may run is not
 * touched. Debian's containerd 1.6 serves CRI v1, which kubelet 1.34 needs.
 */
export interface ContainerdPaths {
  readonly root: string;
  readonly state: string;
  readonly socket: string;
  readonly config: string;
  readonly cniConfDir: string;
}

export function containerdPaths(dir: string): ContainerdPaths {
  return {
    root: join(dir, 'containerd', 'root'), state: join(dir, 'containerd', 'state'), socket: join(dir, 'containerd.sock'),
    config: join(dir, 'containerd.toml'), cniConfDir: join(dir, 'cni'),
  };
}

export function writeContainerdConfig(p: ContainerdPaths, sandboxImage: string): void {
  writeFileSync(p.config, `version = 2
root = "${p.root}"
state = "${p.state}"
# Snapshotters and plugins a test node never uses; they only log errors here.
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "${p.socket}"

[ttrpc]
  address = "${p.socket}.ttrpc"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${sandboxImage}"
  # Root on these machines lacks CAP_SYS_RESOURCE: runc cannot lower oom_score_adj
  # to the sandbox's -998, and every sandbox would fail without this.
  restrict_oom_score_adj = true
  # Pod network namespaces under our state folder, not /var/run/netns, so teardown finds them all.
  netns_mounts_under_state_dir = true
  enable_selinux = false
  disable_apparmor = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${p.cniConfDir}"
    max_conf_num = 1
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
`);
}

/** `ctr` against this containerd, in the CRI plugin's k8s.io namespace. */
export async function ctr(p: ContainerdPaths, args: string[], timeoutMs = TIMEOUT_MS): Promise<string> {
  return (await run('ctr', ['-a', p.socket, '-n', 'k8s.io', ...args], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 })).stdout;
}

export async function importImage(p: ContainerdPaths, archive: string): Promise<void> {
  // --no-unpack would leave the kubelet a snapshot to unpack at first use; unpack now.
  await ctr(p, ['images', 'import', archive]);
}

interface TaskRow { id: string; pid: number; status: string }

export async function tasks(p: ContainerdPaths): Promise<TaskRow[]> {
  const out = await ctr(p, ['tasks', 'ls'], 10_000);
  return out.split('\n').slice(1).filter((l) => l.trim() !== '').map((l) => {
    const [id = '', pid = '0', status = ''] = l.trim().split(/\s+/);
    return { id, pid: Number(pid), status };
  });
}

/**
 * The last resort of teardown, for containers the kubelet did not stop: kill
 * and delete every task and container. Sandbox network namespaces are then
 * left for the unmount pass.
 */
export async function removeAllContainers(p: ContainerdPaths): Promise<void> {
  for (const t of await tasks(p)) {
    await ctr(p, ['tasks', 'kill', '-s', 'SIGKILL', '--all', t.id], 10_000).catch(() => undefined);
    await ctr(p, ['tasks', 'delete', '-f', t.id], 10_000).catch(() => undefined);
  }
  const ids = (await ctr(p, ['containers', 'ls', '-q'], 10_000)).split('\n').filter(Boolean);
  for (const id of ids) await ctr(p, ['containers', 'delete', id], 10_000).catch(() => undefined);
}
