import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { pino } from 'pino';
import { ResilientWatch } from '../../../agent/kube/watch.js';
import { callOptions, PatchStrategy } from '../kube-call.js';
import { systemClock } from '../../../agent/clock/clock.js';
import { preparePodFiles } from './pod-files.js';
import { repository, startContainer, stopContainers, type ImageRunner, type RunningContainer } from './runner.js';
import { httpProbe, isSidecar, probeReady, probedContainers } from './probes.js';
import { startInOrder } from './pod-start.js';
import { ContainerInstances, restartDelayMs, restarts } from './instances.js';
import type { PodFiles } from './pod-files.js';
import type { V1Container } from '@kubernetes/client-node';

export interface KubeletOptions {
  readonly kubeConfig: KubeConfig;
  readonly nodeName?: string;
  /** Pods get 127.<subnet>.0.10 and up, so two kubelets on one machine never share an address. */
  readonly subnet?: number;
  readonly runners?: Readonly<Record<string, ImageRunner>>;
  readonly logDir?: string;
  readonly probePeriodMs?: number;
  /**
   * The longest restart back-off (the kubelet's crashLoopBackOff
   * maxContainerRestartPeriod, KEP-4603): the chaos run kills the same
   * containers many times and must not wait out minutes of back-off.
   */
  readonly maxRestartDelayMs?: number;
  /** Every container exit, as the runtime reports it to the kubelet. */
  readonly onContainerExit?: (exit: ContainerExit) => void;
}

export interface ContainerExit {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly pid: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Wall-clock ms. */
  readonly at: number;
}

interface PodState {
  ip: string;
  containers: RunningContainer[];
  ready: boolean | undefined;
  forcedNotReady: boolean;
  probing: boolean;
  stopping: boolean;
  readonly instances: ContainerInstances;
  /** Status writes of one pod go out in order, so an older report never lands last. */
  writing: Promise<void>;
}

/**
 * A simulated kubelet for the real control plane: binds pending pods to one
 * fake node, gives each its own loopback IP, runs its containers as local
 * processes (when an image runner is registered; init containers first, a
 * native sidecar's startup probe gating what follows: pod-start.ts), reports
 * readiness from the readiness probes (native sidecars' included), and on
 * deletion runs the preStop hooks, stops the processes (SIGTERM, then SIGKILL
 * after the grace period; native sidecars after the app containers) and
 * removes the pod. A container that exits is reported terminated (with its
 * containerID) and started again as the kubelet would (native sidecars always,
 * app containers by the pod's restartPolicy; the first restart after 1 s, then
 * a doubling backoff from 10 s), with restartCount and lastState.
 */
export class SimulatedKubelet {
  readonly nodeName: string;
  readonly #core: CoreV1Api;
  readonly #pods = new Map<string, PodState>();
  readonly #queues = new Map<string, Promise<void>>();
  readonly #watch: ResilientWatch<V1Pod>;
  readonly #subnet: number;
  readonly #logDir: string;
  #nextHost = 10;
  #probeTimer: NodeJS.Timeout | undefined;
  #latest = new Map<string, V1Pod>();

