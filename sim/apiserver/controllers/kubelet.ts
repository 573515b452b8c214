import type { ServerContext } from '../context.js';
import { isObject, readPath, rfc3339Seconds, type KubeObject } from '../objects.js';
import { storageKey, type ResourceDef } from '../resources.js';
import { notFound } from '../status.js';
import { updateObject } from '../writes.js';
import { IpPool } from './ip-pool.js';

export interface KubeletOptions {
  /** The node every pod is bound to. */
  readonly nodeName?: string;
  /** Called once a pod is running with its IP: the playground starts the pod's processes here. */
  readonly onPodRunning?: (pod: KubeObject) => void;
  /**
   * Called when a pod starts terminating (SIGTERM time): the playground stops
   * the pod's processes. The pod disappears when the returned promise
   * settles or its grace period ends, whichever comes first; without a hook
   * it stays Terminating for the whole grace period.
   */
  readonly onPodStopping?: (pod: KubeObject) => Promise<void>;
}

const PODS = storageKey({ group: '', plural: 'pods' });

function podKey(pod: KubeObject): string {
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
}

/**
 * The simulated node agent (scheduler + kubelet in one): binds new pods to
 * one node, reports them Running with their own 127.0.0.x IP and Ready (or
 * not, on command), and finishes graceful deletions after the grace period.
 */
export class SimKubelet {
  readonly #ips = new IpPool();
  readonly #notReady = new Set<string>();
  readonly #terminating = new Map<string, AbortController>();
  readonly #queued = new Set<string>();
  readonly #nodeName: string;
  #unsubscribe: (() => void) | undefined;

  constructor(
    private readonly ctx: ServerContext,
    private readonly options: KubeletOptions = {},
  ) {
    this.#nodeName = options.nodeName ?? 'sim-node-0';
  }

  get nodeName(): string {
    return this.#nodeName;
  }

  start(): void {
    this.#unsubscribe = this.ctx.store.subscribe((event) => {
      if (event.resource !== PODS) return;
      const key = podKey(event.object);
      if (event.type === 'DELETED') return this.#forget(key);
      // Deferred: a write from inside a store callback would nest events.
      if (this.#queued.has(key)) return;
      this.#queued.add(key);
      setImmediate(() => {
        this.#queued.delete(key);
        this.#sync(event.object.metadata.namespace ?? '', event.object.metadata.name ?? '');
      });
    });
  }

  stop(): void {
    this.#unsubscribe?.();
    for (const controller of this.#terminating.values()) controller.abort();
    this.#terminating.clear();
  }

  /** Turns a pod's readiness on or off, as a failing or recovering readiness probe would. */
  setReady(namespace: string, name: string, ready: boolean): KubeObject {
    const key = `${namespace}/${name}`;
    if (ready) this.#notReady.delete(key);
    else this.#notReady.add(key);
    const pod = this.ctx.store.get(PODS, namespace, name);
    if (!pod) throw notFound({ group: '', plural: 'pods' }, name);
    if (readPath(pod, 'status.phase') !== 'Running') return pod;
    return this.#writeStatus(pod, this.#runningStatus(pod));
  }

  addressOf(namespace: string, name: string): string | undefined {
    return this.#ips.addressOf(`${namespace}/${name}`);
  }

  #podDef(): ResourceDef {
    return this.ctx.registry.find('', 'v1', 'pods')!;
  }

  #forget(key: string): void {
    this.#ips.release(key);
    this.#notReady.delete(key);
    this.#terminating.get(key)?.abort();
    this.#terminating.delete(key);
  }

  #sync(namespace: string, name: string): void {
    const pod = this.ctx.store.get(PODS, namespace, name);
    if (!pod) return;
    if (pod.metadata.deletionTimestamp) return this.#terminate(pod);
    if (!readPath(pod, 'spec.nodeName')) {
      pod.spec = { ...(isObject(pod.spec) ? pod.spec : {}), nodeName: this.#nodeName };
      this.ctx.store.put(PODS, pod);
      return;
    }
    if (readPath(pod, 'status.phase') === 'Pending') {
      const running = this.#writeStatus(pod, this.#runningStatus(pod));
      this.options.onPodRunning?.(running);
    }
  }

  #runningStatus(pod: KubeObject): Record<string, unknown> {
    const ready = !this.#notReady.has(podKey(pod));
    const now = rfc3339Seconds(this.ctx.clock.wallTime());
    const previous = isObject(pod.status) ? pod.status : {};
    const oldConditions = Array.isArray(previous.conditions) ? (previous.conditions as Record<string, unknown>[]) : [];
    const condition = (type: string, status: boolean) => {
      const text = status ? 'True' : 'False';
      const old = oldConditions.find((c) => c.type === type);
      // lastTransitionTime moves only when the status flips, as the real kubelet reports it.
      const since = old?.status === text ? old.lastTransitionTime : now;
      return { type, status: text, lastProbeTime: null, lastTransitionTime: since };
    };
    const ip = this.#ips.allocate(podKey(pod));
    const startedAt = typeof previous.startTime === 'string' ? previous.startTime : now;
    const containers = (readPath(pod, 'spec.containers') as Record<string, unknown>[] | undefined) ?? [];
    return {
      ...previous,
      phase: 'Running',
      conditions: [
        condition('PodReadyToStartContainers', true),
        condition('Initialized', true),
        condition('Ready', ready),
        condition('ContainersReady', ready),
        condition('PodScheduled', true),
      ],
      hostIP: '127.0.0.1',
      hostIPs: [{ ip: '127.0.0.1' }],
      podIP: ip,
      podIPs: [{ ip }],
      startTime: startedAt,
      containerStatuses: containers.map((c) => ({
        name: c.name,
        image: c.image,
        imageID: '',
        containerID: `sim://${pod.metadata.uid ?? ''}/${String(c.name)}`,
        ready,
        started: true,
        restartCount: 0,
        state: { running: { startedAt } },
      })),
    };
  }

  #writeStatus(pod: KubeObject, status: Record<string, unknown>): KubeObject {
    const name = pod.metadata.name ?? '';
    return updateObject(this.ctx, this.#podDef(), pod.metadata.namespace, name, { ...pod, status }, 'status', { dryRun: false });
  }

  /** SIGTERM, then wait for the hook or the grace period, then the final removal (a grace-0 delete). */
  #terminate(pod: KubeObject): void {
    const key = podKey(pod);
    if (this.#terminating.has(key)) return;
    const stopper = new AbortController();
    this.#terminating.set(key, stopper);
    const graceMs = (pod.metadata.deletionGracePeriodSeconds ?? 30) * 1000;
    const hook = this.options.onPodStopping;
    const stopped = hook ? hook(pod).catch(() => undefined) : new Promise<void>(() => undefined);
    const graceOver = this.ctx.clock.sleep(graceMs, stopper.signal);
    Promise.race([stopped, graceOver]).then(
      () => {
        stopper.abort();
        const current = this.ctx.store.get(PODS, pod.metadata.namespace, pod.metadata.name ?? '');
        if (current?.metadata.uid === pod.metadata.uid) this.ctx.store.remove(PODS, pod.metadata.namespace, pod.metadata.name ?? '');
      },
      () => undefined,
    );
  }
}
