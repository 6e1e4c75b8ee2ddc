import { FerryError, invalidField } from '../domain/errors.js';
import type { FieldSchema, MessageSchema, ScalarType, SchemaIndex, ValueType } from './messageSchema.js';

/**
 * Checks a parsed JSON value against a message type and returns the plain
 * object proto-loader can serialize. Proto field names only; null means
 * "absent"; anything protobufjs would silently coerce is refused instead.
 */
export function jsonToMessage(index: SchemaIndex, typeName: string, value: unknown, path = ''): Record<string, unknown> {
  const schema = messageSchema(index, typeName);
  if (!isPlainObject(value)) throw invalidField(path || 'body', 'must be a JSON object');
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const fieldPath = join(path, key);
    const field = schema.fields.get(key);
    if (!field) throw invalidField(fieldPath, 'unknown field');
    if (item === null) continue;
    out[key] = fieldFromJson(index, field, item, fieldPath);
  }
  return out;
}

function fieldFromJson(index: SchemaIndex, field: FieldSchema, value: unknown, path: string): unknown {
  if (field.mapKey) {
    if (!isPlainObject(value)) throw invalidField(path, 'must be a JSON object');
    const keyType = field.mapKey;
    // fromEntries defines own properties, so a '__proto__' key stays a plain key.
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => {
        checkMapKey(keyType, key, `${path}.${key}`);
        return [key, valueFromJson(index, field.value, item, `${path}.${key}`)];
      }),
    );
  }
  if (field.repeated) {
    if (!Array.isArray(value)) throw invalidField(path, 'must be a JSON array');
    return value.map((item, i) => valueFromJson(index, field.value, item, `${path}[${i}]`));
  }
  return valueFromJson(index, field.value, value, path);
}

function valueFromJson(index: SchemaIndex, type: ValueType, value: unknown, path: string): unknown {
  switch (type.kind) {
    case 'message':
      return jsonToMessage(index, type.typeName, value, path);
    case 'enum':
      if (typeof value === 'string' && type.values.has(value)) return value;
      if (typeof value === 'number' && [...type.values.values()].includes(value)) return value;
      throw invalidField(path, `must be one of ${[...type.values.keys()].join(', ')}`);
    case 'scalar':
      return scalarFromJson(type.scalar, value, path);
  }
}

function scalarFromJson(scalar: ScalarType, value: unknown, path: string): unknown {
  switch (scalar) {
    case 'string':
      if (typeof value !== 'string') throw invalidField(path, 'must be a string');
      checkWellFormed(value, path);
      return value;
    case 'bytes':
      if (typeof value !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) throw invalidField(path, 'must be a base64 string');
      return value;
    case 'bool':
      if (typeof value !== 'boolean') throw invalidField(path, 'must be true or false');
      return value;
    case 'double':
    case 'float':
      if (typeof value !== 'number') throw invalidField(path, 'must be a number');
      return value;
    default:
      if (typeof value !== 'number') throw invalidField(path, 'must be an integer');
      checkIntRange(scalar, value, path);
      return value;
  }
}

/** Parses a path or query-string value for a scalar or enum field. */
export function valueFromText(type: ValueType, text: string, path: string): unknown {
  if (type.kind === 'message') throw invalidField(path, 'cannot be set from the URL');
  if (type.kind === 'enum') return valueFromJson(new Map(), type, text, path);
  switch (type.scalar) {
    case 'string':
    case 'bytes':
      return scalarFromJson(type.scalar, text, path);
    case 'bool':
      if (text !== 'true' && text !== 'false') throw invalidField(path, 'must be true or false');
      return text === 'true';
    case 'double':
    case 'float': {
      const n = Number(text);
      if (text.trim() === '' || Number.isNaN(n)) throw invalidField(path, 'must be a number');
      return n;
    }
    default: {
      if (!/^-?\d+$/.test(text)) throw invalidField(path, 'must be an integer');
      const n = Number(text);
      checkIntRange(type.scalar, n, path);
      return n;
    }
  }
}

function checkIntRange(scalar: ScalarType, n: number, path: string): void {
  if (!Number.isInteger(n)) throw invalidField(path, 'must be an integer');
  const unsigned = scalar.startsWith('u') || scalar.startsWith('fixed');
  const bits32 = scalar.endsWith('32');
  const min = unsigned ? 0 : bits32 ? -(2 ** 31) : Number.MIN_SAFE_INTEGER;
  const max = bits32 ? (unsigned ? 2 ** 32 - 1 : 2 ** 31 - 1) : Number.MAX_SAFE_INTEGER;
  if (n < min || n > max) throw invalidField(path, `must be an integer between ${min} and ${max}`);
}

// JSON.parse accepts "\ud800"; such a string has no UTF-8 form and protobuf would store it mangled.
const LONE_SURROGATE = /\p{Surrogate}/u;

function checkWellFormed(value: string, path: string): void {
  if (LONE_SURROGATE.test(value)) throw invalidField(path, 'must be valid Unicode (a lone surrogate escape has no UTF-8 form)');
}

function checkMapKey(keyType: ScalarType, key: string, path: string): void {
  if (keyType === 'string') return checkWellFormed(key, path);
  valueFromText({ kind: 'scalar', scalar: keyType }, key, path);
}

/**
 * Keeps only declared fields, recursively: drops proto-loader's oneof
 * discriminators (`_description`) and the empty arrays/maps it makes for
 * absent repeated and map fields, so callers see only what was sent.
 */
export function sanitizeMessage(index: SchemaIndex, typeName: string, message: unknown): Record<string, unknown> {
  return declaredFields(index, typeName, message, false);
}

/**
 * A message as a REST answer: declared fields only, and every repeated field
 * present, `[]` (maps `{}`) when empty, as the proto3 JSON mapping does with
 * unpopulated lists emitted; int64 stays a JSON number (proto-loader's longs: Number).
 */
export function responseJson(index: SchemaIndex, typeName: string, message: unknown): Record<string, unknown> {
  return declaredFields(index, typeName, message, true);
}

function declaredFields(index: SchemaIndex, typeName: string, message: unknown, emptyLists: boolean): Record<string, unknown> {
  const schema = messageSchema(index, typeName);
  const out: Record<string, unknown> = {};
  if (!isPlainObject(message)) return out;
  for (const [name, field] of schema.fields) {
    const value = message[name];
    if (value === undefined || value === null) {
      if (emptyLists && field.mapKey) out[name] = {};
      else if (emptyLists && field.repeated) out[name] = [];
      continue;
    }
    const clean = sanitizeField(index, field, value, emptyLists);
    if (clean !== undefined) out[name] = clean;
  }
  return out;
}

function sanitizeField(index: SchemaIndex, field: FieldSchema, value: unknown, emptyLists: boolean): unknown {
  const one = (v: unknown): unknown => (field.value.kind === 'message' ? declaredFields(index, field.value.typeName, v, emptyLists) : v);
  if (field.mapKey) {
    if (!isPlainObject(value)) return emptyLists ? {} : undefined;
    const entries = Object.entries(value);
    return entries.length === 0 && !emptyLists ? undefined : Object.fromEntries(entries.map(([k, v]) => [k, one(v)]));
  }
  if (field.repeated) {
    if (!Array.isArray(value)) return emptyLists ? [] : undefined;
    return value.length === 0 && !emptyLists ? undefined : value.map(one);
  }
  return one(value);
}

export function messageSchema(index: SchemaIndex, typeName: string): MessageSchema {
  const schema = index.get(typeName);
  if (!schema) throw new FerryError('INTERNAL', `unknown message type ${typeName}`);
  return schema;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
