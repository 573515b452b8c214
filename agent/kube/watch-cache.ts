import { ResilientWatch, type KubeObject, type ResilientWatchOptions } from './watch.js';

export interface WatchCacheOptions<T extends KubeObject, V> extends Omit<ResilientWatchOptions<T>, 'onSync' | 'onEvent'> {
  /** What is kept per object; the raw object when the consumer needs all of it. */
  readonly project: (object: T) => V;
  /** The map key; metadata.name by default (every cache here watches one namespace). */
  readonly keyOf?: (object: T) => string;
  /**
   * Called after every list and every ADDED, MODIFIED or DELETED event (even
   * one that left the cache as it was), once the cache already holds it.
   */
  readonly onChange: () => void;
}

const byName = (object: KubeObject): string => object.metadata?.name ?? '';

/**
 * The objects of one collection, kept current by a ResilientWatch: a list
 * replaces the whole map (the first one, and every relist after 410 Gone),
 * ADDED and MODIFIED set an entry, DELETED removes it. The pod, VnfCluster
 * and Lease watches are all this with their own projection.
 */
export class WatchCache<T extends KubeObject, V> {
  readonly #entries = new Map<string, V>();
  readonly #watch: ResilientWatch<T>;
  #synced = false;

  constructor(options: WatchCacheOptions<T, V>) {
    const { project, keyOf = byName, onChange, ...watch } = options;
    this.#watch = new ResilientWatch<T>({
      ...watch,
      onSync: (items) => {
        this.#entries.clear();
        for (const object of items) this.#entries.set(keyOf(object), project(object));
        this.#synced = true;
        onChange();
      },
      onEvent: (type, object) => {
        if (type === 'DELETED') this.#entries.delete(keyOf(object));
        else this.#entries.set(keyOf(object), project(object));
        onChange();
      },
    });
  }

  /** True once a full list has been applied. */
  get synced(): boolean {
    return this.#synced;
  }

  get stats(): ResilientWatch<T>['stats'] {
    return this.#watch.stats;
  }

  get(key: string): V | undefined {
    return this.#entries.get(key);
  }

  /** Every entry, ordered by key so consumers and logs see a stable order. */
  values(): V[] {
    return [...this.#entries].sort(([a], [b]) => a.localeCompare(b)).map(([, value]) => value);
  }

  start(): void {
    this.#watch.start();
  }

  stop(): Promise<void> {
    return this.#watch.stop();
  }
}
