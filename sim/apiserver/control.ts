import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimKubelet } from './controllers/kubelet.js';
import { faultProblems, type Faults } from './faults.js';
import { readBody, sendJson } from './http-util.js';
import { isObject } from './objects.js';
import type { ObjectStore } from './store.js';
import { ApiError, badRequest, pathNotFound } from './status.js';
import type { WatchHub } from './watch.js';

export interface ControlDeps {
  readonly faults: Faults;
  readonly watches: WatchHub;
  readonly store: ObjectStore;
  readonly kubelet: SimKubelet;
}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  let body: unknown;
  try {
    body = text.trim() === '' ? {} : JSON.parse(text);
  } catch (err) {
    throw badRequest(`invalid JSON: ${(err as Error).message}`);
  }
  if (!isObject(body)) throw badRequest('the body must be a JSON object');
  return body;
}

async function faultsRoute(deps: ControlDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method === 'GET') return sendJson(res, 200, deps.faults.settings);
  if (req.method === 'DELETE') return sendJson(res, 200, deps.faults.reset());
  if (req.method === 'PUT' || req.method === 'PATCH') {
    const update = await jsonBody(req);
    const problems = faultProblems(update);
    if (problems.length > 0) throw badRequest(problems.join('; '));
    return sendJson(res, 200, deps.faults.set(update));
  }
  throw new ApiError(405, 'MethodNotAllowed', 'use GET, PUT or DELETE on /sim/faults');
}

/**
 * The simulator's own control API (not Kubernetes):
 *   GET|PUT|DELETE /sim/faults             read, merge or clear fault settings
 *   POST /sim/watches/drop                 cut every open watch now
 *   POST /sim/history/compact              forget watch history (older resourceVersions get 410)
 *   PUT  /sim/pods/{ns}/{name}/ready       {"ready": false} makes the pod not ready
 */
export async function handleControl(deps: ControlDeps, pathname: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (pathname === '/sim/faults') return faultsRoute(deps, req, res);
  if (pathname === '/sim/watches/drop' && req.method === 'POST') return sendJson(res, 200, { dropped: deps.watches.dropAll() });
  if (pathname === '/sim/history/compact' && req.method === 'POST') {
    deps.store.compact();
    return sendJson(res, 200, { compactedRevision: deps.store.compactedRevision() });
  }
  const ready = pathname.match(/^\/sim\/pods\/([^/]+)\/([^/]+)\/ready$/);
  if (ready && req.method === 'PUT') {
    const body = await jsonBody(req);
    if (typeof body.ready !== 'boolean') throw badRequest('"ready" must be true or false');
    return sendJson(res, 200, deps.kubelet.setReady(decodeURIComponent(ready[1]!), decodeURIComponent(ready[2]!), body.ready));
  }
  throw pathNotFound();
}
