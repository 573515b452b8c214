import type { KubeConfig, V1ContainerStatus, V1ContainerStateTerminated, V1Pod, V1PodList } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.js';
import { seg, type KubeApi } from './request.js';
import { toKubeError } from './errors.js';
import { WatchCache } from './watch-cache.js';
import { DRAINING_ANNOTATION, type PodFacts } from '../membership/state.js';
import type { PodAnnotations, PodReading } from '../scaling/pod-marks.js';
import { MEMBER_LABEL, PUBLIC_ADDRESS_ANNOTATION } from '../exposure/ports.js';
import type { ContainerFacts, EndedInstance, PodProcessFacts } from '../election/proof.js';

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
    ...exposureFacts(pod),
    process: processFacts(pod),
  };
}

/** What spec.exposure reads of a pod, only where the pod carries it (so pods without exposure compare as before). */
function exposureFacts(pod: V1Pod): Pick<PodFacts, 'hostIp' | 'memberLabel' | 'publicAddress'> {
  const hostIp = pod.status?.hostIP;
  const memberLabel = pod.metadata?.labels?.[MEMBER_LABEL];
  const publicAddress = pod.metadata?.annotations?.[PUBLIC_ADDRESS_ANNOTATION];
  return { ...(hostIp ? { hostIp } : {}), ...(memberLabel ? { memberLabel } : {}), ...(publicAddress ? { publicAddress } : {}) };
}

/** The kubelet's report on the pod's containers, native sidecars (init containers) included. */
export function processFacts(pod: V1Pod): PodProcessFacts {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  return { name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '', deleting: Boolean(pod.metadata?.deletionTimestamp), containers: statuses.map(containerFacts) };
}

function containerFacts(s: V1ContainerStatus): ContainerFacts {
  const ended = (t: V1ContainerStateTerminated | undefined, fallbackId: string): EndedInstance | undefined =>
    t ? { containerId: t.containerID ?? fallbackId, finishedAt: time(t.finishedAt) } : undefined;
  const id = s.containerID ?? '';
  return {
    name: s.name,
    containerId: id,
    restartCount: Number.isInteger(s.restartCount) ? s.restartCount : 0,
    runningSince: s.state?.running ? time(s.state.running.startedAt) : undefined,
    // state.terminated is the instance status.containerID names; lastState's names its own, or none.
    terminated: ended(s.state?.terminated, id),
    lastTerminated: ended(s.lastState?.terminated, ''),
  };
}

function time(value: unknown): Date | undefined {
  if (value === undefined || value === null) return undefined;
  const date = new Date(value as string | Date);
  return Number.isNaN(date.getTime()) ? undefined : date;
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
  readonly #cache: WatchCache<V1Pod, PodFacts>;

  constructor(o: PodWatchOptions) {
    this.#cache = new WatchCache<V1Pod, PodFacts>({
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
      project: podFacts,
      onChange: () => o.onChange(this.pods()),
    });
  }

  get stats(): WatchCache<V1Pod, PodFacts>['stats'] {
    return this.#cache.stats;
  }

  /** Ordered by name (the cache key). */
  pods(): PodFacts[] {
    return this.#cache.values();
  }

  start(): void {
    this.#cache.start();
  }

  stop(): Promise<void> {
    return this.#cache.stop();
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

  /** This pod's own labels (spec.exposure's member label), conditional on `version` as annotate is. */
  label(pod: string, labels: Record<string, string | null>, version: string, signal?: AbortSignal): Promise<void> {
    return this.#patchMetadata(pod, 'label', { labels }, version, signal);
  }

  /** A merge patch with metadata.resourceVersion = `version`: the API server applies it only at that version. */
  annotate(pod: string, annotations: Record<string, string | null>, version: string, signal?: AbortSignal): Promise<void> {
    return this.#patchMetadata(pod, 'annotate', { annotations }, version, signal);
  }

  async #patchMetadata(pod: string, what: string, change: Record<string, unknown>, version: string, signal?: AbortSignal): Promise<void> {
    if (version === '') throw new Error(`refusing an unconditional write to Pod ${this.namespace}/${pod}: no resourceVersion`);
    try {
      await this.api.mergePatch(this.#path(pod), { metadata: { resourceVersion: version, ...change } }, { timeoutMs: this.timeoutMs, signal });
    } catch (err) {
      throw toKubeError(err, `${what} Pod ${this.namespace}/${pod}`);
    }
  }
}
