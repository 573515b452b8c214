import { parse as parseYaml } from 'yaml';
import { clone, deepEqual, isObject, type JsonObject } from './objects.js';
import { ApiError, badRequest, unsupportedMediaType } from './status.js';
import { applyJsonPatch, type JsonPatchOp } from './json-patch.js';

export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

/** RFC 7386: objects merge recursively, `null` deletes, everything else (arrays included) replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const result: JsonObject = isObject(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** The list merge keys of the built-in types we serve (containers by name, conditions by type, …). */
const MERGE_KEYS = ['name', 'type', 'containerPort', 'ip'] as const;

function mergeKeyOf(items: readonly unknown[]): string | undefined {
  if (items.length === 0 || !items.every(isObject)) return undefined;
  return MERGE_KEYS.find((k) => (items as JsonObject[]).every((i) => i[k] !== undefined));
}

/**
 * An approximation of strategic merge patch: merge-patch semantics, except that
 * lists of objects that all carry a merge key (name, type, containerPort, ip)
 * are merged element by element, and `$patch: delete|replace` and other `$`
 * directives are honoured or dropped. Enough for kubectl's patches of
 * Deployments, Pods and Leases; no per-field schema.
 */
export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  if (Array.isArray(patch) && Array.isArray(target)) return mergeLists(target, patch);
  if (!isObject(patch)) return clone(patch);
  if (patch.$patch === 'replace') return stripDirectives(patch);
  const result: JsonObject = isObject(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) continue;
    if (value === null) delete result[key];
    else result[key] = strategicMergePatch(result[key], value);
  }
  return result;
}

function mergeLists(target: readonly unknown[], patch: readonly unknown[]): unknown[] {
  const key = mergeKeyOf(patch.filter((p) => !(isObject(p) && p.$patch === 'delete' && Object.keys(p).length === 1)));
  if (key === undefined || mergeKeyOf(target) !== key) return patch.map(stripDirectives);
  const result = target.map((t) => clone(t)) as JsonObject[];
  for (const item of patch as JsonObject[]) {
    const at = result.findIndex((r) => r[key] === item[key]);
    if (item.$patch === 'delete') {
      if (at >= 0) result.splice(at, 1);
    } else if (at >= 0) {
      result[at] = strategicMergePatch(result[at], item) as JsonObject;
    } else {
      result.push(stripDirectives(item) as JsonObject);
    }
  }
  return result;
}

function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => !k.startsWith('$')).map(([k, v]) => [k, stripDirectives(v)]));
}

export interface PatchRequest {
  readonly contentType: string;
  readonly body: string;
  readonly fieldManager: string | undefined;
  /** Custom resources do not take strategic merge patches. */
  readonly strategicAllowed: boolean;
}

/** The media types the server lists in its 415 message, depending on the resource. */
export function acceptedPatchTypes(strategicAllowed: boolean): string[] {
  const types: string[] = [PATCH_TYPES.json, PATCH_TYPES.merge];
  if (strategicAllowed) types.push(PATCH_TYPES.strategic);
  types.push(PATCH_TYPES.apply, 'application/apply-patch+cbor');
  return types;
}

/** Parses the body by Content-Type and applies it to `current`; returns the patched object. */
export function applyPatch(current: JsonObject, req: PatchRequest): JsonObject {
  const type = req.contentType.split(';')[0]!.trim().toLowerCase();
  if (type === PATCH_TYPES.json) return applyJsonPatchBody(current, req.body);
  if (type === PATCH_TYPES.merge) return asObject(mergePatch(current, parseJsonBody(req.body)));
  if (type === PATCH_TYPES.strategic && req.strategicAllowed) return asObject(strategicMergePatch(current, parseJsonBody(req.body)));
  if (type === PATCH_TYPES.apply) return applyServerSide(current, req);
  throw unsupportedMediaType(acceptedPatchTypes(req.strategicAllowed));
}

function applyJsonPatchBody(current: JsonObject, body: string): JsonObject {
  const ops = parseJsonBody(body);
  if (!Array.isArray(ops)) {
    const got = isObject(ops) ? 'object' : typeof ops;
    throw badRequest(`error decoding patch: json: cannot unmarshal ${got} into Go value of type []handlers.jsonPatchOp`);
  }
  try {
    return asObject(applyJsonPatch(current, ops as JsonPatchOp[]));
  } catch (err) {
    // The real server answers a failed op (including `test`) with 422 and the json-patch error as the cause.
    throw new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request', {
      causes: [{ reason: 'UnexpectedServerResponse', message: (err as Error).message }],
    });
  }
}

/**
 * Server-side apply, approximated: the applied configuration is merged into the
 * live object (no managed fields, no conflicts between managers). The real
 * requirement that a fieldManager is named is kept.
 */
function applyServerSide(current: JsonObject, req: PatchRequest): JsonObject {
  if (!req.fieldManager) {
    throw new ApiError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch', {
      group: 'meta.k8s.io',
      kind: 'PatchOptions',
      causes: [{ reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' }],
    });
  }
  let applied: unknown;
  try {
    applied = parseYaml(req.body);
  } catch (err) {
    throw badRequest(`error decoding YAML: ${(err as Error).message}`);
  }
  return asObject(strategicMergePatch(current, applied));
}

export function parseJsonBody(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch (err) {
    throw badRequest(`error decoding patch: ${(err as Error).message}`);
  }
}

function asObject(value: unknown): JsonObject {
  if (!isObject(value)) throw badRequest('the patch did not produce an object');
  return value;
}

/** True when the patch changed nothing, which kubectl reports as "patched (no change)". */
export function unchanged(a: JsonObject, b: JsonObject): boolean {
  return deepEqual(a, b);
}
