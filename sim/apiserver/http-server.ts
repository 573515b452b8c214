import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { handleResource } from './api-handler.js';
import type { ServerContext } from './context.js';
import { handleControl, type ControlDeps } from './control.js';
import { coreVersions, groupInfo, groupList, openApiDocument, openApiIndex, resourceList, versionInfo } from './discovery.js';
import { identityOf, sendError, sendJson, sendStatus } from './http-util.js';
import { parseApiPath } from './routes.js';
import { pathNotFound, serverError } from './status.js';

export interface HttpDeps extends ControlDeps {
  readonly ctx: ServerContext;
  /** host:port as clients reach it, for /api's serverAddressByClientCIDRs. */
  readonly address: () => string;
}

function sendText(res: ServerResponse, text: string): void {
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}

function found(res: ServerResponse, body: Record<string, unknown> | undefined): void {
  if (!body) throw pathNotFound();
  sendJson(res, 200, body);
}

/** Discovery, OpenAPI and health endpoints; false when the path is none of them. */
function serveFixed(deps: HttpDeps, pathname: string, res: ServerResponse): boolean {
  const { registry, store } = deps.ctx;
  if (pathname === '/version') sendJson(res, 200, versionInfo());
  else if (pathname === '/healthz' || pathname === '/livez' || pathname === '/readyz') sendText(res, 'ok');
  else if (pathname === '/openapi/v3') sendJson(res, 200, openApiIndex(registry, store.revision()));
  else if (pathname.startsWith('/openapi/v3/')) {
    const parts = pathname.split('/').slice(3);
    found(res, parts[0] === 'api' ? openApiDocument(registry, '', parts[1] ?? '') : openApiDocument(registry, parts[1] ?? '', parts[2] ?? ''));
  } else return false;
  return true;
}

async function route(deps: HttpDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (serveFixed(deps, url.pathname, res)) return;
  const target = parseApiPath(url.pathname, deps.ctx.registry);
  if (!target) throw pathNotFound();
  const { registry } = deps.ctx;
  switch (target.kind) {
    case 'core-versions':
      return sendJson(res, 200, coreVersions(deps.address()));
    case 'group-list':
      return sendJson(res, 200, groupList(registry));
    case 'group':
      return found(res, groupInfo(registry, target.group));
    case 'resource-list':
      return found(res, resourceList(registry, target.group, target.version));
    case 'resource':
      return handleResource(deps.ctx, deps.watches, target, { req, res, query: url.searchParams, who: identityOf(req) });
  }
}

/**
 * The HTTP front: fault injection first (a partitioned client's requests
 * hang, others may be delayed or failed), then the Kubernetes routes; /sim/*
 * is the simulator's control API and is never faulted.
 */
export function createHttpServer(deps: HttpDeps): { server: Server; releaseHung: () => void } {
  const hung = new Set<Socket>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    void (async () => {
      try {
        if (url.pathname.startsWith('/sim/')) return await handleControl(deps, url.pathname, req, res);
        const decision = deps.faults.decide(identityOf(req), req.method ?? 'GET');
        if (decision.kind === 'hang') {
          // No answer at all, like packets lost in a partition; the socket is cut when the partition ends.
          hung.add(req.socket);
          req.socket.once('close', () => hung.delete(req.socket));
          return;
        }
        if (decision.delayMs > 0) await deps.ctx.clock.sleep(decision.delayMs);
        if (decision.kind === 'fail') return sendStatus(res, serverError(decision.code, 'injected fault').toStatus());
        await route(deps, req, res, url);
      } catch (err) {
        sendError(res, err);
      }
    })();
  });
  const releaseHung = (): void => {
    for (const socket of hung) socket.destroy();
    hung.clear();
  };
  return { server, releaseHung };
}
