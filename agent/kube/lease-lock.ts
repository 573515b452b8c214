import { V1MicroTime, type CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.js';
import { LockConflictError, LockNotFoundError, type LeaderRecord, type LeaseLock, type VersionedRecord } from '../election/lock.js';
import { kubeCall } from './request.js';
import { toKubeError } from './errors.js';
import { ResilientWatch } from './watch.js';

export interface LeaseLockOptions {
  readonly coordination: CoordinationV1Api;
  readonly kubeConfig: KubeConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly namespace: string;
  readonly name: string;
  /** Every call's deadline; keep it below the renew deadline. */
  readonly timeoutMs: number;
  /** Labels put on the Lease when this lock creates it. */
  readonly labels?: Record<string, string>;
}

/** MicroTime needs exactly 6 fractional digits; a plain Date would send 3 and be rejected. */
const micro = (date: Date | undefined): V1MicroTime | undefined => (date ? new V1MicroTime(date.getTime()) : undefined);
const parseTime = (value: unknown): Date | undefined => {
  if (value === undefined || value === null) return undefined;
  const date = new Date(value as string | Date);
  return Number.isNaN(date.getTime()) ? undefined : date;
};

export function leaseToRecord(lease: V1Lease): VersionedRecord {
  const spec = lease.spec ?? {};
  return {
    version: lease.metadata?.resourceVersion ?? '',
    record: {
      holderIdentity: spec.holderIdentity ?? '',
      leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
      acquireTime: parseTime(spec.acquireTime),
      renewTime: parseTime(spec.renewTime),
      leaseTransitions: spec.leaseTransitions ?? 0,
    },
  };
}

function recordToSpec(record: LeaderRecord): V1Lease['spec'] {
  return {
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds,
    acquireTime: micro(record.acquireTime),
    renewTime: micro(record.renewTime),
    leaseTransitions: record.leaseTransitions,
  };
}

/**
 * The election lock as a coordination.k8s.io/v1 Lease. Updates are PUTs that
 * carry the resourceVersion the elector read, so the API server itself
 * rejects a stale writer with 409.
 */
export class KubeLeaseLock implements LeaseLock {
  readonly #o: LeaseLockOptions;

  constructor(options: LeaseLockOptions) {
    this.#o = options;
  }

  describe(): string {
    return `${this.#o.namespace}/${this.#o.name}`;
  }

  async get(signal?: AbortSignal): Promise<VersionedRecord> {
    try {
      const lease = await kubeCall({ timeoutMs: this.#o.timeoutMs, signal, clock: this.#o.clock }, (call) =>
        this.#o.coordination.readNamespacedLease({ name: this.#o.name, namespace: this.#o.namespace }, call),
      );
      return leaseToRecord(lease);
    } catch (err) {
      throw this.#mapped(err, 'get');
    }
  }

  async create(record: LeaderRecord, signal?: AbortSignal): Promise<VersionedRecord> {
    const body: V1Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.#o.name, namespace: this.#o.namespace, labels: this.#o.labels },
      spec: recordToSpec(record),
    };
    try {
      const lease = await kubeCall({ timeoutMs: this.#o.timeoutMs, signal, clock: this.#o.clock }, (call) =>
        this.#o.coordination.createNamespacedLease({ namespace: this.#o.namespace, body }, call),
      );
      return leaseToRecord(lease);
    } catch (err) {
      throw this.#mapped(err, 'create');
    }
  }

  async update(record: LeaderRecord, version: string, signal?: AbortSignal): Promise<VersionedRecord> {
    const body: V1Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.#o.name, namespace: this.#o.namespace, resourceVersion: version },
      spec: recordToSpec(record),
    };
    try {
      const lease = await kubeCall({ timeoutMs: this.#o.timeoutMs, signal, clock: this.#o.clock }, (call) =>
        this.#o.coordination.replaceNamespacedLease({ name: this.#o.name, namespace: this.#o.namespace, body }, call),
      );
      return leaseToRecord(lease);
    } catch (err) {
      throw this.#mapped(err, 'update');
    }
  }

  watch(onChange: (current: VersionedRecord | undefined) => void): () => void {
    const watcher = new ResilientWatch<V1Lease>({
      kubeConfig: this.#o.kubeConfig,
      clock: this.#o.clock,
      logger: this.#o.logger,
      path: `/apis/coordination.k8s.io/v1/namespaces/${this.#o.namespace}/leases`,
      fieldSelector: `metadata.name=${this.#o.name}`,
      list: async (signal) => {
        const list = await kubeCall({ timeoutMs: this.#o.timeoutMs, signal, clock: this.#o.clock }, (call) =>
          this.#o.coordination.listNamespacedLease({ namespace: this.#o.namespace, fieldSelector: `metadata.name=${this.#o.name}` }, call),
        );
        return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
      },
      onSync: (items) => onChange(items[0] ? leaseToRecord(items[0]) : undefined),
      onEvent: (type, lease) => onChange(type === 'DELETED' ? undefined : leaseToRecord(lease)),
    });
    watcher.start();
    return () => void watcher.stop();
  }

  #mapped(err: unknown, verb: string): Error {
    const e = toKubeError(err, `${verb} Lease ${this.describe()}`);
    if (e.isNotFound) return new LockNotFoundError(e.message);
    if (e.isConflict) return new LockConflictError(e.message);
    return e;
  }
}
