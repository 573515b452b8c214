import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerContext } from './context.js';
import { deleteObject, deleteOptionsFrom } from './deletes.js';
import type { ClientIdentity } from './faults.js';
import { readBody, readObject, sendJson } from './http-util.js';
import { listObjects, selectorFrom } from './lists.js';
import { asTable, wantsTable } from './table.js';
import { isObject, readPath, type KubeObject } from './objects.js';
import type { PatchRequest } from './patch.js';
import { groupVersion, present, storageKey, type ResourceDef } from './resources.js';
import type { ApiRoute } from './routes.js';
import { patchScale, readScale, updateScale } from './scale.js';
import { badRequest, conflict, methodNotAllowed, pathNotFound } from './status.js';
import type { WatchHub } from './watch.js';
import type { WriteOptions } from './write-common.js';
import { createObject, getExisting, patchObject, updateObject } from './writes.js';

type ResourceRoute = Extract<ApiRoute, { kind: 'resource' }>;

export interface RequestInfo {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly query: URLSearchParams;
  readonly who: ClientIdentity;
}

const HALF_HOUR_MS = 30 * 60 * 1000;

/** Objects from the write paths are already in served shape; this only pins the URL's version. */
function served(def: ResourceDef, obj: KubeObject): KubeObject {
  return { ...obj, apiVersion: groupVersion(def) };
}

function isTrue(value: string | null): boolean {
  return value === 'true' || value === '1';
}

async function patchRequest(def: ResourceDef, info: RequestInfo): Promise<PatchRequest> {
  return {
    contentType: info.req.headers['content-type'] ?? '',
    body: await readBody(info.req),
    fieldManager: info.query.get('fieldManager') ?? undefined,
    strategicAllowed: def.strategicMerge,
  };
}

function watch(ctx: ServerContext, watches: WatchHub, def: ResourceDef, route: ResourceRoute, info: RequestInfo): void {
  const timeoutSeconds = info.query.get('timeoutSeconds');
  // Without timeoutSeconds the real server picks minRequestTimeout × [1, 2): 30 to 60 minutes.
  const timeoutMs = timeoutSeconds ? Number(timeoutSeconds) * 1000 : HALF_HOUR_MS * (1 + ctx.random.next());
  watches.serve(
    {
      def,
      namespace: route.namespace,
      matches: selectorFrom(def, info.query),
      resourceVersion: info.query.get('resourceVersion') ?? undefined,
      allowBookmarks: isTrue(info.query.get('allowWatchBookmarks')),
      sendInitialEvents: isTrue(info.query.get('sendInitialEvents')),
      timeoutMs,
      identity: info.who,
    },
    info.res,
  );
}

/** POST pods/{name}/binding: what a scheduler does; a pod is bound once. */
function bind(ctx: ServerContext, def: ResourceDef, route: ResourceRoute, body: unknown, opts: WriteOptions): Record<string, unknown> {
  const name = route.name ?? '';
  const node = readPath(body, 'target.name');
  if (typeof node !== 'string' || node === '') throw badRequest('Binding target name is required');
  const pod = getExisting(ctx, def, route.namespace, name);
  const current = readPath(pod, 'spec.nodeName');
  if (current) throw conflict(def, name, `pod ${name} is already assigned to node ${JSON.stringify(current)}`);
  if (pod.metadata.deletionTimestamp) throw conflict(def, name, `pod ${name} is being deleted, cannot be assigned to a host`);
  pod.spec = { ...(isObject(pod.spec) ? pod.spec : {}), nodeName: node };
  if (!opts.dryRun) ctx.store.put(storageKey(def), pod);
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
}

