import type { KubeConfig, V1Pod, V1PodList } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.js';
import { seg, type KubeApi } from './request.js';
import { toKubeError } from './errors.js';
import { ResilientWatch } from './watch.js';
import { DRAINING_ANNOTATION, type PodFacts } from '../membership/state.js';
import type { PodAnnotations, PodReading } from '../scaling/pod-marks.js';

export { DRAINING_ANNOTATION };
export type { PodFacts };

export function podFacts(pod: V1Pod): PodFacts {
  const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  const created = pod.metadata?.creationTimestamp as unknown;
  return {
    name: pod.metadata?.name ?? '',
    ip: pod.status?.podIP ?? '',
    ready,
    deleting: Boolean(pod.metadata?.deletionTimestamp),
    drainingAnnotation: pod.metadata?.annotations?.[DRAINING_ANNOTATION] === 'true',
    createdAt: created instanceof Date ? created.toISOString() : typeof created === 'string' ? created : '',
  };
}

export interface PodWatchOptions {
  readonly api: KubeApi;
  readonly kubeConfig: KubeConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly namespace: string;
  readonly labelSelector: string;
  readonly timeoutMs: number;
  readonly serverTimeoutSeconds?: number;
  readonly idleGraceMs?: number;
  readonly initialResourceVersion?: string;
  /** Called with the full current pod set after every change. */
  readonly onChange: (pods: readonly PodFacts[]) => void;
}

/** Keeps the current set of pods matching a selector, from a resilient list+watch. */
export class PodWatch {
  readonly #pods = new Map<string, PodFacts>();
  readonly #watch: ResilientWatch<V1Pod>;

  constructor(private readonly o: PodWatchOptions) {
    this.#watch = new ResilientWatch<V1Pod>({
      kubeConfig: o.kubeConfig,
      clock: o.clock,
      logger: o.logger,
      path: `/api/v1/namespaces/${o.namespace}/pods`,
      labelSelector: o.labelSelector,
      serverTimeoutSeconds: o.serverTimeoutSeconds,
      idleGraceMs: o.idleGraceMs,
      initialResourceVersion: o.initialResourceVersion,
      list: async (signal) => {
        const list = await o.api.get<V1PodList>(`/api/v1/namespaces/${seg(o.namespace)}/pods`, { timeoutMs: o.timeoutMs, signal }, { labelSelector: o.labelSelector });
        return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
      },
      onSync: (items) => {
        this.#pods.clear();
        for (const pod of items) this.#pods.set(pod.metadata?.name ?? '', podFacts(pod));
        this.#emit();
      },
      onEvent: (type, pod) => {
        const name = pod.metadata?.name ?? '';
        if (type === 'DELETED') this.#pods.delete(name);
        else this.#pods.set(name, podFacts(pod));
        this.#emit();
      },
    });
  }

  get stats(): ResilientWatch<V1Pod>['stats'] {
    return this.#watch.stats;
  }

  pods(): PodFacts[] {
    return [...this.#pods.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  start(): void {
    this.#watch.start();
  }

  stop(): Promise<void> {
    return this.#watch.stop();
  }

  #emit(): void {
    this.o.onChange(this.pods());
  }
}

/**
 * Pod annotation writes: the leaving mark and the deletion cost. There is no
 * unconditional write: `annotate` carries the resourceVersion `read` returned,
 * so a write decided on a pod that changed since loses with a 409 (KubeError
 * isConflict) instead of landing on a state nobody looked at.
 */
export class PodAnnotator implements PodAnnotations {
  constructor(
    private readonly api: KubeApi,
    private readonly namespace: string,
    private readonly timeoutMs: number,
  ) {}

  #path(pod: string): string {
    return `/api/v1/namespaces/${seg(this.namespace)}/pods/${seg(pod)}`;
  }

  /** A quorum read of the pod (not the watch cache); undefined when it does not exist. */
  async read(pod: string, signal?: AbortSignal): Promise<PodReading | undefined> {
    try {
      const read = await this.api.get<V1Pod>(this.#path(pod), { timeoutMs: this.timeoutMs, signal });
      return { facts: podFacts(read), annotations: { ...(read.metadata?.annotations ?? {}) }, version: read.metadata?.resourceVersion ?? '' };
    } catch (err) {
      const kubeErr = toKubeError(err, `read Pod ${this.namespace}/${pod}`);
      if (kubeErr.isNotFound) return undefined;
      throw kubeErr;
    }
  }

  /** A merge patch with metadata.resourceVersion = `version`: the API server applies it only at that version. */
  async annotate(pod: string, annotations: Record<string, string | null>, version: string, signal?: AbortSignal): Promise<void> {
    if (version === '') throw new Error(`refusing an unconditional write to Pod ${this.namespace}/${pod}: no resourceVersion`);
    try {
      await this.api.mergePatch(this.#path(pod), { metadata: { resourceVersion: version, annotations } }, { timeoutMs: this.timeoutMs, signal });
    } catch (err) {
      throw toKubeError(err, `annotate Pod ${this.namespace}/${pod}`);
    }
  }
}
