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
  sidecar: Sidecar;
  state: SidecarState;
  /** A timed fault (latency, partition, stop, kill) is active until it is healed. */
  busy: boolean;
  /** Pids we sent SIGKILL to: their exit is ours, any other exit is a crash. */
  readonly killedPids: Set<number>;
  /** performance.now() of the last (re)start or SIGCONT: /readyz may lag just after. */
  since: number;
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
 * control plane of its own with a simulated kubelet, and N sidecar processes, each with its own
 * ServiceAccount and its own fault-injecting proxy to the API server.
 */
export class ChaosCluster {
  readonly members: ChaosMember[] = [];
  readonly exits: ProcessExit[] = [];
  cp!: ControlPlane;
  kc!: KubeConfig;
  ns = '';
  #sip = new SipResponder();
  #kubelet: SimulatedKubelet | undefined;
  #watchingExits = true;

  async start(sidecars: number): Promise<void> {
    this.cp = await startWithPolicy();
    this.kc = kubeConfigFrom(this.cp.kubeconfigPath);
    await installCrd(this.kc);
    // The Deployment's pods get an IP and run (no process: no runner for their image), so a
    // scale-in goes all the way: mark, drain (unreachable, so until the 2 s timeout), shrink.
    this.#kubelet = new SimulatedKubelet({ kubeConfig: this.kc, logDir: join(this.cp.dir, 'pods') });
    await this.#kubelet.start();
    this.ns = await freshNamespace(this.kc, 'chaos');
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
    await createVnfCluster(this.kc, this.ns, CLUSTER, { minReplicas: MIN_REPLICAS, maxReplicas: MAX_REPLICAS, drainTimeoutSeconds: 2 });
    await this.#sip.start();
    const apiPort = Number(new URL(this.cp.server).port);
    for (let i = 0; i < sidecars; i++) {
      const name = `${CLUSTER}-${String.fromCharCode(97 + i)}`;
      const proxy = new FaultProxy('127.0.0.1', apiPort);
      await proxy.start();
      const kubeconfig = await sidecarIdentity(this.kc, this.ns, name, this.cp.dir);
      // The sidecar reaches the API server only through its proxy (same IP, so the serving cert still matches).
      writeFileSync(kubeconfig, readFileSync(kubeconfig, 'utf8').replace(this.cp.server, `https://127.0.0.1:${proxy.port}`));
      const member: ChaosMember = { name, proxy, sidecar: undefined as unknown as Sidecar, state: 'running', busy: false, killedPids: new Set(), since: 0 };
      this.members.push(member);
      await this.#launch(member, kubeconfig);
    }
  }

  async #launch(member: ChaosMember, kubeconfig = member.sidecar.env.VNF_AGENT_KUBECONFIG ?? ''): Promise<void> {
    member.sidecar = await startSidecar(member.name, {
      VNF_AGENT_CLUSTER: CLUSTER, VNF_AGENT_POD_NAMESPACE: this.ns, VNF_AGENT_KUBECONFIG: kubeconfig,
      VNF_AGENT_POD_IP: '127.0.0.1', VNF_AGENT_SIP_PORT: String(this.#sip.port), VNF_AGENT_SIGNAL_SOURCES: 'sip-options',
      VNF_AGENT_SIGNAL_OPTIONS_TRANSPORTS: 'udp', VNF_AGENT_LOG_LEVEL: 'warn',
      VNF_AGENT_LEASE_DURATION_MS: String(TIMING.leaseDurationMs), VNF_AGENT_RENEW_DEADLINE_MS: String(TIMING.renewDeadlineMs),
      VNF_AGENT_RETRY_PERIOD_MS: String(TIMING.retryPeriodMs),
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
    const pid = member.sidecar.process.child.pid;
    if (pid !== undefined) member.killedPids.add(pid);
    member.sidecar.process.child.kill('SIGKILL');
    member.state = 'killed';
  }

  async restart(member: ChaosMember): Promise<void> {
    await member.sidecar.process.exited(10_000).catch(() => undefined);
    await this.#launch(member);
  }

  stop(member: ChaosMember): void {
    member.sidecar.process.child.kill('SIGSTOP');
    member.state = 'stopped';
  }

  cont(member: ChaosMember): void {
    member.sidecar.process.child.kill('SIGCONT');
    member.state = 'running';
    member.since = performance.now();
  }

  /** Running sidecars whose process never exited: the ones expected to be alive now. */
  live(): ChaosMember[] {
    return this.members.filter((m) => m.state !== 'killed' && m.sidecar.process.child.exitCode === null && m.sidecar.process.child.signalCode === null);
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
      m.sidecar?.process.child.kill('SIGCONT');
      m.sidecar?.process.child.kill('SIGKILL');
      await m.proxy.stop();
    }
    this.#sip.stop();
    await this.#kubelet?.stop();
    await this.cp?.stop();
    rmSync(policyPath(), { force: true });
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
