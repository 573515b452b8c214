/**
 * What the real-node scaling bench asks of the cluster: helm and kubectl, the
 * Sprout Deployment and pods polled once a second, a pod's Kamailio INVITE
 * count, and a container's CPU time from its cgroup.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppsV1Api, AutoscalingV2Api, CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { inviteCount } from '../../test/e2e/sip-cluster.js';
import { kubeConfigFrom } from '../../test/support/kube.js';
import { containerPid, podRpc } from '../../test/realnode/pod-process.js';
import type { RealCluster } from '../../test/realnode/cluster.js';
import type { Sample } from './plan.js';

export const SPROUT_PORT = 5054;
export const BONO_PORT = 5060;

export const ready = (p: V1Pod): boolean => !p.metadata?.deletionTimestamp && (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);

export interface ClusterIo {
  tool(name: 'helm' | 'kubectl', args: string[], timeoutMs?: number): Promise<string>;
  /** Writes `doc` as JSON into the run's directory and applies it. */
  apply(name: string, doc: unknown): Promise<void>;
  helmInstall(release: string, namespace: string, values: unknown): Promise<void>;
  sproutPods(namespace: string): Promise<V1Pod[]>;
  readyCount(namespace: string, component: string): Promise<number>;
  replicas(namespace: string, deployment: string): Promise<number>;
  bonoTarget(namespace: string, prefix: string): Promise<string>;
  invites(pod: V1Pod): Promise<number>;
  /** The HPA's view: its desired count, the CPU utilization it read, and its conditions that are not True. */
  hpaStatus(namespace: string): Promise<HpaStatus>;
  /** Events about the scalers (the VnfCluster's ScaledUp/ScaledDown, the HPA's rescales and warnings), oldest first. */
  scalerEvents(namespace: string): Promise<ScalerEvent[]>;
  /** What a failure message needs: the namespace's pods and their events. */
  diagnose(namespace: string): Promise<string>;
  /** CPU time the container has used so far, in ms (cgroup v1 cpuacct or v2 cpu.stat). */
  cpuMs(pod: V1Pod, container: string): Promise<number>;
}

export interface HpaStatus {
  readonly desired: number;
  /** Average utilization of the SIP container's CPU request, % (null when the HPA has no metric). */
  readonly cpuPercent: number | null;
  /** Conditions as `type=status: reason`, so a missing metric or a limit shows. */
  readonly conditions: readonly string[];
}

export interface ScalerEvent {
  /** Wall-clock time of its last occurrence, ms since the epoch. */
  readonly timeMs: number;
  readonly kind: string;
  readonly reason: string;
  readonly message: string;
  readonly count: number;
}

const SCALER_KINDS = new Set(['VnfCluster', 'HorizontalPodAutoscaler']);

export function clusterIo(cluster: RealCluster, dir: string): ClusterIo {
  const kc = kubeConfigFrom(cluster.kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const autoscaling = kc.makeApiClient(AutoscalingV2Api);
  const tool: ClusterIo['tool'] = (name, args, timeoutMs) => cluster.tool(name, args, timeoutMs);
  const pods = async (namespace: string, component: string): Promise<V1Pod[]> =>
    (await core.listNamespacedPod({ namespace, labelSelector: `app.kubernetes.io/component=${component}` })).items;
  return {
    tool,
    async apply(name, doc) {
      const path = join(dir, `${name}.json`);
      writeFileSync(path, JSON.stringify(doc));
      await tool('kubectl', ['apply', '-f', path]);
    },
    async helmInstall(release, namespace, values) {
      const path = join(dir, `${namespace}-values.json`);
      writeFileSync(path, JSON.stringify(values));
      await tool('helm', ['install', release, 'charts/vnf-agent', '-n', namespace, '--create-namespace', '-f', path]);
    },
    sproutPods: (namespace) => pods(namespace, 'sprout'),
    async hpaStatus(namespace) {
      const st = (await autoscaling.readNamespacedHorizontalPodAutoscaler({ name: 'sprout', namespace })).status;
      const cpu = st?.currentMetrics?.[0]?.containerResource?.current.averageUtilization;
      return {
        desired: st?.desiredReplicas ?? 0,
        cpuPercent: cpu ?? null,
        conditions: (st?.conditions ?? []).map((c) => `${c.type}=${c.status}: ${c.reason ?? ''}`),
      };
    },
    async scalerEvents(namespace) {
      const events = (await core.listNamespacedEvent({ namespace })).items.filter((e) => SCALER_KINDS.has(e.involvedObject.kind ?? ''));
      return events
        .map((e) => ({
          timeMs: new Date(e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? 0).getTime(),
          kind: e.involvedObject.kind ?? '', reason: e.reason ?? '', message: e.message ?? '', count: e.count ?? 1,
        }))
        .sort((a, b) => a.timeMs - b.timeMs);
    },
    async diagnose(namespace) {
      const get = await tool('kubectl', ['-n', namespace, 'get', 'pods,deployments,hpa', '-o', 'wide']).catch((e: Error) => e.message);
      const describe = await tool('kubectl', ['-n', namespace, 'describe', 'pods']).catch((e: Error) => e.message);
      return `${get}\n${describe.slice(-6000)}\n--- cluster\n${cluster.logs().slice(-3000)}`;
    },
    readyCount: async (namespace, component) => (await pods(namespace, component)).filter(ready).length,
    replicas: async (namespace, name) => (await apps.readNamespacedDeployment({ name, namespace })).spec?.replicas ?? 0,
    async bonoTarget(namespace, prefix) {
      const service = await core.readNamespacedService({ name: `${prefix}-bono`, namespace });
      return `${service.spec?.clusterIP}:${BONO_PORT}`;
    },
    invites: async (pod) => inviteCount(await podRpc(await containerPid(cluster.node, pod, 'sip'), SPROUT_PORT, 'stats.get_statistics', ['core:'])),
    cpuMs: async (pod, container) => cgroupCpuMs(await containerPid(cluster.node, pod, container)),
  };
}

export function cgroupCpuMs(pid: number): number {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
  const v1 = lines.map((l) => l.split(':')).find((f) => (f[1] ?? '').split(',').includes('cpuacct'));
  if (v1) {
    for (const mount of ['cpu,cpuacct', 'cpuacct']) {
      try {
        return Number(readFileSync(`/sys/fs/cgroup/${mount}${v1[2]}/cpuacct.usage`, 'utf8')) / 1e6;
      } catch {
        // the other mount name
      }
    }
  }
  const v2 = lines.find((l) => l.startsWith('0::'))?.slice(3);
  const stat = readFileSync(`/sys/fs/cgroup${v2}/cpu.stat`, 'utf8');
  return Number(/usage_usec (\d+)/.exec(stat)?.[1]) / 1000;
}

/** One poll of a release's Sprouts: the sample, and which pods exist and are Ready. */
export async function pollSprouts(io: ClusterIo, namespace: string, deployment: string, atS: number): Promise<{ sample: Sample; pods: V1Pod[] }> {
  const [replicas, pods] = await Promise.all([io.replicas(namespace, deployment), io.sproutPods(namespace)]);
  return { sample: { atS, replicas, pods: pods.length, ready: pods.filter(ready).length }, pods };
}
