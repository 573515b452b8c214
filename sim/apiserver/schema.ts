import { clone, isObject, type JsonObject } from './objects.js';
import type { FieldError } from './status.js';

/** The parts of a structural OpenAPI v3 schema that CRDs use and the stand-in enforces. */
export interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  required?: string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  default?: unknown;
  nullable?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
}

/**
 * Drops fields the schema does not know (pruning) and fills in defaults, the
 * way apiextensions-apiserver does on every write and read. A null in a
 * defaulted, non-nullable field counts as absent.
 */
export function pruneAndDefault(value: unknown, schema: Schema): unknown {
  if (Array.isArray(value)) return schema.items ? value.map((v) => pruneAndDefault(v, schema.items!)) : value;
  if (!isObject(value)) return value;
  if (schema['x-kubernetes-preserve-unknown-fields'] && !schema.properties) return value;
  const out: JsonObject = {};
  const additional = schema.additionalProperties;
  for (const [key, child] of Object.entries(value)) {
    const childSchema = schema.properties?.[key] ?? (isObject(additional) ? (additional) : undefined);
    if (childSchema) out[key] = pruneAndDefault(child, childSchema);
    else if (additional === true || schema['x-kubernetes-preserve-unknown-fields']) out[key] = child;
  }
  for (const [key, childSchema] of Object.entries(schema.properties ?? {})) {
    if (out[key] === null && !childSchema.nullable && childSchema.default !== undefined) delete out[key];
    if (out[key] === undefined && childSchema.default !== undefined) out[key] = pruneAndDefault(clone(childSchema.default), childSchema);
  }
  return out;
}

function typeMatches(value: unknown, schema: Schema): boolean {
  if (schema['x-kubernetes-int-or-string']) return typeof value === 'string' || Number.isInteger(value);
  switch (schema.type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return true;
  }
}

const invalidValue = (field: string, value: unknown, detail: string): FieldError => ({ field, type: 'FieldValueInvalid', value, detail });

function checkBounds(value: unknown, schema: Schema, path: string): FieldError[] {
  const errors: FieldError[] = [];
  if (schema.enum && !schema.enum.some((e) => e === value)) {
    errors.push({ field: path, type: 'FieldValueNotSupported', value, detail: `supported values: ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}` });
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) errors.push(invalidValue(path, value, `${path} in body should be greater than or equal to ${schema.minimum}`));
    if (schema.maximum !== undefined && value > schema.maximum) errors.push(invalidValue(path, value, `${path} in body should be less than or equal to ${schema.maximum}`));
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) errors.push(invalidValue(path, value, `${path} in body should be at least ${schema.minLength} chars long`));
    if (schema.maxLength !== undefined && value.length > schema.maxLength) errors.push(invalidValue(path, value, `may not be more than ${schema.maxLength} bytes`));
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) errors.push(invalidValue(path, value, `${path} in body should match '${schema.pattern}'`));
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) errors.push(invalidValue(path, value.length, `${path} in body should have at least ${schema.minItems} items`));
    if (schema.maxItems !== undefined && value.length > schema.maxItems) errors.push(invalidValue(path, value.length, `must have at most ${schema.maxItems} items`));
  }
  return errors;
}

/** Field errors for `value` at `path`, worded like the real CRD validation where it matters (type, enum, bounds, required). */
export function validateSchema(value: unknown, schema: Schema, path: string): FieldError[] {
  if (value === null) return schema.nullable ? [] : [invalidValue(path, 'null', `${path} in body must be of type ${schema.type ?? 'object'}: "null"`)];
  if (!typeMatches(value, schema)) {
    const got = Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
    return [invalidValue(path, got, `${path} in body must be of type ${schema.type ?? 'string'}: "${got}"`)];
  }
  const errors = checkBounds(value, schema, path);
  if (Array.isArray(value) && schema.items) value.forEach((v, i) => errors.push(...validateSchema(v, schema.items!, `${path}[${i}]`)));
  if (isObject(value)) {
    for (const key of schema.required ?? []) if (value[key] === undefined) errors.push({ field: `${path}.${key}`.replace(/^\./, ''), type: 'FieldValueRequired', detail: '' });
    for (const [key, child] of Object.entries(value)) {
      const childSchema = schema.properties?.[key] ?? (isObject(schema.additionalProperties) ? (schema.additionalProperties) : undefined);
      if (childSchema) errors.push(...validateSchema(child, childSchema, path === '' ? key : `${path}.${key}`));
    }
  }
  return errors;
}
