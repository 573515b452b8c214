import type { Clock } from '../../agent/clock/clock.js';
import type { LoadDriver } from '../load/driver.js';
import { getJson } from './http-json.js';
import { perSecond, type History, type Point } from './history.js';
import { paths, type KubeHttp, type KubeObject } from './kube-http.js';
import type { PodSupervisor } from './pods.js';
import { POD_PORTS } from './settings.js';
import type { PodSipStats, SipBackend } from './sip-backend.js';
import { clusterView, podView, type ClusterView, type PodView, type SidecarStatus } from './views.js';

/** A pod that does not answer within this is shown without its details this second. */
const PROBE_TIMEOUT_MS = 800;

export interface LoadView {
  readonly profile: string;
  readonly offeredRate: number;
  readonly activeCalls: number;
  readonly target: string | null;
  readonly counters: Record<string, number>;
}

export interface PlaygroundState {
  readonly simulated: true;
  readonly notice: string;
  readonly time: number;
  readonly namespace: string;
  readonly kubeconfig: string;
  readonly clusters: ClusterView[];
  readonly pods: PodView[];
  readonly load: LoadView;
  /** PIDs of every process the playground runs for its pods. */
  readonly pids: number[];
}

export interface ObserverDeps {
  readonly kube: KubeHttp;
  readonly namespace: string;
  readonly kubeconfig: string;
  readonly supervisor: PodSupervisor;
  readonly load: LoadDriver;
  readonly sip: SipBackend;
  readonly history: History;
  readonly clock: Clock;
}


/**
 * Once a second: reads the API objects, every pod's sidecar /status and its
 * simulated SIP server's /stats, turns them into the dashboard's state and
 * one chart point, and notes elections, decisions and scaling as events.
 */
export class Observer {
  #state: PlaygroundState | undefined;
  #previous: { atMs: number; counters: Record<string, number> } | undefined;
  readonly #leaders = new Map<string, string | null>();
  readonly #decisions = new Map<string, string>();
  readonly #replicas = new Map<string, number>();

  constructor(private readonly d: ObserverDeps) {}

  state(): PlaygroundState | undefined {
    return this.#state;
  }

  async tick(): Promise<{ state: PlaygroundState; point: Point }> {
    const ns = this.d.namespace;
    const [pods, clusters, deployments, leases] = await Promise.all([
      this.d.kube.list(paths.pods(ns)), this.d.kube.list(paths.vnfClusters(ns)), this.d.kube.list(paths.deployments(ns)), this.d.kube.list(paths.leases(ns)),
    ]);
    const probes = await Promise.all(pods.map((p) => this.#probe(p)));
    const podViews = pods.map((p, i) => podView(p, probes[i]!.status, probes[i]!.stats, this.d.supervisor.get(p.metadata.name ?? '')));
    const clusterViews = clusters.map((c) => clusterView(c, deployments, leases, podViews));
    this.#noteChanges(clusterViews);
    const bono = podViews.find((p) => p.cluster === 'bono' && p.phase === 'Running' && !p.terminating && p.sip !== null);
    this.d.load.setTarget(bono ? { host: bono.ip, port: POD_PORTS.bonoSip } : undefined);
    const state: PlaygroundState = {
      simulated: true, notice: playgroundNotice(this.d.sip, this.d.load), time: this.d.clock.wallTime().getTime() / 1000, namespace: ns, kubeconfig: this.d.kubeconfig,
      clusters: clusterViews, pods: podViews, load: this.#loadView(bono), pids: this.d.supervisor.pids(),
    };
    const point = this.#point(state);
    this.d.history.addPoint(point);
    this.#state = state;
    return { state, point };
  }

  async #probe(pod: KubeObject): Promise<{ status: SidecarStatus | null; stats: PodSipStats | null }> {
    const ip = (pod.status as { podIP?: string } | undefined)?.podIP;
    if (!ip || !this.d.supervisor.get(pod.metadata.name ?? '')) return { status: null, stats: null };
    const agent = `http://${ip}:${POD_PORTS.sidecarHttp}`;
    const [status, load, stats] = await Promise.all([
      getJson<SidecarStatus>(`${agent}/status`, PROBE_TIMEOUT_MS),
      getJson<{ utilization: number | null; healthy: boolean }>(`${agent}/load`, PROBE_TIMEOUT_MS),
      this.d.sip.stats({ ip, role: roleOf(pod) }),
    ]);
    // Only the leader forecasts; its GET /scale carries the forecast when spec.predictive is on.
    const scale = status?.isLeader ? await getJson<{ forecast?: { replicas: number | null } | null }>(`${agent}/scale`, PROBE_TIMEOUT_MS) : null;
    const forecast = scale?.forecast?.replicas ?? null;
    return { status: status ? { ...status, utilization: load?.utilization ?? null, healthy: load?.healthy ?? false, forecast } : null, stats };
  }

  #loadView(bono: PodView | undefined): LoadView {
    return {
      profile: this.d.load.profile.kind, offeredRate: Math.round(this.d.load.currentRate() * 10) / 10, activeCalls: this.d.load.activeCalls,
      target: bono ? `${bono.ip}:${POD_PORTS.bonoSip}` : null, counters: { ...this.d.load.counters },
    };
  }

