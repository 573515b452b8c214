import type { ServerResponse } from 'node:http';
import type { ServerContext } from './context.js';
import type { KubeObject } from './objects.js';
import { groupVersion, present, storageKey, type ResourceDef } from './resources.js';
import type { Selector } from './selectors.js';
import type { ClientIdentity } from './faults.js';
import { expired } from './status.js';
import type { StoreEvent } from './store.js';

export interface WatchRequest {
  readonly def: ResourceDef;
  readonly namespace: string | undefined;
  readonly matches: Selector;
  readonly resourceVersion: string | undefined;
  readonly allowBookmarks: boolean;
  readonly sendInitialEvents: boolean;
  readonly timeoutMs: number;
  /** Who is watching, for partition faults. */
  readonly identity: ClientIdentity;
}

type WireType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

interface ActiveWatch {
  readonly identity: ClientIdentity;
  readonly res: ServerResponse;
  stop(): void;
}

/** Turns a store event into what a selector-filtered watch shows: objects entering the selection are ADDED, leaving are DELETED. */
function translate(event: StoreEvent, req: WatchRequest): { type: WireType; object: KubeObject } | undefined {
  if (event.resource !== storageKey(req.def)) return undefined;
  if (req.namespace !== undefined && event.object.metadata.namespace !== req.namespace) return undefined;
  const object = present(req.def, event.object);
  const now = req.matches(object);
  if (event.type !== 'MODIFIED') return now ? { type: event.type, object } : undefined;
  const before = event.previous !== undefined && req.matches(present(req.def, event.previous));
  if (now) return { type: before ? 'MODIFIED' : 'ADDED', object };
  return before ? { type: 'DELETED', object } : undefined;
}

/**
 * Serves `?watch=true` as chunked newline-delimited JSON and keeps track of
 * every open watch, so faults can drop or stall them.
 */
export class WatchHub {
  #active = new Set<ActiveWatch>();

  constructor(
    private readonly ctx: ServerContext,
    private readonly bookmarkIntervalMs: number,
    private readonly isStalled: (identity: ClientIdentity) => boolean,
  ) {}

  get count(): number {
    return this.#active.size;
  }

  /** Cuts every open watch without a clean end, as a dying connection would. */
  dropAll(filter: (identity: ClientIdentity) => boolean = () => true): number {
    let dropped = 0;
    for (const watch of [...this.#active]) {
      if (!filter(watch.identity)) continue;
      watch.stop();
      watch.res.socket?.destroy();
      dropped++;
    }
    return dropped;
  }

  serve(req: WatchRequest, res: ServerResponse): void {
    const served = groupVersion(req.def);
    const write = (type: WireType, object: KubeObject): void => {
      if (this.isStalled(req.identity)) return;
      res.write(`${JSON.stringify({ type, object: { ...object, apiVersion: object.kind === 'Status' ? 'v1' : served } })}\n`);
    };
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    const backlog = this.#backlog(req);
    if (backlog === 'expired') {
      const rv = req.resourceVersion ?? '0';
      const status = expired(`too old resource version: ${rv} (${this.ctx.store.compactedRevision() + 1})`).toStatus();
      write('ERROR', status as unknown as KubeObject);
      res.end();
      return;
    }
    for (const event of backlog) write(event.type, event.object);
    if (req.sendInitialEvents && req.allowBookmarks) write('BOOKMARK', this.#bookmark(req.def, true));
    this.#follow(req, res, write);
  }

  #backlog(req: WatchRequest): { type: WireType; object: KubeObject }[] | 'expired' {
    const rv = req.resourceVersion;
    if (rv === undefined || rv === '' || rv === '0' || req.sendInitialEvents) {
      const objects = this.ctx.store.list(storageKey(req.def), req.def.namespaced ? req.namespace : undefined);
      return objects.map((o) => present(req.def, o)).filter((o) => req.matches(o)).map((object) => ({ type: 'ADDED' as const, object }));
    }
    const events = this.ctx.store.eventsAfter(Number(rv));
    if (events === undefined) return 'expired';
    return events.map((e) => translate(e, req)).filter((e) => e !== undefined);
  }

  #bookmark(def: ResourceDef, initialEnd: boolean): KubeObject {
    const metadata = { resourceVersion: String(this.ctx.store.revision()) };
    return {
      kind: def.kind,
      apiVersion: groupVersion(def),
      metadata: initialEnd ? { ...metadata, annotations: { 'k8s.io/initial-events-end': 'true' } } : metadata,
    };
  }

  #follow(req: WatchRequest, res: ServerResponse, write: (type: WireType, object: KubeObject) => void): void {
    const stopper = new AbortController();
    const unsubscribe = this.ctx.store.subscribe((event) => {
      const shown = translate(event, req);
      if (shown) write(shown.type, shown.object);
    });
    const watch: ActiveWatch = {
      identity: req.identity,
      res,
      stop: () => {
        stopper.abort();
        unsubscribe();
        this.#active.delete(watch);
      },
    };
    this.#active.add(watch);
    res.on('close', () => watch.stop());
    const ignoreAbort = (): void => undefined;
    this.ctx.clock.sleep(req.timeoutMs, stopper.signal).then(() => {
      watch.stop();
      res.end();
    }, ignoreAbort);
    if (req.allowBookmarks) void this.#bookmarks(req, stopper.signal, write);
  }

  async #bookmarks(req: WatchRequest, signal: AbortSignal, write: (type: WireType, object: KubeObject) => void): Promise<void> {
    try {
      for (;;) {
        await this.ctx.clock.sleep(this.bookmarkIntervalMs, signal);
        write('BOOKMARK', this.#bookmark(req.def, false));
      }
    } catch {
      // Aborted: the watch ended.
    }
  }
}
