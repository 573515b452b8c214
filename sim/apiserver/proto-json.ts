import protobuf from 'protobufjs';
import { badRequest } from './status.js';
import { isObject, rfc3339Seconds, type JsonObject } from './objects.js';

/**
 * A decoded Kubernetes protobuf message in the JSON shape the rest of the
 * stand-in works on: what Go's encoding/json prints for the struct the real
 * server decodes the same bytes into. protobufjs does the decoding; this only
 * walks its reflection, like a proto3 JSON mapping with Kubernetes' rules.
 */

const META = '.k8s.io.apimachinery.pkg.apis.meta.v1';

/** The apimachinery types with their own MarshalJSON, keyed by message name. */
const CUSTOM_JSON: Record<string, (msg: JsonObject) => unknown> = {
  // A zero metav1.Time goes out as an empty message, and as null in JSON; Go drops the nanoseconds.
  [`${META}.Time`]: (msg) => (isSet(msg) ? rfc3339Seconds(new Date(num(msg.seconds ?? 0) * 1000)) : null),
  [`${META}.MicroTime`]: (msg) => (isSet(msg) ? microTime(msg) : null),
  [`${META}.FieldsV1`]: (msg) => embeddedJson(msg.Raw),
  '.k8s.io.apimachinery.pkg.runtime.RawExtension': (msg) => embeddedJson(msg.raw),
  '.k8s.io.apimachinery.pkg.api.resource.Quantity': (msg) => msg.string ?? '0',
  // type 0 is an int, 1 a string (intstr.Type).
  '.k8s.io.apimachinery.pkg.util.intstr.IntOrString': (msg) => (num(msg.type ?? 0) === 1 ? (msg.strVal ?? '') : num(msg.intVal ?? 0)),
};

/**
 * What Go's JSON does that the .proto files do not say, per message
 * (proto/go-json.json, generated from the Go types by proto/update.sh).
 */
export interface GoJsonRules {
  [message: string]: {
    /** Embedded with `json:",inline"`: the field's own fields sit in the parent object. */
    readonly inline?: readonly string[];
    /** Scalars printed even when zero: pointers (set, so on the wire) and fields without omitempty. */
    readonly keepZero?: readonly string[];
    /** Structs left out when zero (`omitzero`), such as metadata.creationTimestamp. */
    readonly omitZero?: readonly string[];
  };
}

const LONGS = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

function has(msg: JsonObject, field: string): boolean {
  return Object.prototype.hasOwnProperty.call(msg, field);
}

/** A Time or MicroTime with any field on the wire; Go reads an empty one as the zero time. */
function isSet(msg: JsonObject): boolean {
  return has(msg, 'seconds') || has(msg, 'nanos');
}

/** int64 fields decode as Long; Kubernetes' values fit in a double. */
function num(value: unknown): number {
  if (typeof value !== 'object' || value === null) return Number(value);
  const long = value as protobuf.Long;
  return protobuf.util.LongBits.from(long).toNumber(long.unsigned);
}

/** RFC 3339 with 6 fractional digits, nanoseconds cut as Go's RFC3339Micro layout does. */
function microTime(msg: JsonObject): string {
  const seconds = rfc3339Seconds(new Date(num(msg.seconds ?? 0) * 1000)).slice(0, -1);
  return `${seconds}.${String(Math.floor(num(msg.nanos ?? 0) / 1000)).padStart(6, '0')}Z`;
}

function embeddedJson(raw: unknown): unknown {
  if (!(raw instanceof Uint8Array) || raw.length === 0) return null;
  try {
    return JSON.parse(Buffer.from(raw).toString('utf8')) as unknown;
  } catch (err) {
    throw badRequest(`error decoding body: embedded object is not JSON: ${(err as Error).message}`);
  }
}

function scalar(type: string, value: unknown): unknown {
  if (LONGS.has(type)) return num(value);
  if (type === 'bytes') return Buffer.from(value as Uint8Array).toString('base64');
  return value;
}

/** Go's zero values, as protobufjs decodes them; gogo-protobuf writes non-pointer scalars also when zero. */
function isZero(value: unknown): boolean {
  if (value instanceof Uint8Array) return value.length === 0;
  if (typeof value === 'object' && value !== null) return num(value) === 0;
  return value === '' || value === false || value === 0;
}

class Converter {
  constructor(private readonly rules: GoJsonRules) {}

  message(type: protobuf.Type, msg: JsonObject): unknown {
    const custom = CUSTOM_JSON[type.fullName];
    if (custom) return custom(msg);
    const rules = this.rules[type.fullName.slice(1)] ?? {};
    const out: JsonObject = {};
    for (const field of type.fieldsArray) {
      if (!has(msg, field.name) || msg[field.name] === null) continue;
      const value = this.field(field, msg[field.name], rules.keepZero?.includes(field.name) ?? false);
      if (value === undefined) continue;
      if (rules.omitZero?.includes(field.name) && (value === null || (isObject(value) && Object.keys(value).length === 0))) continue;
      if (rules.inline?.includes(field.name)) Object.assign(out, value);
      else out[field.name] = value;
    }
    return out;
  }

  private field(field: protobuf.Field, value: unknown, keepZero: boolean): unknown {
    if (field.map) {
      const entries = Object.entries(value as JsonObject);
      return entries.length === 0 ? undefined : Object.fromEntries(entries.map(([k, v]) => [k, this.element(field, v)]));
    }
    if (field.repeated) return (value as unknown[]).length === 0 ? undefined : (value as unknown[]).map((v) => this.element(field, v));
    if (!(field.resolvedType instanceof protobuf.Type) && !keepZero && isZero(value)) return undefined;
    return this.element(field, value);
  }

  private element(field: protobuf.Field, value: unknown): unknown {
    return field.resolvedType instanceof protobuf.Type ? this.message(field.resolvedType, value as JsonObject) : scalar(field.type, value);
  }
}

/**
 * The JSON form of one decoded message: fields present on the wire, zero
 * scalars only where Go prints them, structs as {} (Go prints those too).
 */
export function messageToJson(type: protobuf.Type, msg: JsonObject, rules: GoJsonRules): unknown {
  return new Converter(rules).message(type, msg);
}
