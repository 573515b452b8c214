import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { V1Pod } from '@kubernetes/client-node';
import type { RealNode } from './node.js';

const run = promisify(execFile);

/**
 * A container of a pod on the real node, seen from this machine as the kubelet
 * sees it: its process (through containerd), its user, its root filesystem, and
 * its pod's loopback (Kamailio serves JSON-RPC to the pod itself only, so the
 * tests ask from inside the pod's network namespace, as the sidecar does).
 */
export function containerId(pod: V1Pod, container: string): string {
  const statuses = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
  return (statuses.find((c) => c.name === container)?.containerID ?? '').replace('containerd://', '');
}

/** The container's main process on this machine (0 when it has none running). */
export async function containerPid(node: RealNode, pod: V1Pod, container: string): Promise<number> {
  const id = containerId(pod, container);
  if (!id) return 0;
  const row = (await node.ctr(['tasks', 'ls'])).split('\n').find((l) => l.startsWith(id));
  return Number(row?.trim().split(/\s+/)[1] ?? 0);
}

export function processUid(pid: number): string {
  return /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '';
}

/** Whether the process's root filesystem is mounted read-only (mountinfo's mount options of "/"). */
export function rootReadOnly(pid: number): boolean {
  const root = readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n').map((l) => l.split(' ')).find((f) => f[4] === '/');
  return (root?.[5] ?? '').split(',').includes('ro');
}

/** A JSON-RPC call to the Kamailio of the pod `pid` runs in, from the pod's own loopback. */
export async function podRpc(pid: number, port: number, method: string, params: unknown[] = []): Promise<unknown> {
  const body = JSON.stringify({ jsonrpc: '2.0', method, ...(params.length > 0 ? { params } : {}), id: 1 });
  const { stdout } = await run('nsenter', ['-t', String(pid), '-n', 'curl', '-s', '--max-time', '2', '-H', 'content-type: application/json',
    '--data-binary', body, `http://127.0.0.1:${port}/RPC`], { timeout: 5000 });
  return (JSON.parse(stdout) as { result?: unknown }).result;
}
