import { clone, type KubeObject } from './objects.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** How much change history watches can resume from; older resourceVersions get 410 Expired. */
export interface Retention {
  readonly maxEvents: number;
  /** Age limit, like etcd's periodic compaction (the real default is 5 minutes). */
  readonly maxAgeMs?: number;
  /** Monotonic milliseconds, for the age limit. */
  readonly nowMs: () => number;
}

/** One persisted change, as watchers and controllers see it. */
export interface StoreEvent {
  readonly rv: number;
  readonly type: EventType;
  /** storageKey of the resource: `group/plural`. */
  readonly resource: string;
  readonly object: KubeObject;
  /** The state before a MODIFIED, so selector-filtered watches can see objects enter and leave. */
  readonly previous?: KubeObject;
}

export type StoreListener = (event: StoreEvent) => void;

/**
 * The object database: one global resourceVersion counter (like etcd's
 * revision), a bounded history of changes for watches, and synchronous
 * listeners. Everything is in memory and single-threaded, so a snapshot
 * plus a subscription taken in the same tick never miss an event.
 */
export class ObjectStore {
  #revision = 0;
  #compactedRevision = 0;
  #objects = new Map<string, KubeObject>();
  #history: { event: StoreEvent; atMs: number }[] = [];
  #listeners = new Set<StoreListener>();

  constructor(private readonly retention: Retention) {}

  revision(): number {
    return this.#revision;
  }

  /** Watches from a resourceVersion below this get 410 Expired. */
  compactedRevision(): number {
    this.#compactByAge();
    return this.#compactedRevision;
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.#objects.get(key(resource, namespace, name));
    return found ? clone(found) : undefined;
  }

  /** Objects of one resource, optionally in one namespace, ordered by namespace then name. */
  list(resource: string, namespace?: string): KubeObject[] {
    const prefix = namespace === undefined ? `${resource}|` : `${resource}|${namespace}|`;
    return [...this.#objects.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, obj]) => clone(obj));
  }

  /** Persists a new or changed object under the next resourceVersion and tells everyone. */
  put(resource: string, object: KubeObject): KubeObject {
    const k = key(resource, object.metadata.namespace, object.metadata.name ?? '');
    const previous = this.#objects.get(k);
    const stored = clone(object);
    stored.metadata.resourceVersion = String(++this.#revision);
    this.#objects.set(k, stored);
    this.#record({ rv: this.#revision, type: previous ? 'MODIFIED' : 'ADDED', resource, object: stored, ...(previous ? { previous } : {}) });
    return clone(stored);
  }

  /** Removes an object; the DELETED event carries the last state under the deletion's resourceVersion. */
  remove(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const k = key(resource, namespace, name);
    const previous = this.#objects.get(k);
    if (!previous) return undefined;
    this.#objects.delete(k);
    const last = clone(previous);
    last.metadata.resourceVersion = String(++this.#revision);
    this.#record({ rv: this.#revision, type: 'DELETED', resource, object: last, previous });
    return clone(last);
  }

  /** Changes after `rv`, or undefined when some of them were already compacted away. */
  eventsAfter(rv: number): StoreEvent[] | undefined {
    this.#compactByAge();
    if (rv < this.#compactedRevision) return undefined;
    return this.#history.filter((h) => h.event.rv > rv).map((h) => h.event);
  }

  /** Forgets all history, as an etcd compaction does; older watches then get 410. */
  compact(): void {
    this.#history = [];
    this.#compactedRevision = this.#revision;
  }

  subscribe(listener: StoreListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #record(event: StoreEvent): void {
    this.#history.push({ event, atMs: this.retention.nowMs() });
    while (this.#history.length > this.retention.maxEvents) this.#compactedRevision = this.#history.shift()!.event.rv;
    this.#compactByAge();
    for (const listener of [...this.#listeners]) listener(event);
  }

  #compactByAge(): void {
    const { maxAgeMs } = this.retention;
    if (maxAgeMs === undefined) return;
    const oldest = this.retention.nowMs() - maxAgeMs;
    while (this.#history.length > 0 && this.#history[0]!.atMs < oldest) this.#compactedRevision = this.#history.shift()!.event.rv;
    // With no history left, everything up to now is compacted (etcd compacts to its current revision).
    if (this.#history.length === 0) this.#compactedRevision = this.#revision;
  }
}

function key(resource: string, namespace: string | undefined, name: string): string {
  return `${resource}|${namespace ?? ''}|${name}`;
}
