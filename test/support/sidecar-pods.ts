import { readdirSync, readFileSync } from 'node:fs';
import { CoordinationV1Api, CoreV1Api, type KubeConfig, type V1Lease, type V1Pod } from '@kubernetes/client-node';
import { TERM_PROCESS_ANNOTATION } from '../../agent/kube/lease-lock.js';
import { eventually } from './process.js';
import { sidecarIdentity } from './sidecars.js';

export const AGENT_PORT = 8686;

export interface PodStatusReply {
  readonly pod: string;
  readonly isLeader: boolean;
  readonly lastRenewAgeMs?: number;
}

/**
 * Bare sidecar pods of one VnfCluster, run by the simulated kubelet, each
 * with its own ServiceAccount (so the audit log tells their writes apart) and
 * no SIP server: enough for the election, which is what they are for.
 */
export class SidecarPods {
  constructor(
    readonly kc: KubeConfig,
    readonly namespace: string,
    readonly cluster: string,
  ) {}

  async create(names: readonly string[], dir: string, env: Record<string, string> = {}): Promise<void> {
    for (const name of names) await this.createOne(name, await sidecarIdentity(this.kc, this.namespace, name, dir), env);
    await eventually(async () => ((await Promise.all(names.map((n) => this.status(n)))).every((s) => s !== undefined) ? true : undefined), 90_000, `${names.join()} serving /status`);
  }

  /** One pod whose sidecar reaches the API server with `kubeconfig` (its own ServiceAccount's, see sidecarIdentity). */
  async createOne(name: string, kubeconfig: string, env: Record<string, string> = {}): Promise<void> {
    await this.kc.makeApiClient(CoreV1Api).createNamespacedPod({ namespace: this.namespace, body: this.#pod(name, kubeconfig, env) });
  }

  lease(): Promise<V1Lease> {
    return this.kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: `${this.cluster}-leader`, namespace: this.namespace });
  }

  /**
   * A lease with a holder that has recorded its process: the proof path is
   * armed for this term. `recorded: false` for sidecars with the proof off
   * (they record nothing): any holder then.
   */
  armedLease(timeoutMs = 60_000, recorded = true): Promise<V1Lease> {
    return eventually(async () => {
      const l = await this.lease().catch(() => undefined);
      return l?.spec?.holderIdentity && (!recorded || l.metadata?.annotations?.[TERM_PROCESS_ANNOTATION]) ? l : undefined;
    }, timeoutMs, recorded ? 'a leader that recorded its process in the Lease' : 'a leader');
  }

  /** The first lease whose term is past `term`, polled every 50 ms. */
  nextTerm(term: number, timeoutMs: number): Promise<V1Lease> {
    return eventually(async () => {
      const l = await this.lease().catch(() => undefined);
      return (l?.spec?.leaseTransitions ?? 0) > term && l?.spec?.holderIdentity ? l : undefined;
    }, timeoutMs, `a term after ${term}`);
  }

  async ip(name: string): Promise<string> {
    const pod: V1Pod | undefined = await this.kc.makeApiClient(CoreV1Api).readNamespacedPod({ name, namespace: this.namespace }).catch(() => undefined);
    return pod?.status?.podIP ?? '';
  }

  async status(name: string, ip?: string): Promise<PodStatusReply | undefined> {
    const at = ip ?? (await this.ip(name));
    if (!at) return undefined;
    try {
      const res = await fetch(`http://${at}:${AGENT_PORT}/status`, { signal: AbortSignal.timeout(500) });
      return res.ok ? ((await res.json()) as PodStatusReply) : undefined;
    } catch {
      return undefined;
    }
  }

  /** The pid of the sidecar process the simulated kubelet runs for `pod` (found by its downward-API environment). */
  pid(pod: string): number {
    const wanted = [`VNF_AGENT_POD_NAME=${pod}`, `VNF_AGENT_POD_NAMESPACE=${this.namespace}`];
    const pids = readdirSync('/proc').filter((e) => /^\d+$/.test(e)).filter((e) => {
      try {
        const env = readFileSync(`/proc/${e}/environ`, 'utf8').split('\0');
        return wanted.every((w) => env.includes(w));
      } catch {
        return false;
      }
    });
    if (pids.length !== 1) throw new Error(`expected one sidecar process of ${pod}, found ${pids.join() || 'none'}`);
    return Number(pids[0]);
  }

  #pod(name: string, kubeconfig: string, env: Record<string, string>) {
    const downward = (variable: string, fieldPath: string) => ({ name: variable, valueFrom: { fieldRef: { fieldPath } } });
    const values = {
      VNF_AGENT_CLUSTER: this.cluster, VNF_AGENT_HTTP_HOST: '$(VNF_AGENT_POD_IP)', VNF_AGENT_KUBECONFIG: kubeconfig,
      VNF_AGENT_SIGNAL_SOURCES: 'sip-options', VNF_AGENT_SIGNAL_OPTIONS_TRANSPORTS: 'udp', VNF_AGENT_LOG_LEVEL: 'info', ...env,
    };
    return {
      metadata: { name, labels: { app: this.cluster } },
      spec: {
        terminationGracePeriodSeconds: 2,
        containers: [{
          name: 'vnf-agent', image: 'vnf-agent', args: ['run'],
          env: [
            downward('VNF_AGENT_POD_NAME', 'metadata.name'), downward('VNF_AGENT_POD_NAMESPACE', 'metadata.namespace'), downward('VNF_AGENT_POD_IP', 'status.podIP'),
            ...Object.entries(values).map(([n, value]) => ({ name: n, value })),
          ],
        }],
      },
    };
  }
}
