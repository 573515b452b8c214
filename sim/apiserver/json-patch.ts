import { clone, deepEqual, isObject, type JsonObject } from './objects.js';

/** One RFC 6902 operation. */
export interface JsonPatchOp {
  readonly op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  readonly path: string;
  readonly from?: string;
  readonly value?: unknown;
}

type Container = JsonObject | unknown[];

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`invalid JSON pointer: "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function child(container: unknown, key: string): unknown {
  if (Array.isArray(container)) return /^\d+$/.test(key) ? container[Number(key)] : undefined;
  return isObject(container) && Object.hasOwn(container, key) ? container[key] : undefined;
}

/** Walks to the parent of `path`; the messages follow evanphx/json-patch, which the real server uses. */
function parentOf(doc: unknown, path: string, opName: string): { parent: Container; key: string } {
  const parts = parsePointer(path);
  const key = parts.pop();
  if (key === undefined) throw new Error(`${opName} operation does not apply: doc is missing path: "${path}"`);
  let cur = doc;
  for (const part of parts) {
    cur = child(cur, part);
    if (cur === undefined) throw new Error(`${opName} operation does not apply: doc is missing path: "${path}": missing value`);
  }
  if (!isObject(cur) && !Array.isArray(cur)) throw new Error(`${opName} operation does not apply: doc is missing path: "${path}"`);
  return { parent: cur, key };
}

function arrayIndex(arr: unknown[], key: string, path: string, allowEnd: boolean): number {
  if (key === '-' && allowEnd) return arr.length;
  const index = /^\d+$/.test(key) ? Number(key) : NaN;
  const max = allowEnd ? arr.length : arr.length - 1;
  if (!Number.isInteger(index) || index > max) throw new Error(`Unable to access invalid index: ${key} (path ${path})`);
  return index;
}

function add(doc: unknown, path: string, value: unknown): unknown {
  if (path === '') return clone(value);
  const { parent, key } = parentOf(doc, path, 'add');
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, path, true), 0, clone(value));
  else parent[key] = clone(value);
  return doc;
}

function remove(doc: unknown, path: string): { doc: unknown; removed: unknown } {
  const { parent, key } = parentOf(doc, path, 'remove');
  if (Array.isArray(parent)) {
    const [removed] = parent.splice(arrayIndex(parent, key, path, false), 1);
    return { doc, removed };
  }
  if (!Object.hasOwn(parent, key)) throw new Error(`remove operation does not apply: doc is missing path: "${path}"`);
  const removed = parent[key];
  delete parent[key];
  return { doc, removed };
}

function replace(doc: unknown, path: string, value: unknown): unknown {
  if (path === '') return clone(value);
  const { parent, key } = parentOf(doc, path, 'replace');
  if (Array.isArray(parent)) parent[arrayIndex(parent, key, path, false)] = clone(value);
  else if (!Object.hasOwn(parent, key)) throw new Error(`replace operation does not apply: doc is missing key: ${path}`);
  else parent[key] = clone(value);
  return doc;
}

function get(doc: unknown, path: string): unknown {
  let cur = doc;
  for (const part of parsePointer(path)) {
    cur = child(cur, part);
    if (cur === undefined) throw new Error(`unable to get nonexistent key: ${path}`);
  }
  return cur;
}

function applyOne(doc: unknown, op: JsonPatchOp): unknown {
  switch (op.op) {
    case 'add':
      return add(doc, op.path, op.value);
    case 'remove':
      return remove(doc, op.path).doc;
    case 'replace':
      return replace(doc, op.path, op.value);
    case 'move': {
      const { doc: without, removed } = remove(doc, op.from ?? '');
      return add(without, op.path, removed);
    }
    case 'copy':
      return add(doc, op.path, get(doc, op.from ?? ''));
    case 'test': {
      let actual: unknown;
      try {
        actual = get(doc, op.path);
      } catch {
        actual = undefined;
      }
      if (!deepEqual(actual ?? null, op.value ?? null)) throw new Error(`testing value ${op.path} failed: test failed`);
      return doc;
    }
    default:
      throw new Error(`Unexpected kind: ${String((op as { op: unknown }).op)}`);
  }
}

/** Applies the operations in order to a copy of `doc`; the first failing operation throws. */
export function applyJsonPatch(doc: unknown, ops: readonly JsonPatchOp[]): unknown {
  let result = clone(doc);
  for (const op of ops) result = applyOne(result, op);
  return result;
}
