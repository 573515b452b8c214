import type { KubeObject } from './kube-http.js';
import type { SimPod } from './pods.js';
import type { PodSipStats } from './sip-backend.js';

/** The part of the sidecar's GET /status (and GET /load) the dashboard shows. */
export interface SidecarStatus {
  readonly pod: string;
  readonly leader: string | null;
  readonly isLeader: boolean;
  readonly draining: boolean;
  readonly lastPass: string;
  readonly utilization?: number | null;
  readonly healthy?: boolean;
  /** The leader's forecast (GET /scale) with predictive scaling on; null otherwise. */
  readonly forecast?: number | null;
}

export interface PodView {
  readonly name: string;
  readonly cluster: string;
  readonly ip: string;
  readonly phase: string;
  readonly ready: boolean;
  readonly terminating: boolean;
  /** This pod's sidecar holds its cluster's Lease. */
  readonly leader: boolean;
  readonly sidecarPid: number | null;
  readonly sipPid: number | null;
  readonly sidecarPaused: boolean;
  readonly restarts: number;
  readonly sidecar: SidecarStatus | null;
  readonly utilization: number | null;
  readonly sip: PodSipStats | null;
}

export interface ClusterView {
  readonly name: string;
  readonly role: string;
  readonly leader: string | null;
  readonly leaseTransitions: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly targetUtilization: number;
  readonly paused: boolean;
  readonly deploymentReplicas: number;
  /** Pods running and not terminating. */
  readonly runningPods: number;
  readonly readyPods: number;
  readonly desiredReplicas: number | null;
  readonly lastDecision: { replicas: number; reason: string; time: string } | null;
  readonly members: { pod: string; state: string; ready: boolean }[];
}

type Loose = Record<string, unknown>;
const text = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : fallback);
const obj = (v: unknown): Loose => (typeof v === 'object' && v !== null ? (v as Loose) : {});

export function podView(pod: KubeObject, sidecar: SidecarStatus | null, sip: PodSipStats | null, sim: SimPod | undefined): PodView {
  const status = obj(pod.status);
  const conditions = Array.isArray(status.conditions) ? (status.conditions as Loose[]) : [];
  const labels = obj(pod.metadata.labels) as Record<string, string>;
  return {
    name: pod.metadata.name ?? '',
    cluster: labels.app ?? '',
    ip: typeof status.podIP === 'string' ? status.podIP : '',
    phase: typeof status.phase === 'string' ? status.phase : 'Pending',
    ready: conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
    terminating: pod.metadata.deletionTimestamp !== undefined,
    leader: sidecar?.isLeader === true,
    sidecarPid: sim?.sidecar.running() ? sim.sidecar.pid : null,
    sipPid: sim?.sip.running() ? sim.sip.pid : null,
    sidecarPaused: sim?.sidecar.paused() ?? false,
    restarts: sim?.restarts ?? 0,
    sidecar,
    utilization: typeof sidecar?.utilization === 'number' ? Math.round(sidecar.utilization * 100) / 100 : null,
    sip,
  };
}

export function clusterView(vc: KubeObject, deployments: readonly KubeObject[], leases: readonly KubeObject[], pods: readonly PodView[]): ClusterView {
  const name = vc.metadata.name ?? '';
  const spec = obj(vc.spec);
  const status = obj(vc.status);
  const target = obj(spec.targetRef).name;
  const deployment = deployments.find((d) => d.metadata.name === target);
  const leaseName = typeof spec.leaseName === 'string' ? spec.leaseName : `${name}-leader`;
  const lease = obj(leases.find((l) => l.metadata.name === leaseName)?.spec);
  const holder = typeof lease.holderIdentity === 'string' && lease.holderIdentity !== '' ? lease.holderIdentity : null;
  const mine = pods.filter((p) => p.cluster === name);
  const decision = obj(status.lastDecision);
  return {
    name,
    role: text(spec.role, 'generic'),
    leader: holder,
    leaseTransitions: Number(lease.leaseTransitions ?? 0),
    minReplicas: Number(spec.minReplicas ?? 1),
    maxReplicas: Number(spec.maxReplicas ?? 1),
    targetUtilization: Number(spec.targetUtilization ?? 0.8),
    paused: spec.paused === true,
    deploymentReplicas: Number(obj(deployment?.spec).replicas ?? 0),
    runningPods: mine.filter((p) => p.phase === 'Running' && !p.terminating).length,
    readyPods: mine.filter((p) => p.ready && !p.terminating).length,
    desiredReplicas: typeof status.desiredReplicas === 'number' ? status.desiredReplicas : null,
    lastDecision: typeof decision.replicas === 'number' ? { replicas: decision.replicas, reason: text(decision.reason, ''), time: text(decision.time, '') } : null,
    members: (Array.isArray(status.members) ? (status.members as Loose[]) : []).map((m) => ({ pod: String(m.pod), state: String(m.state), ready: m.ready === true })),
  };
}
