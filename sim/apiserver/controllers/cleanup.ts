import type { ServerContext } from '../context.js';
import { deleteObject } from '../deletes.js';
import type { KubeObject } from '../objects.js';
import { storageKey, type ResourceDef } from '../resources.js';

const NAMESPACES = storageKey({ group: '', plural: 'namespaces' });

/** One ResourceDef per stored resource (a resource served in several versions is stored once). */
function storedResources(ctx: ServerContext): ResourceDef[] {
  const seen = new Map<string, ResourceDef>();
  for (const def of ctx.registry.all()) if (!seen.has(storageKey(def))) seen.set(storageKey(def), def);
  return [...seen.values()];
}

/** Background garbage collection: when an owner goes, its dependents are deleted (pods gracefully). */
function collectDependents(ctx: ServerContext, owner: KubeObject): void {
  const uid = owner.metadata.uid;
  if (!uid) return;
  for (const def of storedResources(ctx)) {
    const candidates = ctx.store.list(storageKey(def), def.namespaced ? owner.metadata.namespace : undefined);
    for (const obj of candidates) {
      if (!(obj.metadata.ownerReferences ?? []).some((r) => r.uid === uid)) continue;
      try {
        deleteObject(ctx, def, obj.metadata.namespace, obj.metadata.name ?? '', {}, { dryRun: false });
      } catch {
        // Already gone: nothing left to collect.
      }
    }
  }
}

/** The namespace controller: empties a Terminating namespace, then removes it. */
function finishNamespace(ctx: ServerContext, name: string): void {
  const ns = ctx.store.get(NAMESPACES, undefined, name);
  if (!ns?.metadata.deletionTimestamp) return;
  for (const def of storedResources(ctx).filter((d) => d.namespaced)) {
    for (const obj of ctx.store.list(storageKey(def), name)) ctx.store.remove(storageKey(def), name, obj.metadata.name ?? '');
  }
  ctx.store.remove(NAMESPACES, undefined, name);
}

/** Starts garbage collection and namespace cleanup; returns the stop function. */
export function startCleanup(ctx: ServerContext): () => void {
  return ctx.store.subscribe((event) => {
    // Deferred: writes from inside a store callback would nest events.
    if (event.type === 'DELETED') setImmediate(() => collectDependents(ctx, event.object));
    if (event.resource === NAMESPACES && event.object.metadata.deletionTimestamp && event.type !== 'DELETED') {
      setImmediate(() => finishNamespace(ctx, event.object.metadata.name ?? ''));
    }
  });
}
