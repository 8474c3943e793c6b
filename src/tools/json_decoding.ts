// This module is browser compatible.
/**
 * Decoding of the tagged JSON encoding of the session tools: the inverse of
 * `encodeValue` (see `json_encoding.ts` for the format).
 *
 * @module
 */
// The tags are those `src/values/_tagged_json.ts` writes (it says where
// this form and PostgresStorage's differ); this decoder is the strict one:
// a malformed tag, an unknown name or field is refused with its path.
import {
  defineData,
  ERROR_TYPES,
  isTagShaped,
  taggedNumber,
} from "../values/_tagged_json.ts";
import {
  arrayIndex,
  expectArray,
  expectObject,
  expectString,
  fromBase64,
  kvU64Class,
  MAX_ARRAY_LENGTH,
  parseBigInt,
  propertyPath,
  TYPED_ARRAYS,
} from "./_tagged.ts";

/**
 * Decodes tagged JSON (as `JSON.parse` returns it) back to the session value.
 *
 * @param json The parsed JSON.
 * @param path How to name the value in error messages.
 * @returns The session value.
 * @throws {TypeError} For an unknown tag or a malformed tagged value, naming
 * the path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeValue } from "./json_decoding.ts";
 * import { encodeValue } from "./json_encoding.ts";
 *
 * const value = { bytes: new Uint8Array([1, 2]), none: undefined, nan: NaN };
 * const text = JSON.stringify(encodeValue(value));
 * assert.deepEqual(decodeValue(JSON.parse(text)), value);
 * ```
 */
export function decodeValue(json: unknown, path = "value"): unknown {
  if (json === null || typeof json !== "object") {
    if (
      typeof json === "number" || typeof json === "string" ||
      typeof json === "boolean" || json === null
    ) {
      return json;
    }
    throw new TypeError(`${path} is not JSON (${typeof json})`);
  }
  if (Array.isArray(json)) {
    return json.map((v, i) => decodeValue(v, `${path}[${i}]`));
  }
  const keys = Object.keys(json);
  const record = json as Record<string, unknown>;
  if (isTagShaped(keys)) return decodeTagged(keys[0]!, record[keys[0]!], path);
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    // A data property even for `__proto__` (see the encoder).
    defineData(out, key, decodeValue(record[key], propertyPath(path, key)));
  }
  return out;
}

const BOXABLE = new Set(["number", "string", "boolean", "bigint"]);
const ERROR_FIELDS = new Set(["name", "message", "stack", "cause"]);

function decodeError(body: unknown, path: string, where: string): Error {
  const fields = expectObject(body, where, "the error");
  for (const field of Object.keys(fields)) {
    if (!ERROR_FIELDS.has(field)) {
      throw new TypeError(
        `${where}: unknown field ${
          JSON.stringify(field)
        } (an error has name, message, stack and cause)`,
      );
    }
  }
  const name = expectString(fields.name, where, "the name");
  if (!Object.hasOwn(ERROR_TYPES, name)) {
    throw new TypeError(
      `${where}: unknown error type ${JSON.stringify(name)} (one of ${
        Object.keys(ERROR_TYPES).join(", ")
      })`,
    );
  }
  const Type = ERROR_TYPES[name]!;
  const message = expectString(fields.message, where, "the message");
  const error = Object.hasOwn(fields, "cause")
    ? new Type(message, { cause: decodeValue(fields.cause, `${path}.cause`) })
    : new Type(message);
  if (fields.stack !== undefined) {
    error.stack = expectString(fields.stack, where, "the stack");
  }
  return error;
}

const ARRAY_FIELDS = new Set(["length", "items"]);

