import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppsV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../support/controlplane.js';
import { SimulatedKubelet } from '../support/kubelet/kubelet.js';
import { freshNamespace, installCrd, kubeConfigFrom, rawRequest } from '../support/kube.js';
import { SipResponder } from '../support/sip-responder.js';
import { createVnfCluster, sidecarIdentity, startSidecar, type Sidecar } from '../support/sidecars.js';
import { VNF_GROUP, VNF_PLURAL, VNF_VERSION } from '../../agent/model/vnfcluster.js';
import { FaultProxy } from './fault-proxy.js';
import { PodMembers } from './pod-members.js';

export const CLUSTER = 'sprout';
export const MIN_REPLICAS = 2;
export const MAX_REPLICAS = 4;
export const TIMING = { leaseDurationMs: 8_000, renewDeadlineMs: 6_000, retryPeriodMs: 2_000 };

/**
 * The audit policy of the test control plane records writes at Metadata level;
 * the chaos run also needs the bodies of the sidecars' writes: who each Lease
 * write names as holder, which annotations a pod write sets (a leader's
 * scale-in or a pod's own leaving mark), and whether a write carries a
 * resourceVersion. So it passes its own policy file, which the API server's
 * flag parser takes over the default one (the last --audit-policy-file wins).
 */
const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Request
  verbs: [create, update, patch]
  resources:
  - { group: coordination.k8s.io, resources: [leases] }
  - { group: "", resources: [pods] }
  - { group: apps, resources: [deployments, deployments/scale] }
  - { group: vnf-agent.dev, resources: [vnfclusters/status] }
- level: Metadata
  verbs: [create, update, patch, delete]
- level: None
`;

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
 * control plane of its own with a simulated kubelet, and N sidecars, each with its own
 * ServiceAccount and its own fault-injecting proxy to the API server. The
 * sidecars are bare processes of the harness, or (`pods`) pods the simulated
 * kubelet runs, so that a kill is a container's death the kubelet reports and
 * the standbys' proof of death can act on it. With pods, scaling is paused:
 * the members are pods of the VnfCluster's selector outside the Deployment,
 * which a scale-in would mark leaving for good.
 */
export class ChaosCluster {
  readonly members: ChaosMember[] = [];
  readonly exits: ProcessExit[] = [];
  cp!: ControlPlane;
  kc!: KubeConfig;
  ns = '';
  #sip = new SipResponder();
  #kubelet: SimulatedKubelet | undefined;
  #pods: PodMembers | undefined;
  #watchingExits = true;

  constructor(readonly asPods = false) {}

  async start(sidecars: number): Promise<void> {
    this.cp = await startWithPolicy();
    this.kc = kubeConfigFrom(this.cp.kubeconfigPath);
    await installCrd(this.kc);
    this.ns = await freshNamespace(this.kc, 'chaos');
    // The Deployment's pods get an IP and run (no process: no runner for their image), so a
    // scale-in goes all the way: mark, drain (unreachable, so until the 2 s timeout), shrink.
    if (this.asPods) {
      this.#pods = new PodMembers({
        kc: this.kc, namespace: this.ns, cluster: CLUSTER, dir: this.cp.dir, apiServer: this.cp.server, env: this.#env(),
        onExit: (e) => {
          if (!this.#watchingExits) return;
          const ours = this.members.some((m) => m.name === e.pod && m.killedPids.has(e.pid));
          this.exits.push({ name: e.pod, pid: e.pid, code: e.code, signal: e.signal, ours, at: e.at, stderrTail: `see ${join(this.cp.dir, 'pods', `${e.pod}.${e.container}.log`)}` });
        },
      });
      await this.#pods.startKubelet();
    } else {
      this.#kubelet = new SimulatedKubelet({ kubeConfig: this.kc, logDir: join(this.cp.dir, 'pods') });
      await this.#kubelet.start();
    }
    await this.kc.makeApiClient(AppsV1Api).createNamespacedDeployment({
      namespace: this.ns,
      body: {
        metadata: { name: CLUSTER },
        spec: {
          replicas: MIN_REPLICAS,
          selector: { matchLabels: { app: CLUSTER } },
          template: { metadata: { labels: { app: CLUSTER } }, spec: { containers: [{ name: 'sip', image: 'example.invalid/sprout:1' }] } },
        },
      },
    });
    await createVnfCluster(this.kc, this.ns, CLUSTER, { minReplicas: MIN_REPLICAS, maxReplicas: MAX_REPLICAS, drainTimeoutSeconds: 2, ...(this.asPods ? { paused: true } : {}) });
    await this.#sip.start();
    const apiPort = Number(new URL(this.cp.server).port);
    for (let i = 0; i < sidecars; i++) {
      const name = `${CLUSTER}-${String.fromCharCode(97 + i)}`;
      const proxy = new FaultProxy('127.0.0.1', apiPort);
      await proxy.start();
      const pods = this.#pods;
      if (pods) {
        this.members.push({ name, proxy, state: 'running', busy: false, killedPids: new Set(), since: performance.now(), pid: () => pods.pid(name), url: () => pods.url(name) });
        await pods.add(name, proxy.port);
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

  #env(): Record<string, string> {
    return {
      VNF_AGENT_CLUSTER: CLUSTER, VNF_AGENT_POD_NAMESPACE: this.ns, VNF_AGENT_SIGNAL_SOURCES: 'sip-options',
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
    signal(pid, 'SIGKILL');
    member.state = 'killed';
    member.killedPid = pid;
  }

  /** Process members: started again by the harness. Pods: the kubelet starts the container again after its back-off. */
  async restart(member: ChaosMember): Promise<void> {
    if (this.#pods) {
      await this.#pods.restarted(member.name, member.killedPid ?? -1);
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
    await this.#pods?.close();
    await this.#kubelet?.stop();
    await this.cp?.stop();
    rmSync(policyPath(), { force: true });
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

const policyPath = (): string => join(process.env.TMPDIR ?? '/tmp', `vnf-chaos-audit-${process.pid}.yaml`);

async function startWithPolicy(): Promise<ControlPlane> {
  const previous = process.env.VNF_TEST_APISERVER_FLAGS;
  const policy = policyPath();
  writeFileSync(policy, AUDIT_POLICY);
  process.env.VNF_TEST_APISERVER_FLAGS = `${previous ?? ''} --audit-policy-file=${policy}`.trim();
  try {
    return await startControlPlane();
  } finally {
    if (previous === undefined) delete process.env.VNF_TEST_APISERVER_FLAGS;
    else process.env.VNF_TEST_APISERVER_FLAGS = previous;
  }
}
