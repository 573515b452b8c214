import type { ServerContext } from './context.js';
import { deepEqual, isObject, rfc3339Seconds, type KubeObject } from './objects.js';
import { groupVersion, present, storageKey, toStored, type ResourceDef } from './resources.js';
import { badRequest, forbidden, invalid, notFound, type FieldError } from './status.js';
import { validateName } from './validation.js';

export interface WriteOptions {
  /** `dryRun=All`: validate and answer, persist nothing. */
  readonly dryRun: boolean;
}

const NAMESPACES = { group: '', plural: 'namespaces' };

/** Checks the body's identity against the URL and fills in apiVersion, kind and namespace. */
export function checkBody(def: ResourceDef, body: unknown, namespace: string | undefined, urlName?: string): KubeObject {
  if (!isObject(body)) throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(body)}'`);
  const expected = groupVersion(def);
  if (body.apiVersion !== undefined && body.apiVersion !== expected) {
    throw badRequest(`the API version in the data (${JSON.stringify(body.apiVersion)}) does not match the expected API version (${expected})`);
  }
  if (body.kind !== undefined && body.kind !== def.kind) {
    throw badRequest(`the kind in the data (${JSON.stringify(body.kind)}) does not match the expected kind (${def.kind})`);
  }
  const metadata = isObject(body.metadata) ? { ...body.metadata } : {};
  const obj = { ...body, apiVersion: expected, kind: def.kind, metadata } as KubeObject;
  if (def.namespaced) {
    if (obj.metadata.namespace && obj.metadata.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    obj.metadata.namespace = namespace;
  } else {
    delete obj.metadata.namespace;
  }
  if (urlName !== undefined && obj.metadata.name !== urlName) {
    throw badRequest(`the name of the object (${obj.metadata.name ?? ''}) does not match the name on the URL (${urlName})`);
  }
  const decodeError = def.decodeError?.(obj);
  if (decodeError) throw badRequest(decodeError);
  return obj;
}

/** The NamespaceLifecycle admission check: the namespace must exist and not be terminating. */
export function requireLiveNamespace(ctx: ServerContext, def: ResourceDef, namespace: string | undefined, name: string): void {
  if (!def.namespaced || namespace === undefined) return;
  const ns = ctx.store.get(storageKey(NAMESPACES), undefined, namespace);
  if (!ns) throw notFound(NAMESPACES, namespace);
  if (ns.metadata.deletionTimestamp) {
    throw forbidden(
      { group: def.group, plural: def.plural },
      name,
      `unable to create new content in namespace ${namespace} because it is being terminated`,
    );
  }
}

/** Name rules plus the resource's own validation, as one 422 with every problem. */
export function validateOrThrow(def: ResourceDef, obj: KubeObject, old: KubeObject | undefined): void {
  const errors: FieldError[] = [...validateName(obj.metadata.name ?? '', def.plural === 'namespaces'), ...(def.validate?.(obj, old) ?? [])];
  if (errors.length > 0) throw invalid(def.kind, def.group, obj.metadata.name ?? '', errors);
}

/** Everything but metadata and (when it has its own endpoint) status: what moves metadata.generation. */
function specPart(def: ResourceDef, obj: KubeObject): Record<string, unknown> {
  const { metadata: _m, apiVersion: _a, kind: _k, status, ...rest } = obj;
  return def.subresources.status ? rest : { ...rest, status };
}

export function generationAfter(def: ResourceDef, old: KubeObject, next: KubeObject): number | undefined {
  if (!def.tracksGeneration) return undefined;
  const current = old.metadata.generation ?? 1;
  return deepEqual(specPart(def, old), specPart(def, next)) ? current : current + 1;
}

export function wallSeconds(ctx: ServerContext, offsetSeconds = 0): string {
  return rfc3339Seconds(new Date(ctx.clock.wallTime().getTime() + offsetSeconds * 1000));
}

/** Equal apart from resourceVersion: such a write is not persisted and keeps the old version. */
export function sameObject(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined, managedFields: undefined } });
  return deepEqual(strip(a), strip(b));
}

/** Stores `obj` (converted to its storage shape) and returns it as this resource serves it. */
export function persist(ctx: ServerContext, def: ResourceDef, obj: KubeObject): KubeObject {
  return present(def, ctx.store.put(storageKey(def), toStored(def, obj)));
}

/** Removes an object; returns its last state as this resource serves it. */
export function removeStored(ctx: ServerContext, def: ResourceDef, namespace: string | undefined, name: string): KubeObject | undefined {
  const last = ctx.store.remove(storageKey(def), namespace, name);
  return last ? present(def, last) : undefined;
}
