import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { controlPlaneBinDir, startControlPlane, type ControlPlane } from '../support/controlplane.js';
import { SimulatedKubelet } from '../support/kubelet/kubelet.js';
import { freshNamespace, installCrd, kubeConfigFrom } from '../support/kube.js';
import { startRealCluster } from '../realnode/cluster.js';
import { SANDBOX_IMAGE } from '../realnode/node.js';
import { PodMembers, type MemberExit, type MemberRuntime } from './pod-members.js';
import { RealNodeMembers } from './realnode-members.js';

/**
 * Where the chaos members run:
 * - processes: bare sidecar processes of the harness (no kubelet reports on them);
 * - pods: pods of the simulated kubelet, which reports a killed sidecar's container as a kubelet does;
 * - realnode: pods on the real node (kubelet, containerd, the project's images).
 */
export type ChaosMode = 'processes' | 'pods' | 'realnode';
export const CHAOS_MODES: readonly ChaosMode[] = ['processes', 'pods', 'realnode'];

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

/** The real node's kubelet restarts a killed sidecar within a second instead of backing off for minutes. */
const REALNODE_MAX_RESTART_PERIOD = '1s';

export interface ChaosBed {
  readonly cp: ControlPlane;
  readonly kc: KubeConfig;
  readonly ns: string;
  /** Members as pods; undefined for bare processes. */
  readonly runtime: MemberRuntime | undefined;
  /** Where a member's fault proxy listens and what it forwards to (the API server's host). */
  readonly apiHost: string;
  /** The Deployment's pods: an image the kubelet can run (real node) or none (simulated: they only get an IP). */
  readonly workloadImage: { image: string; imagePullPolicy?: string };
  stop(): Promise<void>;
}

export interface BedOptions {
  readonly mode: ChaosMode;
  /** The members' environment, less what each pod sets itself. */
  readonly env: (namespace: string) => Record<string, string>;
  readonly onExit: (exit: MemberExit) => void;
}

export async function startBed(o: BedOptions): Promise<ChaosBed> {
  const policy = join(process.env.TMPDIR ?? '/tmp', `vnf-chaos-audit-${process.pid}.yaml`);
  writeFileSync(policy, AUDIT_POLICY);
  const previous = process.env.VNF_TEST_APISERVER_FLAGS;
  process.env.VNF_TEST_APISERVER_FLAGS = `${previous ?? ''} --audit-policy-file=${policy}`.trim();
  try {
    if (o.mode === 'realnode') {
      const cluster = await startRealCluster({ binDir: controlPlaneBinDir(), crd: true, maxRestartPeriod: REALNODE_MAX_RESTART_PERIOD });
      const kc = kubeConfigFrom(cluster.kubeconfigPath);
      const ns = await freshNamespace(kc, 'chaos');
      const runtime = new RealNodeMembers({ cluster, kc, namespace: ns, dir: cluster.cp.dir, env: o.env(ns), onExit: o.onExit });
      await runtime.start();
      return {
        cp: cluster.cp, kc, ns, runtime, apiHost: new URL(cluster.cp.server).hostname, workloadImage: { image: SANDBOX_IMAGE, imagePullPolicy: 'Never' },
        async stop() {
          await runtime.close();
          await cluster.stop();
          rmSync(policy, { force: true });
        },
      };
    }
    const cp = await startControlPlane();
    const kc = kubeConfigFrom(cp.kubeconfigPath);
    await installCrd(kc);
    const ns = await freshNamespace(kc, 'chaos');
    let runtime: PodMembers | undefined;
    let kubelet: SimulatedKubelet | undefined;
    if (o.mode === 'pods') {
      runtime = new PodMembers({ kc, namespace: ns, cluster: o.env(ns).VNF_AGENT_CLUSTER ?? '', dir: cp.dir, apiServer: cp.server, env: o.env(ns), onExit: o.onExit });
      await runtime.startKubelet();
    } else {
      kubelet = new SimulatedKubelet({ kubeConfig: kc, logDir: join(cp.dir, 'pods') });
      await kubelet.start();
    }
    return {
      cp, kc, ns, runtime, apiHost: '127.0.0.1', workloadImage: { image: 'example.invalid/sprout:1' },
      async stop() {
        await runtime?.close();
        await kubelet?.stop();
        await cp.stop();
        rmSync(policy, { force: true });
      },
    };
  } finally {
    if (previous === undefined) delete process.env.VNF_TEST_APISERVER_FLAGS;
    else process.env.VNF_TEST_APISERVER_FLAGS = previous;
  }
}
