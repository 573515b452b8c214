import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { sproutKamailioConfig } from '../../sim/kamailio/config.js';
import { eventually } from '../support/process.js';
import { AGENT_PORT } from '../support/sidecar-pods.js';
import { sidecarIdentity } from '../support/sidecars.js';
import { HARDENED, imageNamed } from '../realnode/images.js';
import type { RealCluster } from '../realnode/cluster.js';
import { containerId } from '../realnode/pod-process.js';
import type { MemberRuntime, MemberRuntimeOptions } from './pod-members.js';
import { SIDECAR_CONTAINER } from './pod-members.js';

const SIP_PORT = 5060;
const KUBECONFIG_DIR = '/etc/vnf-chaos';
/** How often the pods' sidecar processes are looked up (pod status, then containerd's tasks). */
const REFRESH_MS = 300;

export interface RealNodeMembersOptions extends MemberRuntimeOptions {
  readonly cluster: RealCluster;
}

interface Seen {
  pid: number;
  ip: string;
}

/**
 * The chaos members as pods on the real node: Kamailio and the sidecar from
 * the project's image, run by the real kubelet and containerd. A kill is the
 * runtime's (`ctr tasks kill -s SIGKILL` on the sidecar's container), and the
 * standbys see what the kubelet reports of it. Each sidecar reaches the API
 * server through its own fault proxy on the bridge address, with its own
 * ServiceAccount's token, from a kubeconfig in a Secret.
 */
export class RealNodeMembers implements MemberRuntime {
  readonly #o: RealNodeMembersOptions;
  readonly #core: CoreV1Api;
  readonly #seen = new Map<string, Seen>();
  readonly #killed = new Set<number>();
  #refreshing = true;
  #loop: Promise<void> = Promise.resolve();

  constructor(o: RealNodeMembersOptions) {
    this.#o = o;
    this.#core = o.kc.makeApiClient(CoreV1Api);
  }

  async start(): Promise<void> {
    const config = sproutKamailioConfig({ listen: { host: '0.0.0.0', port: SIP_PORT } });
    await this.#core.createNamespacedConfigMap({ namespace: this.#o.namespace, body: { metadata: { name: 'sip' }, data: { 'kamailio.cfg': config } } });
    this.#loop = this.#refreshLoop();
  }

