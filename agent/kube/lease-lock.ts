import type { KubeConfig, V1Lease, V1LeaseList } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.js';
import { LockConflictError, LockNotFoundError, type LeaderRecord, type LeaseLock, type VersionedRecord } from '../election/lock.js';
import { seg, type KubeApi } from './request.js';
import { toKubeError } from './errors.js';
import { microTime } from './micro-time.js';
import { parseTermProcess } from '../election/term-process.js';
import { WatchCache } from './watch-cache.js';

export interface LeaseLockOptions {
  readonly api: KubeApi;
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

/** The spec as sent: MicroTime strings, where the model type says Date (the generated serializer converted them). */
type LeaseSpecWire = Omit<NonNullable<V1Lease['spec']>, 'acquireTime' | 'renewTime'> & { acquireTime?: string; renewTime?: string };
const micro = (date: Date | undefined): string | undefined => (date ? microTime(date) : undefined);
const parseTime = (value: unknown): Date | undefined => {
  if (value === undefined || value === null) return undefined;
  const date = new Date(value as string | Date);
  return Number.isNaN(date.getTime()) ? undefined : date;
};

/** The term's process (election/proof.ts), JSON, written with the term by the same conditional update. */
export const TERM_PROCESS_ANNOTATION = 'vnf-agent.dev/term-process';

function termProcessOf(lease: V1Lease): LeaderRecord['process'] {
  const raw = lease.metadata?.annotations?.[TERM_PROCESS_ANNOTATION];
  if (raw === undefined) return undefined;
  try {
    return parseTermProcess(JSON.parse(raw));
  } catch {
    return undefined;
  }
}

/**
 * A PUT replaces the metadata: the update carries the labels and annotations
 * of the Lease as last read (others may have set some), our own labels, and
 * the term record, which a record without a process clears (a release, a term
 * still unknown).
 */
function annotationsOf(record: LeaderRecord, kept: Record<string, string> = {}): Record<string, string> | undefined {
  const { [TERM_PROCESS_ANNOTATION]: _previousTerm, ...others } = kept;
  const annotations = record.process ? { ...others, [TERM_PROCESS_ANNOTATION]: JSON.stringify(record.process) } : others;
  return Object.keys(annotations).length > 0 ? annotations : undefined;
}

/** What a PUT must carry over from the Lease it replaces. */
interface KeptMetadata {
  readonly version: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

export function leaseToRecord(lease: V1Lease): VersionedRecord {
  const spec = lease.spec ?? {};
  const process = termProcessOf(lease);
  return {
    version: lease.metadata?.resourceVersion ?? '',
    record: {
      holderIdentity: spec.holderIdentity ?? '',
      leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
      acquireTime: parseTime(spec.acquireTime),
      renewTime: parseTime(spec.renewTime),
      leaseTransitions: spec.leaseTransitions ?? 0,
      ...(process ? { process } : {}),
    },
  };
}

function recordToSpec(record: LeaderRecord): LeaseSpecWire {
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
  /** The metadata of the newest Lease read, written or watched. */
  #kept: KeptMetadata | undefined;

  constructor(options: LeaseLockOptions) {
    this.#o = options;
  }

  describe(): string {
    return `${this.#o.namespace}/${this.#o.name}`;
  }

  async get(signal?: AbortSignal): Promise<VersionedRecord> {
    try {
      return this.#remember(await this.#o.api.get<V1Lease>(this.#path(this.#o.name), this.#call(signal)));
    } catch (err) {
      throw this.#mapped(err, 'get');
    }
  }

  async create(record: LeaderRecord, signal?: AbortSignal): Promise<VersionedRecord> {
    const body = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.#o.name, namespace: this.#o.namespace, labels: this.#o.labels, annotations: annotationsOf(record) },
      spec: recordToSpec(record),
    };
    try {
      return this.#remember(await this.#o.api.create<V1Lease>(this.#path(), body, this.#call(signal)));
    } catch (err) {
      throw this.#mapped(err, 'create');
    }
  }

  async update(record: LeaderRecord, version: string, signal?: AbortSignal): Promise<VersionedRecord> {
    // Metadata of another version is not carried over: the server refuses that PUT anyway (409).
    const kept = this.#kept?.version === version ? this.#kept : undefined;
    const labels = { ...kept?.labels, ...this.#o.labels };
    const body = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.#o.name, namespace: this.#o.namespace, resourceVersion: version,
        ...(Object.keys(labels).length > 0 ? { labels } : {}), annotations: annotationsOf(record, kept?.annotations),
      },
      spec: recordToSpec(record),
    };
    try {
      return this.#remember(await this.#o.api.replace<V1Lease>(this.#path(this.#o.name), body, this.#call(signal)));
    } catch (err) {
      throw this.#mapped(err, 'update');
    }
  }

  watch(onChange: (current: VersionedRecord | undefined) => void): () => void {
    // The field selector leaves at most this one Lease in the cache; a DELETED empties it.
    const cache: WatchCache<V1Lease, VersionedRecord> = new WatchCache<V1Lease, VersionedRecord>({
      kubeConfig: this.#o.kubeConfig,
      clock: this.#o.clock,
      logger: this.#o.logger,
      path: `/apis/coordination.k8s.io/v1/namespaces/${this.#o.namespace}/leases`,
      fieldSelector: `metadata.name=${this.#o.name}`,
      list: async (signal) => {
        const list = await this.#o.api.get<V1LeaseList>(this.#path(), this.#call(signal), { fieldSelector: `metadata.name=${this.#o.name}` });
        return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
      },
      project: (lease) => this.#remember(lease),
      onChange: () => onChange(cache.get(this.#o.name)),
    });
    cache.start();
    return () => void cache.stop();
  }

  #remember(lease: V1Lease): VersionedRecord {
    const versioned = leaseToRecord(lease);
    this.#kept = { version: versioned.version, labels: lease.metadata?.labels ?? {}, annotations: lease.metadata?.annotations ?? {} };
    return versioned;
  }

  #path(name?: string): string {
    const collection = `/apis/coordination.k8s.io/v1/namespaces/${seg(this.#o.namespace)}/leases`;
    return name === undefined ? collection : `${collection}/${seg(name)}`;
  }

  #call(signal: AbortSignal | undefined): { timeoutMs: number; signal: AbortSignal | undefined } {
    return { timeoutMs: this.#o.timeoutMs, signal };
  }

  #mapped(err: unknown, verb: string): Error {
    const e = toKubeError(err, `${verb} Lease ${this.describe()}`);
    if (e.isNotFound) return new LockNotFoundError(e.message);
    if (e.isConflict) return new LockConflictError(e.message);
    return e;
  }
}
