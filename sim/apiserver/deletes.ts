import type { ServerContext } from './context.js';
import { isObject, readPath, type KubeObject } from './objects.js';
import type { ResourceDef } from './resources.js';
import { conflict } from './status.js';
import { persist, removeStored, wallSeconds, type WriteOptions } from './write-common.js';
import { getExisting } from './writes.js';

export interface DeleteOptions {
  readonly gracePeriodSeconds?: number;
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
}

/** Reads DeleteOptions from the body (client-node, kubectl) and/or the query string. */
export function deleteOptionsFrom(body: unknown, query: URLSearchParams): DeleteOptions {
  const fromBody = isObject(body) ? body : {};
  const grace = query.get('gracePeriodSeconds') ?? fromBody.gracePeriodSeconds;
  const preconditions = isObject(fromBody.preconditions) ? (fromBody.preconditions as DeleteOptions['preconditions']) : undefined;
  return {
    ...(grace !== undefined && grace !== null ? { gracePeriodSeconds: Number(grace) } : {}),
    ...(preconditions ? { preconditions } : {}),
  };
}

function checkPreconditions(def: ResourceDef, existing: KubeObject, options: DeleteOptions): void {
  const name = existing.metadata.name ?? '';
  const { uid, resourceVersion } = options.preconditions ?? {};
  if (uid && uid !== existing.metadata.uid) {
    throw conflict(def, name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${existing.metadata.uid ?? ''}`);
  }
  if (resourceVersion && resourceVersion !== existing.metadata.resourceVersion) {
    throw conflict(
      def,
      name,
      `Precondition failed: ResourceVersion in precondition: ${resourceVersion}, ResourceVersion in object meta: ${existing.metadata.resourceVersion ?? ''}`,
    );
  }
}

/**
 * The grace a pod deletion gets (pod strategy CheckGracefulDelete): the
 * request's value, else the pod's terminationGracePeriodSeconds; zero for a pod
 * never bound to a node or already finished, since no kubelet has to stop it.
 */
export function podGraceSeconds(pod: KubeObject, options: DeleteOptions): number {
  const phase = readPath(pod, 'status.phase');
  if (!readPath(pod, 'spec.nodeName') || phase === 'Succeeded' || phase === 'Failed') return 0;
  const fromSpec = readPath(pod, 'spec.terminationGracePeriodSeconds');
  const grace = options.gracePeriodSeconds ?? (typeof fromSpec === 'number' ? fromSpec : 30);
  return Math.max(0, grace);
}

function markDeleting(ctx: ServerContext, def: ResourceDef, existing: KubeObject, graceSeconds: number, opts: WriteOptions): KubeObject {
  const current = existing.metadata.deletionGracePeriodSeconds;
  // A repeated delete may shorten the grace, never lengthen it.
  if (existing.metadata.deletionTimestamp && current !== undefined && current <= graceSeconds) return existing;
  if (existing.metadata.deletionTimestamp && current === undefined) return existing;
  const next = structuredClone(existing);
  next.metadata.deletionTimestamp = wallSeconds(ctx, graceSeconds);
  next.metadata.deletionGracePeriodSeconds = graceSeconds;
  if (def.tracksGeneration && def.plural === 'pods') next.metadata.generation = (next.metadata.generation ?? 1) + 1;
  return opts.dryRun ? next : persist(ctx, def, next);
}

/**
 * DELETE of one object: graceful for bound pods (deletionTimestamp set, the
 * simulated kubelet finishes it), held by finalizers, else immediate. Answers
 * with the object's last state, like the real server.
 */
export function deleteObject(
  ctx: ServerContext,
  def: ResourceDef,
  namespace: string | undefined,
  name: string,
  options: DeleteOptions,
  opts: WriteOptions,
): KubeObject {
  const existing = getExisting(ctx, def, namespace, name);
  checkPreconditions(def, existing, options);
  if (def.group === '' && def.plural === 'pods') {
    const grace = podGraceSeconds(existing, options);
    if (grace > 0) return markDeleting(ctx, def, existing, grace, opts);
  }
  if (def.group === '' && def.plural === 'namespaces') return markNamespaceTerminating(ctx, def, existing, opts);
  if ((existing.metadata.finalizers ?? []).length > 0) {
    if (existing.metadata.deletionTimestamp) return existing;
    const next = structuredClone(existing);
    next.metadata.deletionTimestamp = wallSeconds(ctx);
    next.metadata.deletionGracePeriodSeconds = 0;
    return opts.dryRun ? next : persist(ctx, def, next);
  }
  if (opts.dryRun) return existing;
  return removeStored(ctx, def, namespace, name) ?? existing;
}

/** A namespace is emptied by the namespace controller first; until then it is Terminating. */
function markNamespaceTerminating(ctx: ServerContext, def: ResourceDef, existing: KubeObject, opts: WriteOptions): KubeObject {
  if (existing.metadata.deletionTimestamp) return existing;
  const next = structuredClone(existing);
  next.metadata.deletionTimestamp = wallSeconds(ctx);
  next.metadata.deletionGracePeriodSeconds = 0;
  next.status = { ...(isObject(next.status) ? next.status : {}), phase: 'Terminating' };
  return opts.dryRun ? next : persist(ctx, def, next);
}