  async add(name: string, proxyPort: number): Promise<void> {
    const path = await sidecarIdentity(this.#o.kc, this.#o.namespace, name, this.#o.dir);
    const token = /token: (\S+)/.exec(readFileSync(path, 'utf8'))?.[1] ?? '';
    const ca = readFileSync(this.#o.cluster.cp.caPath).toString('base64');
    const host = new URL(this.#o.cluster.cp.server).hostname;
    const kubeconfig = [
      'apiVersion: v1', 'kind: Config', 'current-context: chaos',
      `clusters: [{name: chaos, cluster: {server: "https://${host}:${proxyPort}", certificate-authority-data: "${ca}"}}]`,
      `users: [{name: ${name}, user: {token: "${token}"}}]`,
      `contexts: [{name: chaos, context: {cluster: chaos, user: ${name}}}]`, '',
    ].join('\n');
    await this.#core.createNamespacedSecret({ namespace: this.#o.namespace, body: { metadata: { name }, stringData: { kubeconfig } } });
    await this.#core.createNamespacedPod({ namespace: this.#o.namespace, body: this.#pod(name) });
    await eventually(async () => {
      const seen = this.#seen.get(name);
      if (!seen || seen.pid <= 0) return undefined;
      const res = await fetch(`${this.url(name)}/status`, { signal: AbortSignal.timeout(1_000) }).catch(() => undefined);
      return res?.ok ? true : undefined;
    }, 180_000, `${name} serving /status on the real node\n${this.#o.cluster.logs().slice(-3000)}`, 250);
  }

  pid(name: string): number {
    const pid = this.#seen.get(name)?.pid ?? -1;
    return pid > 0 && existsSync(`/proc/${pid}`) && !this.#killed.has(pid) ? pid : -1;
  }

  url(name: string): string {
    return `http://${this.#seen.get(name)?.ip ?? '127.0.0.1'}:${AGENT_PORT}`;
  }

  /** Kills the container through containerd, and reports the exit once its process is gone from this machine. */
  kill(name: string, pid: number): void {
    if (pid <= 0) return;
    this.#killed.add(pid);
    void (async () => {
      const pod = await this.#core.readNamespacedPod({ name, namespace: this.#o.namespace });
      await this.#o.cluster.node.ctr(['tasks', 'kill', '-s', 'SIGKILL', containerId(pod, SIDECAR_CONTAINER)], 10_000).catch(() => undefined);
      const until = performance.now() + 10_000;
      while (existsSync(`/proc/${pid}`) && performance.now() < until) await delay(5);
      this.#o.onExit({ pod: name, pid, code: null, signal: 'SIGKILL', at: Date.now() });
    })();
  }

  async close(): Promise<void> {
    this.#refreshing = false;
    await this.#loop;
  }

  /** Pod status (IP, containerID) and containerd's task list (pid): a sidecar pid that changed without our kill is a crash. */
  async #refreshLoop(): Promise<void> {
    while (this.#refreshing) {
      try {
        const pods = (await this.#core.listNamespacedPod({ namespace: this.#o.namespace })).items;
        const tasks = new Map((await this.#o.cluster.node.ctr(['tasks', 'ls'], 10_000)).split('\n').map((l) => l.trim().split(/\s+/)).filter((r) => r[2] === 'RUNNING').map((r) => [r[0] ?? '', Number(r[1])]));
        for (const pod of pods) this.#update(pod, tasks);
      } catch {
        // the next refresh tries again
      }
      await delay(REFRESH_MS);
    }
  }

  #update(pod: V1Pod, tasks: Map<string, number>): void {
    const name = pod.metadata?.name ?? '';
    const before = this.#seen.get(name);
    if (!before && !this.#wanted(pod)) return;
    const pid = tasks.get(containerId(pod, SIDECAR_CONTAINER)) ?? -1;
    const ip = pod.status?.podIP ?? before?.ip ?? '';
    if (before && before.pid > 0 && pid > 0 && pid !== before.pid && !this.#killed.has(before.pid)) {
      this.#o.onExit({ pod: name, pid: before.pid, code: null, signal: null, at: Date.now() });
    }
    this.#seen.set(name, { pid: pid > 0 ? pid : (before?.pid ?? -1), ip });
  }

  #wanted(pod: V1Pod): boolean {
    return pod.spec?.containers.some((c) => c.name === SIDECAR_CONTAINER) ?? false;
  }

  #pod(name: string): V1Pod {
    const images = this.#o.cluster.images;
    const downward = (variable: string, fieldPath: string) => ({ name: variable, valueFrom: { fieldRef: { fieldPath } } });
    const env = { ...this.#o.env, VNF_AGENT_KUBECONFIG: `${KUBECONFIG_DIR}/kubeconfig`, VNF_AGENT_SIP_PORT: String(SIP_PORT), VNF_AGENT_HTTP_HOST: '$(VNF_AGENT_POD_IP)' };
    return {
      metadata: { name, labels: { app: this.#o.env.VNF_AGENT_CLUSTER ?? '' } },
      spec: {
        nodeName: this.#o.cluster.node.name, serviceAccountName: name, automountServiceAccountToken: false,
        terminationGracePeriodSeconds: 2, securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
        volumes: [{ name: 'tmp', emptyDir: {} }, { name: 'config', configMap: { name: 'sip' } }, { name: 'kube', secret: { secretName: name } }],
        containers: [
          {
            name: 'kamailio', image: imageNamed(images, 'docker.io/library/kamailio:').name, imagePullPolicy: 'Never', securityContext: HARDENED,
            args: ['-DD', '-E', '-f', '/etc/sip/kamailio.cfg', '-Y', '/tmp'],
            volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, { name: 'config', mountPath: '/etc/sip' }],
          },
          {
            name: SIDECAR_CONTAINER, image: imageNamed(images, 'docker.io/library/vnf-agent:').name, imagePullPolicy: 'Never', securityContext: HARDENED,
            args: ['run'],
            env: [
              downward('VNF_AGENT_POD_NAME', 'metadata.name'), downward('VNF_AGENT_POD_NAMESPACE', 'metadata.namespace'), downward('VNF_AGENT_POD_IP', 'status.podIP'),
              ...Object.entries(env).map(([n, value]) => ({ name: n, value })),
            ],
            volumeMounts: [{ name: 'kube', mountPath: KUBECONFIG_DIR, readOnly: true }],
          },
        ],
      },
    };
  }
}