  #point(state: PlaygroundState): Point {
    const now = this.d.clock.nowMs();
    const counters = state.load.counters;
    const before = this.#previous;
    const elapsedS = before ? (now - before.atMs) / 1000 : 0;
    this.#previous = { atMs: now, counters };
    const sprout = state.clusters.find((c) => c.name === 'sprout');
    const utils = state.pods.filter((p) => p.cluster === 'sprout' && p.utilization !== null).map((p) => p.utilization!);
    return {
      t: Math.round(state.time),
      offered: perSecond(counters.attempts ?? 0, before?.counters.attempts, elapsedS),
      answered: perSecond(counters.answered ?? 0, before?.counters.answered, elapsedS),
      rejected: perSecond((counters.rejected503 ?? 0) + (counters.timeouts ?? 0), before ? (before.counters.rejected503 ?? 0) + (before.counters.timeouts ?? 0) : undefined, elapsedS),
      replicas: sprout?.runningPods ?? 0,
      desired: sprout?.deploymentReplicas ?? 0,
      forecast: state.pods.find((p) => p.cluster === 'sprout' && p.leader)?.sidecar?.forecast ?? null,
      utilization: utils.length === 0 ? null : Math.round((utils.reduce((a, b) => a + b, 0) / utils.length) * 100) / 100,
    };
  }

  #noteChanges(clusters: readonly ClusterView[]): void {
    const t = this.d.clock.wallTime().getTime() / 1000;
    for (const c of clusters) {
      const lastLeader = this.#leaders.get(c.name);
      if (lastLeader !== c.leader && (lastLeader !== undefined || c.leader !== null)) {
        this.d.history.addEvent({ t, kind: 'election', text: `${c.name}: leader ${c.leader ?? '(none)'}${lastLeader ? ` (was ${lastLeader})` : ''}` });
      }
      this.#leaders.set(c.name, c.leader);
      const decision = c.lastDecision ? `${c.lastDecision.time} ${c.lastDecision.replicas}` : undefined;
      if (decision && this.#decisions.get(c.name) !== decision) {
        this.d.history.addEvent({ t, kind: 'decision', text: `${c.name}: decided ${c.lastDecision!.replicas} replicas: ${c.lastDecision!.reason}` });
        this.#decisions.set(c.name, decision);
      }
      const lastReplicas = this.#replicas.get(c.name);
      if (lastReplicas !== undefined && c.deploymentReplicas !== lastReplicas) {
        this.d.history.addEvent({ t, kind: 'scale', text: `${c.name}: Deployment scaled ${lastReplicas} -> ${c.deploymentReplicas}` });
      }
      this.#replicas.set(c.name, c.deploymentReplicas);
    }
  }
}

function roleOf(pod: KubeObject): 'sprout' | 'bono' {
  return (pod.metadata.labels as Record<string, string> | undefined)?.app === 'bono' ? 'bono' : 'sprout';
}

/** What is real and what is simulated, said on stdout and on the dashboard. */
export function playgroundNotice(sip: SipBackend, load: LoadDriver): string {
  const callers = load.kind === 'sipp' ? 'callers are SIPp' : 'callers are simulated (sim/load)';
  return `${sip.kind === 'sim' ? 'Simulation: ' : ''}${sip.notice}; ${callers}; the vnf-agent sidecars and their Kubernetes API traffic are real.`;
}
