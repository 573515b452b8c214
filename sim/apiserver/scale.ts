import type { ServerContext } from './context.js';
import { isObject, readPath, type KubeObject } from './objects.js';
import { applyPatch, type PatchRequest } from './patch.js';
import type { ResourceDef } from './resources.js';
import { labelSelectorString } from './selectors.js';
import { badRequest, conflict, invalid } from './status.js';
import { validateScaleReplicas } from './validation.js';
import type { WriteOptions } from './write-common.js';
import { getExisting, updateObject } from './writes.js';

/** The autoscaling/v1 Scale view of a Deployment or ReplicaSet; it shares the owner's resourceVersion. */
export function scaleOf(obj: KubeObject): KubeObject {
  const { name, namespace, uid, resourceVersion, creationTimestamp } = obj.metadata;
  const replicas = readPath(obj, 'spec.replicas');
  const statusReplicas = readPath(obj, 'status.replicas');
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: typeof replicas === 'number' ? replicas : 0 },
    status: { replicas: typeof statusReplicas === 'number' ? statusReplicas : 0, selector: labelSelectorString(readPath(obj, 'spec.selector')) },
  };
}

export function readScale(ctx: ServerContext, def: ResourceDef, namespace: string | undefined, name: string): KubeObject {
  return scaleOf(getExisting(ctx, def, namespace, name));
}

/** Writes spec.replicas through the owner's update path, so its resourceVersion and generation move. */
function writeReplicas(ctx: ServerContext, def: ResourceDef, existing: KubeObject, scale: unknown, opts: WriteOptions): KubeObject {
  const name = existing.metadata.name ?? '';
  const rv = readPath(scale, 'metadata.resourceVersion');
  if (typeof rv === 'string' && rv !== '' && rv !== existing.metadata.resourceVersion) throw conflict(def, name);
  const replicas = readPath(scale, 'spec.replicas');
  const errors = validateScaleReplicas(replicas);
  if (errors.length > 0) throw invalid('Scale', 'autoscaling', name, errors);
  const next = structuredClone(existing);
  next.spec = { ...(isObject(next.spec) ? next.spec : {}), replicas };
  const updated = updateObject(ctx, def, existing.metadata.namespace, name, next, undefined, opts);
  return scaleOf(updated);
}

export function updateScale(ctx: ServerContext, def: ResourceDef, namespace: string | undefined, name: string, body: unknown, opts: WriteOptions): KubeObject {
  if (!isObject(body)) throw badRequest('the body of the request is not a Scale object');
  const bodyName = readPath(body, 'metadata.name');
  if (bodyName !== undefined && bodyName !== name) {
    throw badRequest(`the name of the object (${JSON.stringify(bodyName)}) does not match the name on the URL (${name})`);
  }
  return writeReplicas(ctx, def, getExisting(ctx, def, namespace, name), body, opts);
}

export function patchScale(ctx: ServerContext, def: ResourceDef, namespace: string | undefined, name: string, patch: PatchRequest, opts: WriteOptions): KubeObject {
  const existing = getExisting(ctx, def, namespace, name);
  const patched = applyPatch(scaleOf(existing), patch);
  return writeReplicas(ctx, def, existing, patched, opts);
}