function decodeArray(body: unknown, path: string, where: string): unknown[] {
  const fields = expectObject(body, where, "the array");
  for (const field of Object.keys(fields)) {
    if (!ARRAY_FIELDS.has(field)) {
      throw new TypeError(
        `${where}: unknown field ${
          JSON.stringify(field)
        } (an array has length and items)`,
      );
    }
  }
  const { length } = fields;
  if (
    typeof length !== "number" || !Number.isInteger(length) || length < 0 ||
    length > MAX_ARRAY_LENGTH
  ) {
    throw new TypeError(
      `${where}: the length must be a whole number from 0 to ${MAX_ARRAY_LENGTH}`,
    );
  }
  const items = expectObject(fields.items, where, "the items");
  const out: unknown[] = [];
  out.length = length;
  for (const key of Object.keys(items)) {
    const index = arrayIndex(key);
    if (index >= length) {
      throw new TypeError(
        `${where}: item ${key} is beyond the length ${length}`,
      );
    }
    if (key === "length") {
      throw new TypeError(`${where}: "length" cannot be an item`);
    }
    const itemPath = index === -1 ? propertyPath(path, key) : `${path}[${key}]`;
    Object.defineProperty(out, key, {
      value: decodeValue(items[key], itemPath),
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  return out;
}

function decodeTagged(name: string, body: unknown, path: string): unknown {
  const where = `${path} (${name})`;
  switch (name) {
    case "$undefined":
      if (body !== null) throw new TypeError(`${where}: the body must be null`);
      return undefined;
    case "$number": {
      const text = expectString(body, where, "the number");
      const number = taggedNumber(text);
      if (number === undefined) {
        throw new TypeError(`${where}: unknown number "${text}"`);
      }
      return number;
    }
    case "$bigint":
      return parseBigInt(expectString(body, where, "the integer"), where);
    case "$date": {
      if (body === null) return new Date(NaN);
      const date = new Date(expectString(body, where, "the date"));
      if (Number.isNaN(date.getTime())) {
        throw new TypeError(`${where}: invalid date "${body}"`);
      }
      return date;
    }
    case "$regexp": {
      const pattern = expectArray(body, where, "the pattern");
      if (pattern.length !== 2) {
        throw new TypeError(`${where}: the pattern must be [source, flags]`);
      }
      const [source, flags] = pattern;
      try {
        return new RegExp(
          expectString(source, where, "the source"),
          expectString(flags, where, "the flags"),
        );
      } catch (error) {
        if (error instanceof SyntaxError) {
          throw new TypeError(`${where}: ${error.message}`);
        }
        throw error;
      }
    }
    case "$map":
      return new Map(
        expectArray(body, where, "the entries").map((pair, i) => {
          const entry = expectArray(pair, `${where}[${i}]`, "an entry");
          if (entry.length !== 2) {
            throw new TypeError(
              `${where}[${i}]: an entry must be [key, value]`,
            );
          }
          return [
            decodeValue(entry[0], `${path}.<key ${i}>`),
            decodeValue(entry[1], `${path}.<value ${i}>`),
          ];
        }),
      );
    case "$set":
      return new Set(
        expectArray(body, where, "the members").map((v, i) =>
          decodeValue(v, `${path}.<${i}>`)
        ),
      );
    case "$ArrayBuffer":
      return fromBase64(expectString(body, where, "the bytes"), where).buffer;
    case "$DataView":
      return new DataView(
        fromBase64(expectString(body, where, "the bytes"), where).buffer,
      );
    case "$error":
      return decodeError(body, path, where);
    case "$kvu64": {
      const kvU64 = kvU64Class();
      if (kvU64 === undefined) {
        throw new TypeError(`${where}: KvU64 needs Deno`);
      }
      const value = parseBigInt(
        expectString(body, where, "the integer"),
        where,
      );
      if (value < 0n || value >= 2n ** 64n) {
        throw new TypeError(
          `${where}: a KvU64 holds 0 to 2^64 - 1, not ${value}`,
        );
      }
      return new kvU64(value);
    }
    case "$boxed": {
      const inner = Array.isArray(body) ? body : decodeValue(body, path);
      if (!BOXABLE.has(typeof inner)) {
        throw new TypeError(
          `${where}: a boxed value must be a number, string, boolean or bigint`,
        );
      }
      return Object(inner);
    }
    case "$array":
      return decodeArray(body, path, where);
    case "$object": {
      const fields = expectObject(body, where, "the object");
      const out: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(fields)) {
        defineData(out, key, decodeValue(v, propertyPath(path, key)));
      }
      return out;
    }
  }
  const typed = name.slice(1);
  if (Object.hasOwn(TYPED_ARRAYS, typed)) {
    const bytes = fromBase64(expectString(body, where, "the bytes"), where);
    const Type = TYPED_ARRAYS[typed]!;
    if (bytes.byteLength % Type.BYTES_PER_ELEMENT !== 0) {
      throw new TypeError(
        `${where}: ${bytes.byteLength} bytes is not a whole number of elements`,
      );
    }
    return new Type(
      bytes.buffer,
      0,
      bytes.byteLength / Type.BYTES_PER_ELEMENT,
    );
  }
  throw new TypeError(
    `${path}: unknown tag "${name}" (an object whose only key starts with "$" is a tagged value; write a plain one as { "$object": { ... } })`,
  );
}
