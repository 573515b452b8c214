import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../../agent/clock/clock.js';
import { spawnChild, type ChildHandle } from './child.js';
import type { KubeObject } from './kube-http.js';
import { getJson, postJson } from './http-json.js';
import { sidecarEnv, type PodFacts, type Role } from './pod-env.js';
import { POD_PORTS, type PlaygroundSettings } from './settings.js';
import type { SipBackend } from './sip-backend.js';

export interface PodSupervisorDeps {
  readonly settings: PlaygroundSettings;
  readonly clock: Clock;
  readonly rootDir: string;
  readonly tokenFile: string;
  /** Writes the pod's kubeconfig (its ServiceAccount, in a real cluster) and returns the path. */
  readonly kubeconfigFor: (pod: string, dir: string) => string;
  /** How to run node scripts: the node binary and its flags (tsx when run from source). */
  readonly node: { readonly execPath: string; readonly execArgv: readonly string[] };
  readonly sidecarMain: string;
  /** What runs as each pod's SIP server. */
  readonly sip: SipBackend;
  readonly baseEnv: NodeJS.ProcessEnv;
  readonly note: (kind: string, text: string) => void;
}

export interface SimPod {
  readonly facts: PodFacts;
  sidecar: ChildHandle;
  sip: ChildHandle;
  stopping: boolean;
  restarts: number;
}

const MAX_RESTARTS = 5;
const STOP_GRACE_MS = 5_000;
const DRAIN_LIMIT_MS = 12_000;

/**
 * The playground's kubelet half that the stand-in cannot do: for each pod the
 * stand-in reports running, start the simulated SIP server and the real
 * sidecar on the pod's own IP; on deletion run the preStop drain, then
 * SIGTERM both and SIGKILL what is left after the grace period.
 */
export class PodSupervisor {
  readonly #pods = new Map<string, SimPod>();
  #closed = false;

  constructor(private readonly d: PodSupervisorDeps) {}

  pods(): SimPod[] {
    return [...this.#pods.values()];
  }

  get(name: string): SimPod | undefined {
    return this.#pods.get(name);
  }

  /** Every child PID ever alive right now: the test checks none survive the playground. */
  pids(): number[] {
    return this.pods().flatMap((p) => [p.sidecar, p.sip].filter((c) => c.running()).map((c) => c.pid));
  }

  readonly onPodRunning = (pod: KubeObject): void => {
    const role = (pod.metadata.labels as Record<string, string> | undefined)?.app as Role | undefined;
    const ip = (pod.status as { podIP?: string } | undefined)?.podIP;
    const name = pod.metadata.name ?? '';
    if (this.#closed || (role !== 'sprout' && role !== 'bono') || !ip || this.#pods.has(name)) return;
    const dir = join(this.d.rootDir, 'pods', name);
    mkdirSync(dir, { recursive: true });
    const facts: PodFacts = { name, namespace: pod.metadata.namespace ?? this.d.settings.namespace, ip, role, dir };
    const sim: SimPod = { facts, sip: this.#startSip(facts), sidecar: this.#startSidecar(facts), stopping: false, restarts: 0 };
    this.#pods.set(name, sim);
    this.#superviseRestarts(sim, 'sip');
    this.#superviseRestarts(sim, 'sidecar');
    this.d.note('pod', `${name} started on ${ip}: ${this.d.sip.kind === 'sim' ? 'simulated' : 'Kamailio'} ${role} (pid ${sim.sip.pid}) + vnf-agent sidecar (pid ${sim.sidecar.pid})`);
  };

  readonly onPodStopping = async (pod: KubeObject): Promise<void> => {
    const sim = this.#pods.get(pod.metadata.name ?? '');
    if (!sim || sim.stopping) return;
    sim.stopping = true;
    await this.#preStopDrain(sim);
    await Promise.all([sim.sidecar.stop(STOP_GRACE_MS), sim.sip.stop(STOP_GRACE_MS)]);
    this.#pods.delete(sim.facts.name);
    this.d.note('pod', `${sim.facts.name} stopped`);
  };

  pauseSidecar(name: string, ms: number): boolean {
    const sim = this.#pods.get(name);
    if (!sim?.sidecar.running()) return false;
    sim.sidecar.pause(ms);
    return true;
  }

  async stopAll(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.pods().map(async (sim) => {
      sim.stopping = true;
      await Promise.all([sim.sidecar.stop(STOP_GRACE_MS), sim.sip.stop(STOP_GRACE_MS)]);
    }));
    this.#pods.clear();
  }

  /** Second Ctrl-C: no more waiting. */
  killAll(): void {
    this.#closed = true;
    for (const sim of this.pods()) {
      sim.sidecar.kill();
      sim.sip.kill();
    }
  }

  #startSip(pod: PodFacts): ChildHandle {
    const { command, args } = this.d.sip.container(pod);
    return spawnChild(`${pod.name}/${pod.role}`, command, args, this.d.baseEnv, join(pod.dir, `${pod.role}.log`));
  }

  #startSidecar(pod: PodFacts): ChildHandle {
    const kubeconfig = this.d.kubeconfigFor(pod.name, pod.dir);
    const env = { ...this.d.baseEnv, ...sidecarEnv(pod, this.d.settings, { kubeconfig, tokenFile: this.d.tokenFile }, this.d.sip.sidecarEnv(pod)) };
    return spawnChild(`${pod.name}/vnf-agent`, this.d.node.execPath, [this.d.sidecarMain, 'run'], env, join(pod.dir, 'vnf-agent.log'));
  }

  /** A container that dies on its own is restarted, as the kubelet's restartPolicy Always does. */
  #superviseRestarts(sim: SimPod, which: 'sip' | 'sidecar'): void {
    void sim[which].exited.then(async (exit) => {
      if (sim.stopping || this.#closed) return;
      sim.restarts++;
      this.d.note('pod', `${sim[which].name} exited (code ${exit.code}, signal ${exit.signal}); see ${sim[which].logFile}`);
      if (sim.restarts > MAX_RESTARTS) return;
      await this.d.clock.sleep(1_000);
      if (sim.stopping || this.#closed) return;
      sim[which] = which === 'sip' ? this.#startSip(sim.facts) : this.#startSidecar(sim.facts);
      this.#superviseRestarts(sim, which);
    });
  }

  /**
   * The chart's preStop: start the drain (POST /drain with the token; the hook
   * itself is GET /drain?wait=true), then wait until the sidecar says settled
   * or the SIP server holds no calls, bounded by the drain limit.
   */
  async #preStopDrain(sim: SimPod): Promise<void> {
    const { ip } = sim.facts;
    const agent = `http://${ip}:${POD_PORTS.sidecarHttp}`;
    const token = await readFile(this.d.tokenFile, 'utf8').catch(() => '');
    const started = this.d.clock.nowMs();
    await postJson(`${agent}/drain`, { reason: 'pod deleted (playground preStop)' }, 2_000, { authorization: `Bearer ${token.trim()}` });
    while (this.d.clock.nowMs() - started < DRAIN_LIMIT_MS && sim.sidecar.running() && !sim.sidecar.paused()) {
      const settled = await getJson<{ settled?: boolean }>(`${agent}/drain?wait=true`, 2_000);
      const stats = await this.d.sip.stats(sim.facts);
      if (settled?.settled === true || (stats?.activeCalls === 0 && stats.queueLength === 0)) break;
      await this.d.clock.sleep(500);
    }
    this.d.note('pod', `${sim.facts.name} drained in ${((this.d.clock.nowMs() - started) / 1000).toFixed(1)} s`);
  }
}
