import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { SimulatedKubelet } from '../support/kubelet/kubelet.js';
import { defaultRunners } from '../support/kubelet/default-runners.js';
import { eventually, freePort } from '../support/process.js';
import { AGENT_PORT, SidecarPods } from '../support/sidecar-pods.js';
import { sidecarIdentity } from '../support/sidecars.js';
import { SipResponder } from '../support/sip-responder.js';

/** The sidecar container's name in the member pods, which the term record names. */
export const SIDECAR_CONTAINER = 'vnf-agent';
/**
 * The restart back-off the chaos run's kubelet stops at. A real kubelet can be
 * told the same (crashLoopBackOff.maxContainerRestartPeriod); at the default
 * 5 minutes, a few kills would leave a member dead for the rest of the run.
 */
const MAX_RESTART_DELAY_MS = 2_000;

/** A member's sidecar process ended (wall-clock ms when that was seen). */
export interface MemberExit {
  readonly pod: string;
  readonly pid: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly at: number;
}

/** Members run as pods: by the simulated kubelet (PodMembers) or the real one (realnode-members.ts). */
export interface MemberRuntime {
  /** Creates the member's pod, its sidecar reaching the API server through the proxy at `proxyPort`; resolves once it serves /status. */
  add(name: string, proxyPort: number): Promise<void>;
  /** The member's sidecar process now, -1 when none runs. */
  pid(name: string): number;
  url(name: string): string;
  /** A container kill: the process `pid` dies, and the kubelet starts the container again. */
  kill(name: string, pid: number): void;
  close(): Promise<void>;
}

/** What every member runtime is given: the admin client, the members' namespace and folder, their environment, and where exits go. */
export interface MemberRuntimeOptions {
  readonly kc: KubeConfig;
  readonly namespace: string;
  readonly dir: string;
  readonly env: Record<string, string>;
  readonly onExit: (exit: MemberExit) => void;
}

export interface PodMembersOptions extends MemberRuntimeOptions {
  readonly cluster: string;
  readonly apiServer: string;
}

/**
 * The chaos members as pods of a simulated kubelet: the kubelet runs each
 * sidecar as a container, reports it terminated when it dies (with its
 * containerID and restartCount, what the proof of death reads) and starts
 * it again after its back-off. A kill is a container kill as the runtime
 * sees it: SIGKILL to the container's process. Each pod has its own IP, its
 * own SIP responder there, and its own ServiceAccount whose kubeconfig leads
 * through the member's fault proxy.
 */
export class PodMembers implements MemberRuntime {
  readonly #o: PodMembersOptions;
  readonly #kubelet: SimulatedKubelet;
  readonly #pods: SidecarPods;
  readonly #responders: SipResponder[] = [];
  readonly #ips = new Map<string, string>();
  #sipPort = 0;

  constructor(o: PodMembersOptions) {
    this.#o = o;
    this.#pods = new SidecarPods(o.kc, o.namespace, o.cluster);
    this.#kubelet = new SimulatedKubelet({
      kubeConfig: o.kc, logDir: join(o.dir, 'pods'), runners: defaultRunners, maxRestartDelayMs: MAX_RESTART_DELAY_MS,
      onContainerExit: (exit) => {
        if (exit.namespace === o.namespace && exit.container === SIDECAR_CONTAINER) o.onExit({ pod: exit.pod, pid: exit.pid, code: exit.code, signal: exit.signal, at: exit.at });
      },
    });
  }

  /** The kubelet, which also runs the Deployment's pods (no runner for their image: they only get an IP). */
  async startKubelet(): Promise<void> {
    await this.#kubelet.start();
    this.#sipPort = await freePort();
  }

  /** Creates `name`'s pod behind `proxyPort` and waits until its sidecar answers /status. */
  async add(name: string, proxyPort: number): Promise<void> {
    const kubeconfig = await sidecarIdentity(this.#o.kc, this.#o.namespace, name, this.#o.dir);
    // Through its proxy (same IP, so the serving certificate still matches).
    writeFileSync(kubeconfig, readFileSync(kubeconfig, 'utf8').replace(this.#o.apiServer, `https://127.0.0.1:${proxyPort}`));
    await this.#pods.createOne(name, kubeconfig, { ...this.#o.env, VNF_AGENT_SIP_PORT: String(this.#sipPort) });
    const ip = await eventually(async () => (await this.#pods.ip(name)) || undefined, 60_000, `${name} has an IP`);
    this.#ips.set(name, ip);
    const responder = new SipResponder();
    await responder.start(ip, this.#sipPort);
    this.#responders.push(responder);
    await eventually(async () => (this.pid(name) > 0 && (await this.#pods.status(name, ip)) ? true : undefined), 90_000, `${name} serving /status`);
  }

  pid(name: string): number {
    return this.#kubelet.containerPid(this.#o.namespace, name, SIDECAR_CONTAINER) ?? -1;
  }

  url(name: string): string {
    return `http://${this.#ips.get(name) ?? '127.0.0.1'}:${AGENT_PORT}`;
  }

  kill(_name: string, pid: number): void {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already: the kubelet reports its exit
    }
  }

  async close(): Promise<void> {
    await this.#kubelet.stop();
    for (const r of this.#responders) r.stop();
  }
}