async function collection(ctx: ServerContext, watches: WatchHub, def: ResourceDef, route: ResourceRoute, info: RequestInfo, opts: WriteOptions): Promise<void> {
  const { req, res, query } = info;
  if (req.method === 'GET' && isTrue(query.get('watch'))) return watch(ctx, watches, def, route, info);
  if (req.method === 'GET') {
    const list = listObjects(ctx, def, route.namespace, query);
    if (!wantsTable(def, req.headers)) return sendJson(res, 200, list);
    const meta = list.metadata as { resourceVersion: string };
    return sendJson(res, 200, asTable(def, list.items as KubeObject[], meta.resourceVersion, query.get('includeObject'), ctx.clock.wallTime().getTime()));
  }
  if (req.method === 'POST') {
    if (def.namespaced && route.namespace === undefined) throw pathNotFound();
    const body = await readObject(req, def.group);
    return sendJson(res, 201, served(def, createObject(ctx, def, route.namespace, body, opts)));
  }
  if (req.method === 'DELETE') {
    const options = deleteOptionsFrom(await readObject(req, def.group), query);
    const matches = selectorFrom(def, query);
    const victims = ctx.store.list(storageKey(def), route.namespace).map((o) => present(def, o)).filter(matches);
    const deleted = victims.map((v) => served(def, deleteObject(ctx, def, route.namespace, v.metadata.name ?? '', options, opts)));
    return sendJson(res, 200, { kind: `${def.kind}List`, apiVersion: groupVersion(def), metadata: { resourceVersion: String(ctx.store.revision()) }, items: deleted });
  }
  throw methodNotAllowed();
}

async function single(ctx: ServerContext, def: ResourceDef, route: ResourceRoute, info: RequestInfo, opts: WriteOptions): Promise<void> {
  const { req, res, query } = info;
  const name = route.name ?? '';
  const sub = route.subresource === 'status' ? 'status' : undefined;
  switch (req.method) {
    case 'GET': {
      const obj = served(def, getExisting(ctx, def, route.namespace, name));
      if (sub || !wantsTable(def, req.headers)) return sendJson(res, 200, obj);
      return sendJson(res, 200, asTable(def, [obj], obj.metadata.resourceVersion ?? '', query.get('includeObject'), ctx.clock.wallTime().getTime()));
    }
    case 'PUT': {
      const body = await readObject(req, def.group);
      return sendJson(res, 200, served(def, updateObject(ctx, def, route.namespace, name, body, sub, opts)));
    }
    case 'PATCH':
      return sendJson(res, 200, served(def, patchObject(ctx, def, route.namespace, name, await patchRequest(def, info), sub, opts)));
    case 'DELETE': {
      if (sub) throw methodNotAllowed();
      const options = deleteOptionsFrom(await readObject(req, def.group), query);
      return sendJson(res, 200, served(def, deleteObject(ctx, def, route.namespace, name, options, opts)));
    }
    default:
      throw methodNotAllowed();
  }
}

async function scale(ctx: ServerContext, def: ResourceDef, route: ResourceRoute, info: RequestInfo, opts: WriteOptions): Promise<void> {
  const { req, res } = info;
  const name = route.name ?? '';
  if (req.method === 'GET') return sendJson(res, 200, readScale(ctx, def, route.namespace, name));
  if (req.method === 'PUT') {
    const body = await readObject(req, def.group);
    return sendJson(res, 200, updateScale(ctx, def, route.namespace, name, body, opts));
  }
  if (req.method === 'PATCH') return sendJson(res, 200, patchScale(ctx, def, route.namespace, name, await patchRequest(def, info), opts));
  throw methodNotAllowed();
}

/** Dispatches one request for a resource, an object or a subresource. */
export async function handleResource(ctx: ServerContext, watches: WatchHub, route: ResourceRoute, info: RequestInfo): Promise<void> {
  const def = ctx.registry.find(route.group, route.version, route.plural);
  if (!def || (!def.namespaced && route.namespace !== undefined)) throw pathNotFound();
  const opts: WriteOptions = { dryRun: info.query.getAll('dryRun').includes('All') };
  if (route.name === undefined) return collection(ctx, watches, def, route, info, opts);
  if (def.namespaced && route.namespace === undefined) throw pathNotFound();
  const sub = route.subresource;
  if (sub === undefined || (sub === 'status' && def.subresources.status)) return single(ctx, def, route, info, opts);
  if (sub === 'scale' && def.subresources.scale) return scale(ctx, def, route, info, opts);
  if (sub === 'binding' && def.subresources.binding && info.req.method === 'POST') {
    const body = await readObject(info.req, def.group);
    return sendJson(info.res, 201, bind(ctx, def, route, body, opts));
  }
  throw pathNotFound();
}
