import { readFileSync, writeFileSync } from 'node:fs';
import { AppsV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { ControlPlane } from '../support/controlplane.js';
import { rawRequest } from '../support/kube.js';
import { eventually } from '../support/process.js';
import { SipResponder } from '../support/sip-responder.js';
import { createVnfCluster, sidecarIdentity, startSidecar, type Sidecar } from '../support/sidecars.js';
import { VNF_GROUP, VNF_PLURAL, VNF_VERSION } from '../../agent/model/vnfcluster.js';
import { FaultProxy } from './fault-proxy.js';
import { startBed, type ChaosBed, type ChaosMode } from './bed.js';
import type { MemberExit } from './pod-members.js';

export const CLUSTER = 'sprout';
export const MIN_REPLICAS = 2;
export const MAX_REPLICAS = 4;
export const TIMING = { leaseDurationMs: 8_000, renewDeadlineMs: 6_000, retryPeriodMs: 2_000 };

/** How a sidecar is doing from the harness's point of view, so faults never stack on one process. */
export type SidecarState = 'running' | 'stopped' | 'killed';

export interface ChaosMember {
  readonly name: string;
  readonly proxy: FaultProxy;
  /** The sidecar process the harness runs (members as bare processes); undefined for members run as pods. */
  sidecar?: Sidecar;
  /** The pid of the member's sidecar process now, -1 when none runs. */
  pid(): number;
  /** Its HTTP base, for /status and /readyz. */
  url(): string;
  state: SidecarState;
  /** A timed fault (latency, partition, stop, kill) is active until it is healed. */
  busy: boolean;
  /** Pids we sent SIGKILL to: their exit is ours, any other exit is a crash. */
  readonly killedPids: Set<number>;
  /** performance.now() of the last (re)start or SIGCONT: /readyz may lag just after. */
  since: number;
  /** The process the last kill ended. */
  killedPid?: number;
}

export interface ProcessExit {
  readonly name: string;
  readonly pid: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly ours: boolean;
  readonly at: number;
  readonly stderrTail: string;
}

/**
 * One VnfCluster (min 2, max 4) with its Deployment (2 replicas) on a real
 * control plane of its own, and N sidecars, each with its own ServiceAccount
 * and its own fault-injecting proxy to the API server. Where the sidecars run
 * is the mode (bed.ts): bare processes of the harness, or pods (of the
 * simulated kubelet, or of the real node), so that a kill is a container's
 * death the kubelet reports and the standbys' proof of death can act on it.
 * With pods, scaling is paused: the members are pods of the VnfCluster's
 * selector outside the Deployment, which a scale-in would mark leaving for good.
 */
export class ChaosCluster {
  readonly members: ChaosMember[] = [];
  readonly exits: ProcessExit[] = [];
  cp!: ControlPlane;
  kc!: KubeConfig;
  ns = '';
  #sip = new SipResponder();
  #bed: ChaosBed | undefined;
  #watchingExits = true;

  constructor(readonly mode: ChaosMode = 'processes') {}

  get asPods(): boolean {
    return this.mode !== 'processes';
  }

  async start(sidecars: number): Promise<void> {
    const bed = await startBed({ mode: this.mode, env: (ns) => this.#env(ns), onExit: (e) => this.#exited(e) });
    this.#bed = bed;
    ({ cp: this.cp, kc: this.kc, ns: this.ns } = bed);
    // Without pods, the Deployment's pods get an IP and run (no process: no runner for their image), so
    // a scale-in goes all the way: mark, drain (unreachable, so until the 2 s timeout), shrink.
    await this.kc.makeApiClient(AppsV1Api).createNamespacedDeployment({
      namespace: this.ns,
      body: {
        metadata: { name: CLUSTER },
        spec: {
          replicas: MIN_REPLICAS,
          selector: { matchLabels: { app: CLUSTER } },
          template: { metadata: { labels: { app: CLUSTER } }, spec: { containers: [{ name: 'sip', ...bed.workloadImage }] } },
        },
      },
    });
    await createVnfCluster(this.kc, this.ns, CLUSTER, { minReplicas: MIN_REPLICAS, maxReplicas: MAX_REPLICAS, drainTimeoutSeconds: 2, ...(this.asPods ? { paused: true } : {}) });
    await this.#sip.start();
    const apiPort = Number(new URL(this.cp.server).port);
    for (let i = 0; i < sidecars; i++) {
      const name = `${CLUSTER}-${String.fromCharCode(97 + i)}`;
      const proxy = new FaultProxy(bed.apiHost, apiPort);
      await proxy.start(bed.apiHost);
      const runtime = bed.runtime;
      if (runtime) {
        this.members.push({ name, proxy, state: 'running', busy: false, killedPids: new Set(), since: performance.now(), pid: () => runtime.pid(name), url: () => runtime.url(name) });
        await runtime.add(name, proxy.port);
        continue;
      }
      const kubeconfig = await sidecarIdentity(this.kc, this.ns, name, this.cp.dir);
      // The sidecar reaches the API server only through its proxy (same IP, so the serving cert still matches).
      writeFileSync(kubeconfig, readFileSync(kubeconfig, 'utf8').replace(this.cp.server, `https://127.0.0.1:${proxy.port}`));
      const member: ChaosMember = {
        name, proxy, state: 'running', busy: false, killedPids: new Set(), since: 0,
        pid: () => member.sidecar?.process.child.pid ?? -1, url: () => `http://127.0.0.1:${member.sidecar?.port ?? 0}`,
      };
      this.members.push(member);
      await this.#launch(member, kubeconfig);
    }
  }

  #exited(e: MemberExit): void {
    if (!this.#watchingExits) return;
    const ours = this.members.some((m) => m.name === e.pod && m.killedPids.has(e.pid));
    this.exits.push({ name: e.pod, pid: e.pid, code: e.code, signal: e.signal, ours, at: e.at, stderrTail: `see the pod's log under ${this.cp.dir}` });
  }

  #env(ns = this.ns): Record<string, string> {
    return {
      VNF_AGENT_CLUSTER: CLUSTER, VNF_AGENT_POD_NAMESPACE: ns, VNF_AGENT_SIGNAL_SOURCES: 'sip-options',
      VNF_AGENT_SIGNAL_OPTIONS_TRANSPORTS: 'udp', VNF_AGENT_LOG_LEVEL: 'warn',
      VNF_AGENT_LEASE_DURATION_MS: String(TIMING.leaseDurationMs), VNF_AGENT_RENEW_DEADLINE_MS: String(TIMING.renewDeadlineMs),
      VNF_AGENT_RETRY_PERIOD_MS: String(TIMING.retryPeriodMs),
    };
  }

  async #launch(member: ChaosMember, kubeconfig = member.sidecar?.env.VNF_AGENT_KUBECONFIG ?? ''): Promise<void> {
    member.sidecar = await startSidecar(member.name, {
      ...this.#env(), VNF_AGENT_KUBECONFIG: kubeconfig, VNF_AGENT_POD_IP: '127.0.0.1', VNF_AGENT_SIP_PORT: String(this.#sip.port),
    });
    member.state = 'running';
    member.since = performance.now();
    const { child } = member.sidecar.process;
    const pid = child.pid ?? -1;
    const proc = member.sidecar.process;
    child.once('exit', (code, signal) => {
      if (!this.#watchingExits) return;
      this.exits.push({ name: member.name, pid, code, signal, ours: member.killedPids.has(pid), at: Date.now(), stderrTail: proc.stderr().slice(-2000) });
    });
  }

  kill(member: ChaosMember): void {
    const pid = member.pid();
    if (pid > 0) member.killedPids.add(pid);
    if (this.#bed?.runtime) this.#bed.runtime.kill(member.name, pid);
    else signal(pid, 'SIGKILL');
    member.state = 'killed';
    member.killedPid = pid;
  }

  /** Process members: started again by the harness. Pods: the kubelet starts the container again after its back-off. */
  async restart(member: ChaosMember): Promise<void> {
    const runtime = this.#bed?.runtime;
    if (runtime) {
      const killed = member.killedPid ?? -1;
      await eventually(async () => {
        const pid = runtime.pid(member.name);
        return pid > 0 && pid !== killed ? true : undefined;
      }, 60_000, `the kubelet restarting ${member.name}'s sidecar`);
      member.state = 'running';
      member.since = performance.now();
      return;
    }
    await member.sidecar?.process.exited(10_000).catch(() => undefined);
    await this.#launch(member);
  }

  stop(member: ChaosMember): void {
    signal(member.pid(), 'SIGSTOP');
    member.state = 'stopped';
  }

  cont(member: ChaosMember): void {
    signal(member.pid(), 'SIGCONT');
    member.state = 'running';
    member.since = performance.now();
  }

  /** Running sidecars whose process never exited: the ones expected to be alive now. */
  live(): ChaosMember[] {
    return this.members.filter((m) => m.state !== 'killed' && (m.sidecar ? m.sidecar.process.child.exitCode === null && m.sidecar.process.child.signalCode === null : m.pid() > 0));
  }

  /** The exits the harness caused (its SIGKILLs), as proof-of-death evidence for the lease history. */
  deaths(): { pod: string; at: number }[] {
    return this.exits.filter((e) => e.ours).map((e) => ({ pod: e.name, at: e.at }));
  }

  async replicas(): Promise<number | undefined> {
    const d = await this.kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: CLUSTER, namespace: this.ns });
    return d.spec?.replicas;
  }

  /** The operator's hand: spec.manualReplicas, so the leader has scale writes to make (and fence). */
  async holdReplicas(replicas: number): Promise<void> {
    const path = `/apis/${VNF_GROUP}/${VNF_VERSION}/namespaces/${this.ns}/${VNF_PLURAL}/${CLUSTER}`;
    const res = await rawRequest(this.kc, 'PATCH', path, { spec: { manualReplicas: replicas } }, 'application/merge-patch+json');
    if (res.status !== 200) throw new Error(`patch manualReplicas: ${res.status} ${res.body}`);
  }

  async statusLeader(): Promise<string | undefined> {
    const vc = (await this.kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ group: VNF_GROUP, version: VNF_VERSION, plural: VNF_PLURAL, namespace: this.ns, name: CLUSTER })) as { status?: { leader?: string } };
    return vc.status?.leader;
  }

  async close(): Promise<void> {
    this.#watchingExits = false;
    for (const m of this.members) {
      signal(m.pid(), 'SIGCONT');
      m.sidecar?.process.child.kill('SIGKILL');
      await m.proxy.stop();
    }
    this.#sip.stop();
    await this.#bed?.stop();
  }
}

/** A signal to a process that may have exited meanwhile. */
function signal(pid: number, sig: NodeJS.Signals): void {
  if (pid <= 0) return;
  try {
    process.kill(pid, sig);
  } catch {
    // gone already: its exit is reported (process members: by the child; pods: by the kubelet)
  }
}
