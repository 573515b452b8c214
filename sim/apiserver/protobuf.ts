import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type { JsonObject } from './objects.js';
import { messageToJson, type GoJsonRules } from './proto-json.js';
import { badRequest } from './status.js';

/**
 * Request bodies in `application/vnd.kubernetes.protobuf`, which kubectl 1.32+
 * sends for its typed commands (`kubectl create namespace`, `create
 * deployment`). The schema is k8s.io/api's own generated.proto, copied under
 * proto/ (see proto/README.md), read by protobufjs.
 */
export const PROTOBUF = 'application/vnd.kubernetes.protobuf';

/** Every protobuf body starts with these four bytes, then a runtime.Unknown holding the object. */
const MAGIC = Buffer.from('k8s\0', 'latin1');

/** The served API groups that have a generated.proto, by the proto package they live in. */
const PACKAGES: Record<string, string> = {
  '': 'core',
  apps: 'apps',
  autoscaling: 'autoscaling',
  'coordination.k8s.io': 'coordination',
  'events.k8s.io': 'events',
};

/** Options kinds (DeleteOptions) come in every group's version, from meta/v1. */
const META_KINDS = new Set(['DeleteOptions', 'CreateOptions', 'UpdateOptions', 'PatchOptions']);

interface Schema {
  readonly root: protobuf.Root;
  readonly rules: GoJsonRules;
}

let loaded: Schema | undefined;

/** The proto folder, walking up from this file (works from sim/ and from dist/sim/, where tsc copies no .proto). */
function protoDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'sim', 'apiserver', 'proto');
    if (existsSync(join(candidate, 'go-json.json'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('sim/apiserver/proto not found: the stand-in needs the checkout (or the image) to decode protobuf');
}

/** Parsed on the first protobuf body only: core/v1 alone is 300 kB of schema (≈ 0.1 s) that JSON-only runs never need. */
function schema(): Schema {
  if (loaded) return loaded;
  const dir = protoDir();
  const root = new protobuf.Root();
  // Imports name paths like k8s.io/apimachinery/pkg/...; the copies keep that layout.
  root.resolvePath = (_origin, target) => join(dir, target);
  root.loadSync(
    Object.values(PACKAGES).map((pkg) => `k8s.io/api/${pkg}/v1/generated.proto`),
    { keepCase: true },
  );
  root.resolveAll();
  loaded = { root, rules: JSON.parse(readFileSync(join(dir, 'go-json.json'), 'utf8')) as GoJsonRules };
  return loaded;
}

/** Built-in groups have a protobuf schema here; custom resources and CRDs have none. */
export function protobufServed(group: string): boolean {
  return PACKAGES[group] !== undefined;
}

function messageType(apiVersion: string, kind: string): protobuf.Type {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
  const pkg = PACKAGES[group ?? ''];
  let name: string | undefined;
  if (META_KINDS.has(kind)) name = `k8s.io.apimachinery.pkg.apis.meta.v1.${kind}`;
  else if (pkg !== undefined) name = `k8s.io.api.${pkg}.${version}.${kind}`;
  const found = name === undefined ? null : schema().root.lookup(name);
  if (found instanceof protobuf.Type) return found;
  throw badRequest(`no kind ${JSON.stringify(kind)} is registered for version ${JSON.stringify(apiVersion)}`);
}

function decodeOrThrow(type: protobuf.Type, bytes: Uint8Array): JsonObject {
  try {
    return type.decode(bytes);
  } catch (err) {
    throw badRequest(`error decoding body: ${(err as Error).message}`);
  }
}

/** A protobuf body as the object its JSON would have given: the envelope names the kind, k8s.io/api's schema decodes it. */
export function decodeProtobuf(body: Buffer): JsonObject {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw badRequest(`error decoding body: provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]`);
  }
  const unknownType = schema().root.lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
  const envelope = decodeOrThrow(unknownType, body.subarray(MAGIC.length));
  const typeMeta = (envelope.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  if (envelope.contentEncoding) throw badRequest(`error decoding body: unsupported content encoding ${JSON.stringify(envelope.contentEncoding)}`);
  const apiVersion = typeMeta.apiVersion ?? '';
  const kind = typeMeta.kind ?? '';
  if (kind === '') throw badRequest(`Object 'Kind' is missing in protobuf body`);
  const type = messageType(apiVersion, kind);
  const raw = envelope.raw instanceof Uint8Array ? envelope.raw : new Uint8Array();
  const obj = messageToJson(type, decodeOrThrow(type, raw), schema().rules) as JsonObject;
  return { apiVersion, kind, ...obj };
}
