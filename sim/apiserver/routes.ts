import type { ResourceRegistry } from './resources.js';

/** Where a request under /api or /apis points. */
export type ApiRoute =
  | { readonly kind: 'group-list' }
  | { readonly kind: 'core-versions' }
  | { readonly kind: 'group'; readonly group: string }
  | { readonly kind: 'resource-list'; readonly group: string; readonly version: string }
  | {
      readonly kind: 'resource';
      readonly group: string;
      readonly version: string;
      readonly plural: string;
      readonly namespace: string | undefined;
      readonly name: string | undefined;
      readonly subresource: string | undefined;
    };

/**
 * Parses /api/v1/... and /apis/{group}/{version}/... paths. The one ambiguity
 * of the REST layout, /api/v1/namespaces/{name}/{x}, is a namespace's
 * subresource when {x} is not a resource of that group-version.
 */
export function parseApiPath(pathname: string, registry: ResourceRegistry): ApiRoute | undefined {
  const segments = pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
  let group: string;
  let version: string | undefined;
  let rest: string[];
  if (segments[0] === 'api') {
    if (segments.length === 1) return { kind: 'core-versions' };
    [group, version, rest] = ['', segments[1], segments.slice(2)];
  } else if (segments[0] === 'apis') {
    if (segments.length === 1) return { kind: 'group-list' };
    if (segments.length === 2) return { kind: 'group', group: segments[1]! };
    [group, version, rest] = [segments[1]!, segments[2], segments.slice(3)];
  } else {
    return undefined;
  }
  if (version === undefined) return undefined;
  if (rest.length === 0) return { kind: 'resource-list', group, version };
  const base = { kind: 'resource' as const, group, version };
  const namespacedPath = rest[0] === 'namespaces' && rest.length >= 3 && registry.find(group, version, rest[2]!)?.namespaced === true;
  if (namespacedPath) {
    if (rest.length > 5) return undefined;
    return { ...base, namespace: rest[1], plural: rest[2]!, name: rest[3], subresource: rest[4] };
  }
  if (rest.length > 3) return undefined;
  return { ...base, namespace: undefined, plural: rest[0]!, name: rest[1], subresource: rest[2] };
}
