import type { ServerContext } from './context.js';
import { isObject, readPath, type JsonObject, type KubeObject } from './objects.js';
import { ALL_VERBS, storageKey, type PrinterColumn, type ResourceDef } from './resources.js';
import { pruneAndDefault, validateSchema, type Schema } from './schema.js';
import type { FieldError } from './status.js';

const CRD_RESOURCE = 'apiextensions.k8s.io/customresourcedefinitions';

interface CrdVersion {
  name: string;
  served?: boolean;
  storage?: boolean;
  subresources?: { status?: unknown; scale?: unknown };
  schema?: { openAPIV3Schema?: Schema };
  additionalPrinterColumns?: PrinterColumn[];
}

interface CrdSpec {
  group: string;
  scope: 'Namespaced' | 'Cluster';
  names: { plural: string; singular?: string; kind: string; listKind?: string; shortNames?: string[]; categories?: string[] };
  versions: CrdVersion[];
}

/** Applies the schema to everything but apiVersion, kind and metadata, which the server owns. */
function schemaHooks(schema: Schema | undefined): Pick<ResourceDef, 'applyDefaults' | 'validate'> {
  if (!schema) return {};
  const body = (obj: KubeObject): JsonObject => {
    const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = obj;
    return rest;
  };
  return {
    applyDefaults: (obj) => {
      const pruned = pruneAndDefault(body(obj), { ...schema, properties: { ...schema.properties, apiVersion: {}, kind: {}, metadata: {} } }) as JsonObject;
      for (const key of Object.keys(obj)) if (!['apiVersion', 'kind', 'metadata'].includes(key)) delete obj[key];
      Object.assign(obj, pruned);
    },
    validate: (obj): FieldError[] => {
      const rootless = { ...schema, properties: { ...schema.properties } };
      delete rootless.properties.metadata;
      return validateSchema(body(obj), rootless, '');
    },
  };
}

/** One ResourceDef per served version of a CRD. */
export function resourcesOfCrd(crd: KubeObject): ResourceDef[] {
  const spec = crd.spec as CrdSpec;
  return spec.versions
    .filter((v) => v.served !== false)
    .map((v) => ({
      group: spec.group,
      version: v.name,
      plural: spec.names.plural,
      singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
      kind: spec.names.kind,
      namespaced: spec.scope !== 'Cluster',
      ...(spec.names.shortNames ? { shortNames: spec.names.shortNames } : {}),
      ...(spec.names.categories ? { categories: spec.names.categories } : {}),
      verbs: ALL_VERBS,
      subresources: { status: v.subresources?.status !== undefined, scale: false },
      tracksGeneration: true,
      fieldLabels: [],
      strategicMerge: false,
      ...(v.additionalPrinterColumns ? { printerColumns: v.additionalPrinterColumns } : {}),
      ...(v.subresources?.status !== undefined ? { prepareCreate: (obj: KubeObject) => void delete obj.status } : {}),
      ...schemaHooks(v.schema?.openAPIV3Schema),
    }));
}

/** The CRD checks that matter for a playground: names line up and exactly one storage version. */
export function validateCrd(crd: KubeObject): FieldError[] {
  const errors: FieldError[] = [];
  const group = readPath(crd, 'spec.group');
  const plural = readPath(crd, 'spec.names.plural');
  if (typeof group !== 'string' || group === '') errors.push({ field: 'spec.group', type: 'FieldValueRequired', detail: '' });
  if (typeof plural !== 'string' || plural === '') errors.push({ field: 'spec.names.plural', type: 'FieldValueRequired', detail: '' });
  if (typeof readPath(crd, 'spec.names.kind') !== 'string') errors.push({ field: 'spec.names.kind', type: 'FieldValueRequired', detail: '' });
  if (crd.metadata.name !== `${String(plural)}.${String(group)}`) {
    errors.push({ field: 'metadata.name', type: 'FieldValueInvalid', value: crd.metadata.name, detail: 'must be spec.names.plural+"."+spec.group' });
  }
  const versions = readPath(crd, 'spec.versions');
  if (!Array.isArray(versions) || versions.filter((v) => isObject(v) && v.storage === true).length !== 1) {
    errors.push({ field: 'spec.versions', type: 'FieldValueInvalid', value: versions ?? [], detail: 'must have exactly one version marked as storage version' });
  }
  return errors;
}

/** What the real apiextensions controllers write into a healthy CRD's status. */
export function establishedStatus(crd: KubeObject, now: string): JsonObject {
  const spec = crd.spec as CrdSpec;
  const condition = (type: string, reason: string, message: string) => ({ type, status: 'True', lastTransitionTime: now, reason, message });
  return {
    conditions: [condition('NamesAccepted', 'NoConflicts', 'no conflicts found'), condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted')],
    acceptedNames: { listKind: `${spec.names.kind}List`, singular: spec.names.kind.toLowerCase(), ...spec.names },
    storedVersions: spec.versions.filter((v) => v.storage).map((v) => v.name),
  };
}

/**
 * Keeps the registry in step with stored CRDs: serve a CRD's resources as
 * soon as it is stored, and drop them (and every custom object) when the CRD goes.
 */
export function syncCrdsWithRegistry(ctx: ServerContext): () => void {
  return ctx.store.subscribe((event) => {
    if (event.resource !== CRD_RESOURCE) return;
    const spec = event.object.spec as CrdSpec;
    ctx.registry.remove(spec.group, spec.names.plural);
    if (event.type === 'DELETED') {
      const key = storageKey({ group: spec.group, plural: spec.names.plural });
      // Deferred: removing objects inside a store callback would nest events.
      setImmediate(() => {
        for (const obj of ctx.store.list(key)) ctx.store.remove(key, obj.metadata.namespace, obj.metadata.name ?? '');
      });
      return;
    }
    for (const def of resourcesOfCrd(event.object)) ctx.registry.add(def);
  });
}