  constructor(private readonly o: KubeletOptions) {
    this.nodeName = o.nodeName ?? 'sim-node-0';
    this.#core = o.kubeConfig.makeApiClient(CoreV1Api);
    this.#subnet = o.subnet ?? 10 + (process.pid % 200);
    this.#logDir = o.logDir ?? '/tmp';
    mkdirSync(this.#logDir, { recursive: true });
    this.#watch = new ResilientWatch<V1Pod>({
      kubeConfig: o.kubeConfig, clock: systemClock, logger: pino({ level: 'silent' }), path: '/api/v1/pods',
      list: async (signal) => {
        const list = await this.#core.listPodForAllNamespaces({}, callOptions({ timeoutMs: 10_000, signal }));
        return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
      },
      onSync: (items) => items.forEach((p) => this.#enqueue(p)),
      onEvent: (type, pod) => (type === 'DELETED' ? this.#enqueueGone(pod) : this.#enqueue(pod)),
    });
  }

  async start(): Promise<void> {
    await this.#core.createNode({ body: { metadata: { name: this.nodeName, labels: { 'kubernetes.io/hostname': this.nodeName } } } }).catch((e: { code?: number }) => {
      if (e.code !== 409) throw e;
    });
    this.#watch.start();
    this.#probeTimer = setInterval(() => void this.#probeAll(), this.o.probePeriodMs ?? 500);
  }

  async stop(): Promise<void> {
    clearInterval(this.#probeTimer);
    await this.#watch.stop();
    for (const state of this.#pods.values()) state.stopping = true; // nothing is started again
    await Promise.all([...this.#pods.values()].map((s) => stopContainers(s.containers, 2000)));
  }

  /** Forces a pod not ready (or lets its probe decide again). */
  setNotReady(namespace: string, name: string, notReady: boolean): void {
    const state = this.#pods.get(`${namespace}/${name}`);
    if (state) state.forcedNotReady = notReady;
  }

  /** The pid of the running instance of a pod's container; undefined while it is not running. */
  containerPid(namespace: string, name: string, container: string): number | undefined {
    const running = this.#pods.get(`${namespace}/${name}`)?.containers.filter((c) => c.name === container && c.child.exitCode === null && c.child.signalCode === null);
    return running?.at(-1)?.child.pid;
  }

  ipOf(namespace: string, name: string): string | undefined {
    return this.#pods.get(`${namespace}/${name}`)?.ip;
  }

  #enqueue(pod: V1Pod): void {
    const key = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
    this.#latest.set(key, pod);
    this.#serialize(key, () => this.#sync(key));
  }

  #enqueueGone(pod: V1Pod): void {
    const key = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
    this.#latest.delete(key);
    this.#serialize(key, async () => {
      const state = this.#pods.get(key);
      if (state) state.stopping = true;
      if (state) await stopContainers(state.containers, 1000);
      this.#pods.delete(key);
    });
  }

  #serialize(key: string, work: () => Promise<void>): void {
    const next = (this.#queues.get(key) ?? Promise.resolve()).then(work).catch(() => undefined);
    this.#queues.set(key, next);
  }

  async #sync(key: string): Promise<void> {
    const pod = this.#latest.get(key);
    if (!pod?.metadata?.name || !pod.metadata.namespace) return;
    const { name, namespace } = pod.metadata;
    if (pod.metadata.deletionTimestamp) return this.#terminate(key, pod);
    if (!pod.spec?.nodeName) {
      await this.#core.createNamespacedBinding({
        namespace, body: { metadata: { name }, target: { apiVersion: 'v1', kind: 'Node', name: this.nodeName } },
      }).catch(() => undefined);
      return;
    }
    if (pod.spec.nodeName !== this.nodeName || this.#pods.has(key)) return;
    const state: PodState = {
      ip: this.#allocateIp(), containers: [], ready: undefined, forcedNotReady: false, probing: false, stopping: false,
      instances: new ContainerInstances(), writing: Promise.resolve(),
    };
    this.#pods.set(key, state);
    const hasProbe = probedContainers(pod).some((c) => c.readinessProbe?.httpGet);
    await this.#writeStatus(pod, state, !hasProbe);
    const running = { ...pod, status: { ...pod.status, podIP: state.ip, hostIP: '127.0.0.1' } };
    const runners = this.o.runners ?? {};
    const runs = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].some((c) => runners[repository(c.image ?? '')]);
    const files = runs ? await preparePodFiles(this.o.kubeConfig, running, join(this.#logDir, name), state.ip) : undefined;
    // Not awaited: a sidecar's startup probe may take a while, and the pod's queue must stay free for its deletion.
    void startInOrder(running, {
      start: (c) => this.#run(running, c, state, files),
      probe: (probe) => httpProbe(probe, state.ip),
      stopping: () => state.stopping,
      probeEveryMs: Math.min(this.o.probePeriodMs ?? 500, 500),
    }).then((why) => {
      // The pod's log folder tells a failing test why its app containers never started.
      if (why) appendFileSync(join(this.#logDir, `${name}.kubelet.log`), `${new Date().toISOString()} ${why}\n`);
    });
  }

  /** Starts one container and follows it: its exit is reported, and it is started again when the kubelet would. */
  #run(pod: V1Pod, c: V1Container, state: PodState, files: PodFiles | undefined): ReturnType<typeof startContainer> {
    const started = startContainer(pod, c, this.o.runners ?? {}, this.#logDir, files);
    if (!started) return undefined;
    const sidecar = isSidecar(c);
    const entry = { ...started, sidecar };
    state.containers.push(entry);
    state.instances.started(c.name);
    if (state.ready !== undefined) void this.#writeStatus(pod, state, state.ready).catch(() => undefined);
    started.child.once('exit', (code, signal) => {
      state.instances.exited(c.name, code, signal);
      const { namespace = '', name = '' } = pod.metadata ?? {};
      this.o.onContainerExit?.({ namespace, pod: name, container: c.name, pid: started.child.pid ?? -1, code, signal, at: Date.now() });
      void this.#writeStatus(pod, state, false).catch(() => undefined);
      const regularInit = (pod.spec?.initContainers ?? []).includes(c) && !sidecar;
      if (state.stopping || regularInit || !restarts(pod.spec?.restartPolicy, c, sidecar, code)) return;
      setTimeout(() => {
        if (state.stopping) return;
        state.containers.splice(state.containers.indexOf(entry), 1);
        this.#run(pod, c, state, files);
      }, Math.min(restartDelayMs(state.instances.restartCount(c.name)), this.o.maxRestartDelayMs ?? Infinity)).unref();
    });
    return started;
  }

  async #terminate(key: string, pod: V1Pod): Promise<void> {
    const state = this.#pods.get(key);
    if (state && !state.stopping) {
      state.stopping = true;
      const graceMs = (pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
      const started = performance.now();
      await this.#preStop(pod, state).catch(() => undefined);
      // App containers first; native sidecars after them, last started first stopped (KEP-753).
      await stopContainers(state.containers.filter((c) => !c.sidecar), graceMs);
      for (const sidecar of state.containers.filter((c) => c.sidecar).reverse()) {
        await stopContainers([sidecar], Math.max(2_000, graceMs - (performance.now() - started)));
      }
      // Like the kubelet, report the containers terminated before the pod object goes.
      await this.#writeStatus(pod, state, false).catch(() => undefined);
    }
    await this.#core
      .deleteNamespacedPod({ name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? '', gracePeriodSeconds: 0 })
      .catch(() => undefined);
  }

  async #preStop(pod: V1Pod, state: PodState): Promise<void> {
    for (const c of probedContainers(pod)) {
      const hook = c.lifecycle?.preStop?.httpGet;
      if (!hook) continue;
      const port = typeof hook.port === 'number' ? hook.port : Number(hook.port);
      await fetch(`http://${hook.host ?? state.ip}:${port}${hook.path ?? '/'}`, { signal: AbortSignal.timeout(60_000) }).catch(() => undefined);
    }
  }

  async #probeAll(): Promise<void> {
    for (const [key, state] of this.#pods) {
      const pod = this.#latest.get(key);
      if (!pod || state.probing || state.stopping) continue;
      state.probing = true;
      const ready = !state.forcedNotReady && (await probeReady(pod, state.ip));
      if (ready !== state.ready) await this.#writeStatus(pod, state, ready).catch(() => undefined);
      state.probing = false;
    }
  }

  #writeStatus(pod: V1Pod, state: PodState, ready: boolean): Promise<void> {
    state.ready = ready;
    const write = state.writing.then(() => this.#patchStatus(pod, state, ready));
    state.writing = write.catch(() => undefined);
    return write;
  }

  async #patchStatus(pod: V1Pod, state: PodState, ready: boolean): Promise<void> {
    const now = new Date().toISOString();
    const flag = ready ? 'True' : 'False';
    await this.#core.patchNamespacedPodStatus(
      {
        name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? '',
        body: {
          status: {
            phase: 'Running', hostIP: '127.0.0.1', podIP: state.ip, podIPs: [{ ip: state.ip }], startTime: pod.status?.startTime ?? now,
            conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({
              type, status: type === 'Ready' || type === 'ContainersReady' ? flag : 'True', lastTransitionTime: now,
            })),
            containerStatuses: (pod.spec?.containers ?? []).map((c) => state.instances.status(c, ready) ?? {
              name: c.name, image: c.image ?? '', imageID: '', ready, restartCount: 0, started: true, state: { running: { startedAt: now } },
            }),
            // Approximate, like the rest: native sidecars run, regular init containers have completed.
            ...(pod.spec?.initContainers?.length ? {
              initContainerStatuses: pod.spec.initContainers.map((c) => (isSidecar(c) ? state.instances.status(c, ready) : undefined) ?? {
                name: c.name, image: c.image ?? '', imageID: '', restartCount: 0,
                ...(isSidecar(c) ? { ready, started: true, state: { running: { startedAt: now } } } : { ready: true, started: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } }),
              }),
            } : {}),
          },
        },
      },
      callOptions({ timeoutMs: 10_000, contentType: PatchStrategy.StrategicMergePatch }),
    );
  }

  #allocateIp(): string {
    const used = new Set([...this.#pods.values()].map((s) => s.ip));
    for (let i = 0; i < 240; i++) {
      const host = 10 + ((this.#nextHost - 10 + i) % 240);
      const ip = `127.${this.#subnet}.0.${host}`;
      if (!used.has(ip)) {
        this.#nextHost = host + 1;
        return ip;
      }
    }
    throw new Error('simulated kubelet ran out of pod IPs');
  }
}
