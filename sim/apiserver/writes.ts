import { randomSuffix, type ServerContext } from './context.js';
import { clone, type KubeObject } from './objects.js';
import { applyPatch, type PatchRequest } from './patch.js';
import { present, storageKey, type ResourceDef } from './resources.js';
import { alreadyExists, conflict, invalid, notFound } from './status.js';
import { checkBody, generationAfter, persist, removeStored, requireLiveNamespace, sameObject, validateOrThrow, wallSeconds, type WriteOptions } from './write-common.js';

export type Subresource = 'status' | undefined;

/** Server-owned metadata a client cannot set on create. */
function resetServerMetadata(ctx: ServerContext, def: ResourceDef, obj: KubeObject): void {
  const meta = obj.metadata;
  for (const field of ['uid', 'resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink']) delete meta[field];
  meta.uid = ctx.random.uid();
  meta.creationTimestamp = wallSeconds(ctx);
  if (def.tracksGeneration) meta.generation = 1;
  else delete meta.generation;
}

/** POST to a collection: 201 with the stored object, 409 AlreadyExists, 422 Invalid, 404 for a missing namespace. */
export function createObject(ctx: ServerContext, def: ResourceDef, namespace: string | undefined, body: unknown, opts: WriteOptions): KubeObject {
  const obj = checkBody(def, body, namespace);
  if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = `${obj.metadata.generateName}${randomSuffix(ctx.random)}`;
  const name = obj.metadata.name ?? '';
  requireLiveNamespace(ctx, def, namespace, name);
  if (name === '') {
    throw invalid(def.kind, def.group, '', [{ field: 'metadata.name', type: 'FieldValueRequired', detail: 'name or generateName is required' }]);
  }
  resetServerMetadata(ctx, def, obj);
  def.prepareCreate?.(obj);
  def.applyDefaults?.(obj);
  validateOrThrow(def, obj, undefined);
  if (ctx.store.get(storageKey(def), namespace, name)) throw alreadyExists(def, name);
  return opts.dryRun ? obj : persist(ctx, def, obj);
}

export function getExisting(ctx: ServerContext, def: ResourceDef, namespace: string | undefined, name: string): KubeObject {
  const existing = ctx.store.get(storageKey(def), namespace, name);
  if (!existing) throw notFound(def, name);
  return present(def, existing);
}

/** Builds the object a write would store: server-owned metadata kept, status or spec kept depending on the endpoint. */
function mergeForUpdate(def: ResourceDef, existing: KubeObject, incoming: KubeObject, subresource: Subresource): KubeObject {
  if (subresource === 'status') {
    const next = clone(existing);
    if (incoming.status === undefined) delete next.status;
    else next.status = incoming.status;
    return next;
  }
  const next = clone(incoming);
  const keep = ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'namespace', 'name'];
  for (const field of keep) {
    if (existing.metadata[field] === undefined) delete next.metadata[field];
    else next.metadata[field] = existing.metadata[field];
  }
  delete next.metadata.managedFields;
  if (def.subresources.status) {
    if (existing.status === undefined) delete next.status;
    else next.status = existing.status;
  }
  return next;
}

/** The shared tail of PUT and PATCH: defaults, generation, validation, finalizers, no-op detection, persist. */
function commitUpdate(ctx: ServerContext, def: ResourceDef, existing: KubeObject, next: KubeObject, opts: WriteOptions): KubeObject {
  def.applyDefaults?.(next);
  const generation = generationAfter(def, existing, next);
  if (generation !== undefined) next.metadata.generation = generation;
  validateOrThrow(def, next, existing);
  next.metadata.resourceVersion = existing.metadata.resourceVersion;
  if (sameObject(existing, next) || opts.dryRun) return opts.dryRun ? next : existing;
  const hadFinalizers = (existing.metadata.finalizers ?? []).length > 0;
  if (next.metadata.deletionTimestamp && hadFinalizers && (next.metadata.finalizers ?? []).length === 0) {
    // The last finalizer was removed from an object being deleted: now it really goes. Other
    // updates of a terminating object (a pod marking itself leaving) leave it in place.
    return removeStored(ctx, def, next.metadata.namespace, next.metadata.name ?? '') ?? next;
  }
  return persist(ctx, def, next);
}

/** PUT: 409 on a stale resourceVersion, 404 when absent; built-ins allow an unconditional update without one. */
export function updateObject(
  ctx: ServerContext,
  def: ResourceDef,
  namespace: string | undefined,
  name: string,
  body: unknown,
  subresource: Subresource,
  opts: WriteOptions,
): KubeObject {
  const incoming = checkBody(def, body, namespace, name);
  const existing = getExisting(ctx, def, namespace, name);
  const rv = incoming.metadata.resourceVersion;
  if (rv === undefined || rv === '') {
    // Custom resources (and the status endpoints of them) refuse unconditional updates.
    if (!def.strategicMerge) {
      throw invalid(def.kind, def.group, name, [
        { field: 'metadata.resourceVersion', type: 'FieldValueInvalid', value: 0, detail: 'must be specified for an update' },
      ]);
    }
  } else if (rv !== existing.metadata.resourceVersion) {
    throw conflict(def, name);
  }
  return commitUpdate(ctx, def, existing, mergeForUpdate(def, existing, incoming, subresource), opts);
}

/** PATCH: applied to the latest version; a resourceVersion inside the patch is a precondition. */
export function patchObject(
  ctx: ServerContext,
  def: ResourceDef,
  namespace: string | undefined,
  name: string,
  patch: PatchRequest,
  subresource: Subresource,
  opts: WriteOptions,
): KubeObject {
  const existing = getExisting(ctx, def, namespace, name);
  const patched = applyPatch(existing, patch) as KubeObject;
  const rv = patched.metadata?.resourceVersion;
  if (rv !== undefined && rv !== '' && rv !== existing.metadata.resourceVersion) throw conflict(def, name);
  const incoming = checkBody(def, { ...patched, metadata: { ...patched.metadata, name, resourceVersion: undefined } }, namespace, name);
  return commitUpdate(ctx, def, existing, mergeForUpdate(def, existing, incoming, subresource), opts);
}
