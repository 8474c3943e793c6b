// This module is browser compatible.
/**
 * A JSON form of every value a session can hold in Deno KV: the tagged JSON
 * encoding of the session tools (`get`, `set`, `export`, `import` and the
 * inspector page).
 *
 * Plain JSON stays as it is. Everything JSON cannot say is an object with
 * exactly one key, a tag starting with `$`:
 *
 * | Value                         | Encoded as                              |
 * | ----------------------------- | --------------------------------------- |
 * | `undefined`                   | `{ "$undefined": null }`                |
 * | `NaN`, `Infinity`, `-0`       | `{ "$number": "NaN" }` (the name)       |
 * | `12n`                         | `{ "$bigint": "12" }`                   |
 * | `new Date(0)`                 | `{ "$date": "1970-01-01T00:00:00.000Z" }` (`null`: invalid date) |
 * | `/a/g`                        | `{ "$regexp": ["a", "g"] }`             |
 * | `new Map([[k, v]])`           | `{ "$map": [[k, v]] }` (encoded pairs)  |
 * | `new Set([v])`                | `{ "$set": [v] }`                       |
 * | `Uint8Array`, other typed arrays, `ArrayBuffer`, `DataView` | `{ "$Uint8Array": "base64" }` (the type name; bytes in platform order) |
 * | an `Error`                    | `{ "$error": { "name", "message", "stack"?, "cause"? } }` |
 * | `new Deno.KvU64(1n)`          | `{ "$kvu64": "1" }`                     |
 * | `new Number(1)` and other boxed primitives | `{ "$boxed": 1 }`          |
 * | a plain object whose only key starts with `$` | `{ "$object": { ... } }` |
 * | an array with holes or named properties, e.g. `a[5] = 1` | `{ "$array": { "length": 6, "items": { "5": 1 } } }` (only what exists) |
 *
 * Arrays and objects are encoded element by element; an array with holes
 * lists only the elements it has, so a sparse array of length 2^32 - 1 with
 * one element takes one entry. What JSON and this encoding cannot keep:
 * objects referenced twice (written twice, read back as two copies) and
 * cycles (refused with an error naming the path).
 *
 * @module
 */

// The tags both this form and PostgresStorage's write come from
// `src/values/_tagged_json.ts`, which also says where the two differ; this
// module writes the rest (`$array` with `items`, no `$ref`, listed error
// names) and names the path of what it refuses.
import {
  defineData,
  encodeBoxed,
  encodeBytes,
  encodeDate,
  encodeError,
  encodeKvU64,
  encodeMap,
  encodePrimitive,
  encodeRegExp,
  encodeSet,
  ERROR_TYPES,
  isTagShaped,
  NOT_PRIMITIVE,
  tag,
} from "../values/_tagged_json.ts";
import {
  arrayIndex,
  type EncodedValue,
  kvU64Class,
  propertyPath,
  TYPED_ARRAYS,
} from "./_tagged.ts";

export type { EncodedValue };

/**
 * Encodes a session value as tagged JSON (see the module documentation).
 *
 * @param value The session value.
 * @param path How to name the value in error messages.
 * @returns A value that `JSON.stringify` writes without loss.
 * @throws {TypeError} For a cycle, a function or a symbol, naming the path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeValue } from "./json_encoding.ts";
 *
 * const encoded = encodeValue({ seen: new Set([1n]), at: new Date(0) });
 * assert.equal(
 *   JSON.stringify(encoded),
 *   '{"seen":{"$set":[{"$bigint":"1"}]},"at":{"$date":"1970-01-01T00:00:00.000Z"}}',
 * );
 * ```
 */
export function encodeValue(value: unknown, path = "value"): EncodedValue {
  return encode(value, path, new Set());
}

function encode(
  value: unknown,
  path: string,
  stack: Set<object>,
): EncodedValue {
  const primitive = encodePrimitive(value);
  if (primitive !== NOT_PRIMITIVE) return primitive;
  if (typeof value === "function" || typeof value === "symbol") {
    throw new TypeError(`${path} is a ${typeof value} and cannot be stored`);
  }
  if (value === null) return null;
  const object = value as object;
  if (stack.has(object)) {
    throw new TypeError(`${path} refers to itself (a cycle JSON cannot hold)`);
  }
  stack.add(object);
  try {
    return encodeObject(object, path, stack);
  } finally {
    stack.delete(object);
  }
}

function encodeArray(
  value: unknown[],
  path: string,
  stack: Set<object>,
): EncodedValue {
  // Own keys list the elements that exist (indices ascending, then names):
  // for a sparse array this is its few elements, not its length.
  const keys = Object.keys(value);
  const length = value.length;
  if (
    keys.length === length &&
    (length === 0 || keys[length - 1] === String(length - 1))
  ) {
    const out: EncodedValue[] = [];
    for (let i = 0; i < length; i++) {
      out.push(encode(value[i], `${path}[${i}]`, stack));
    }
    return out;
  }
  // Holes or named properties: only what exists is written.
  const items: Record<string, EncodedValue> = {};
  for (const key of keys) {
    defineData(
      items,
      key,
      encode(
        (value as unknown as Record<string, unknown>)[key],
        arrayIndex(key) === -1 ? propertyPath(path, key) : `${path}[${key}]`,
        stack,
      ),
    );
  }
  return tag("$array", { length, items });
}

function encodeObject(
  value: object,
  path: string,
  stack: Set<object>,
): EncodedValue {
  if (Array.isArray(value)) return encodeArray(value, path, stack);
  const part = (v: unknown, p: string) => encode(v, p, stack);
  if (value instanceof Date) return encodeDate(value);
  if (value instanceof RegExp) return encodeRegExp(value);
  if (value instanceof Map) return encodeMap(value, path, part);
  if (value instanceof Set) return encodeSet(value, path, part);
  if (ArrayBuffer.isView(value)) {
    const name = value instanceof DataView
      ? "DataView"
      : Object.keys(TYPED_ARRAYS).find((n) =>
        value instanceof TYPED_ARRAYS[n]!
      );
    if (name === undefined) {
      throw new TypeError(`${path} is an unknown typed array`);
    }
    return encodeBytes(name, value);
  }
  if (value instanceof ArrayBuffer) return encodeBytes("ArrayBuffer", value);
  if (value instanceof Error) {
    // What V8 (and so KV) keeps: a listed name, any other one is "Error".
    const name = Object.hasOwn(ERROR_TYPES, value.name) ? value.name : "Error";
    return encodeError(value, name, path, part);
  }
  const kvU64 = kvU64Class();
  if (kvU64 !== undefined && value instanceof kvU64) return encodeKvU64(value);
  if (
    value instanceof Number || value instanceof String ||
    value instanceof Boolean || value instanceof BigInt
  ) {
    return encodeBoxed(value, path, part);
  }
  const out: Record<string, EncodedValue> = {};
  const keys = Object.keys(value);
  for (const key of keys) {
    // A data property even for `__proto__` (an assignment sets the
    // prototype on Node.js, and the key would be lost).
    defineData(
      out,
      key,
      encode(
        (value as Record<string, unknown>)[key],
        propertyPath(path, key),
        stack,
      ),
    );
  }
  if (isTagShaped(keys)) return tag("$object", out);
  return out;
}
