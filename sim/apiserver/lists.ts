import type { ServerContext } from './context.js';
import type { KubeObject } from './objects.js';
import { groupVersion, present, storageKey, type ResourceDef } from './resources.js';
import { parseFieldSelector, parseLabelSelector, type Selector } from './selectors.js';
import { badRequest } from './status.js';

export function selectorFrom(def: ResourceDef, query: URLSearchParams): Selector {
  const byLabel = parseLabelSelector(query.get('labelSelector') ?? undefined);
  const byField = parseFieldSelector(query.get('fieldSelector') ?? undefined, def.fieldLabels);
  return (obj) => byLabel(obj) && byField(obj);
}

interface ContinueToken {
  readonly rv: string;
  readonly after: string;
}

function positionOf(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}

function decodeContinue(token: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ContinueToken;
    if (typeof parsed.rv === 'string' && typeof parsed.after === 'string') return parsed;
  } catch {
    // fall through to the error below
  }
  throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

/** Items of typed (built-in) lists carry no kind/apiVersion; unstructured custom-resource lists keep them. */
function asListItem(def: ResourceDef, obj: KubeObject): Record<string, unknown> {
  if (!def.strategicMerge) return obj;
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

/**
 * A list with selectors and limit/continue paging. Pages are cut from the
 * current state rather than a snapshot at the first page's revision; the
 * token still carries that revision, which the list reports.
 */
export function listObjects(ctx: ServerContext, def: ResourceDef, namespace: string | undefined, query: URLSearchParams): Record<string, unknown> {
  const matches = selectorFrom(def, query);
  const token = query.get('continue') ? decodeContinue(query.get('continue')!) : undefined;
  const rv = token?.rv ?? String(ctx.store.revision());
  let items = ctx.store.list(storageKey(def), def.namespaced ? namespace : undefined).map((o) => present(def, o)).filter(matches);
  if (token) items = items.filter((o) => positionOf(o) > token.after);
  const limit = Number(query.get('limit') ?? '0');
  const metadata: Record<string, unknown> = { resourceVersion: rv };
  if (limit > 0 && items.length > limit) {
    const remaining = items.length - limit;
    items = items.slice(0, limit);
    metadata.continue = Buffer.from(JSON.stringify({ rv, after: positionOf(items[items.length - 1]!) })).toString('base64url');
    metadata.remainingItemCount = remaining;
  }
  return { kind: `${def.kind}List`, apiVersion: groupVersion(def), metadata, items: items.map((o) => asListItem(def, o)) };
}
