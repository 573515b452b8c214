import { groupVersion, type ResourceDef, type ResourceRegistry } from './resources.js';

/** The Kubernetes release the stand-in imitates (the real control plane in test/controlplane is 1.34). */
export const IMITATED_VERSION = { major: '1', minor: '34', gitVersion: 'v1.34.4-vnf-sim' };

export function versionInfo(): Record<string, string> {
  return {
    ...IMITATED_VERSION,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.24.0',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

export function coreVersions(serverAddress: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function apiGroup(name: string, versions: readonly string[]): Record<string, unknown> {
  const list = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: list, preferredVersion: list[0] };
}

export function groupList(registry: ResourceRegistry): Record<string, unknown> {
  const groups = [...registry.groups()].map(([name, versions]) => apiGroup(name, versions));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function groupInfo(registry: ResourceRegistry, group: string): Record<string, unknown> | undefined {
  const versions = registry.groups().get(group);
  return versions ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group, versions) } : undefined;
}

function resourceEntries(def: ResourceDef): Record<string, unknown>[] {
  const main = {
    name: def.plural,
    singularName: def.singular,
    namespaced: def.namespaced,
    kind: def.kind,
    verbs: def.verbs,
    ...(def.shortNames ? { shortNames: def.shortNames } : {}),
    ...(def.categories ? { categories: def.categories } : {}),
  };
  const entries: Record<string, unknown>[] = [main];
  const sub = (name: string, kind: string, verbs: string[], extra: Record<string, unknown> = {}) =>
    entries.push({ name: `${def.plural}/${name}`, singularName: '', namespaced: def.namespaced, kind, verbs, ...extra });
  if (def.subresources.status) sub('status', def.kind, ['get', 'patch', 'update']);
  if (def.subresources.scale) sub('scale', 'Scale', ['get', 'patch', 'update'], { group: 'autoscaling', version: 'v1' });
  if (def.subresources.binding) sub('binding', 'Binding', ['create']);
  return entries;
}

export function resourceList(registry: ResourceRegistry, group: string, version: string): Record<string, unknown> | undefined {
  const defs = registry.inGroupVersion(group, version);
  if (defs.length === 0) return undefined;
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion({ group, version }), resources: defs.flatMap(resourceEntries) };
}

/**
 * A minimal OpenAPI v3 index. kubectl's client-side validation only needs to
 * find each kind's group-version-kind and the `fieldValidation` parameter;
 * then it leaves validation to the server (fieldValidation=Strict).
 */
export function openApiIndex(registry: ResourceRegistry, revision: number): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  const gvs = new Set(registry.all().map((d) => (d.group === '' ? 'api/v1' : `apis/${d.group}/${d.version}`)));
  for (const gv of gvs) paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=sim${revision}` };
  return { paths };
}

export function openApiDocument(registry: ResourceRegistry, group: string, version: string): Record<string, unknown> | undefined {
  const defs = registry.inGroupVersion(group, version);
  if (defs.length === 0) return undefined;
  const prefix = group === '' ? '/api/v1' : `/apis/${group}/${version}`;
  const paths: Record<string, unknown> = {};
  for (const def of defs) {
    const collection = def.namespaced ? `${prefix}/namespaces/{namespace}/${def.plural}` : `${prefix}/${def.plural}`;
    const gvk = { group: def.group, version: def.version, kind: def.kind };
    const op = { parameters: [{ name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } }], 'x-kubernetes-group-version-kind': gvk, responses: {} };
    paths[collection] = { post: op };
    paths[`${collection}/{name}`] = { put: op, patch: op };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes (vnf-agent stand-in)', version: IMITATED_VERSION.gitVersion }, paths, components: { schemas: {} } };
}
