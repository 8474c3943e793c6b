// This module is browser compatible.
// Tagged JSON: JSON in which an object whose only key starts with `$` is a
// tag for a value JSON cannot say (`{"$date": "1970-01-01T00:00:00.000Z"}`).
// Two forms are built on it, and both are stored: the session tools' (`get`,
// `set`, `export`, `import`, the inspector: `src/tools/json_encoding.ts`,
// `json_decoding.ts`) and PostgresStorage's rows (`src/stores/postgres/`).
// Here is what both write to the same bytes and read the same way.
//
// What differs stays with each, on purpose: export files and table rows
// already written must keep reading, so neither form can become the other.
// - An array with holes or named members: the tools write
//   `{"$array": {"length": n, "items": {key: value}}}`, PostgreSQL
//   `{"$array": {"length": n, "entries": [[key, value], ...]}}`.
// - An object met twice: PostgreSQL writes `{"$ref": n}`, so shared
//   references and cycles survive; the tools write it again and refuse a
//   cycle (an export is read and edited by people).
// - An Error's name: the tools write a listed one (any other as "Error", as
//   V8 and so Deno KV keep it); PostgreSQL writes it as it is.
// - Decoding: the tools check everything and name the path in their errors
//   (their input may be a file a person edited); PostgreSQL reads back what
//   it wrote, numbering objects as they are made for `$ref`.

import { toBase64 } from "./_base64.ts";

/** A value of tagged JSON: what `JSON.parse` gives. */
export type Tagged =
  | null
  | boolean
  | number
  | string
  | Tagged[]
  | { [key: string]: Tagged };

/** Encodes a part of a value; `path` names it in errors. */
export type EncodePart = (value: unknown, path: string) => Tagged;

/** `{ [name]: body }`. */
export function tag(name: string, body: Tagged): Tagged {
  return { [name]: body };
}

/**
 * Whether an object with these own keys is a tag (read) or must be wrapped
 * in `{"$object": ...}` not to be taken for one (written).
 */
export function isTagShaped(keys: readonly string[]): boolean {
  return keys.length === 1 && keys[0]!.startsWith("$");
}

/** The numbers JSON cannot say, by the name `{"$number": name}` gives. */
export const TAGGED_NUMBERS: Readonly<Record<string, number>> = {
  NaN: NaN,
  Infinity: Infinity,
  "-Infinity": -Infinity,
  "-0": -0,
};

/** The number a `$number` body names, or `undefined` (only own names). */
export function taggedNumber(body: unknown): number | undefined {
  return typeof body === "string" && Object.hasOwn(TAGGED_NUMBERS, body)
    ? TAGGED_NUMBERS[body]
    : undefined;
}

/** The error types kept by their name (what V8 serialisation keeps). */
export const ERROR_TYPES: Readonly<Record<string, ErrorConstructor>> = {
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
};

/** Returned by {@linkcode encodePrimitive} for an object or `null`. */
export const NOT_PRIMITIVE: unique symbol = Symbol("not primitive");

/**
 * A string, boolean, `undefined`, bigint or number, encoded; anything else
 * (objects, `null`, functions, symbols) is left to the caller.
 */
export function encodePrimitive(
  value: unknown,
): Tagged | typeof NOT_PRIMITIVE {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "undefined":
      return tag("$undefined", null);
    case "bigint":
      return tag("$bigint", value.toString());
    case "number":
      if (Number.isFinite(value) && !Object.is(value, -0)) return value;
      return tag("$number", Object.is(value, -0) ? "-0" : String(value));
  }
  return NOT_PRIMITIVE;
}

/** `{"$date": "<ISO>"}`, `null` for an invalid date. */
export function encodeDate(date: Date): Tagged {
  return tag("$date", Number.isNaN(date.getTime()) ? null : date.toISOString());
}

/** `{"$regexp": [source, flags]}`. */
export function encodeRegExp(regexp: RegExp): Tagged {
  return tag("$regexp", [regexp.source, regexp.flags]);
}

/** `{"$<type name>": "<base64 of the bytes>"}` (platform byte order). */
export function encodeBytes(
  name: string,
  data: ArrayBuffer | ArrayBufferView,
): Tagged {
  const bytes = data instanceof ArrayBuffer
    ? new Uint8Array(data)
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return tag(`$${name}`, toBase64(bytes));
}

/** `{"$kvu64": "<digits>"}` for a `Deno.KvU64`. */
export function encodeKvU64(value: { value: bigint }): Tagged {
  return tag("$kvu64", value.value.toString());
}

/** `{"$map": [[key, value], ...]}`, each part encoded by `encode`. */
export function encodeMap(
  map: Map<unknown, unknown>,
  path: string,
  encode: EncodePart,
): Tagged {
  const pairs: Tagged[] = [];
  let i = 0;
  for (const [k, v] of map) {
    pairs.push([
      encode(k, `${path}.<key ${i}>`),
      encode(v, `${path}.<value ${i}>`),
    ]);
    i++;
  }
  return tag("$map", pairs);
}

/** `{"$set": [member, ...]}`, each member encoded by `encode`. */
export function encodeSet(
  set: Set<unknown>,
  path: string,
  encode: EncodePart,
): Tagged {
  return tag("$set", [...set].map((v, i) => encode(v, `${path}.<${i}>`)));
}

/** `{"$boxed": <the primitive, encoded>}` for `new Number(1)` and the like. */
export function encodeBoxed(
  boxed: { valueOf(): unknown },
  path: string,
  encode: EncodePart,
): Tagged {
  return tag("$boxed", encode(boxed.valueOf(), path));
}

/**
 * `{"$error": {name, message, stack?, cause?}}`: `name` as the form writes
 * it, the stack if it is a string, the cause if the error has one.
 */
export function encodeError(
  error: Error,
  name: string,
  path: string,
  encode: EncodePart,
): Tagged {
  const body: Record<string, Tagged> = { name, message: error.message };
  if (typeof error.stack === "string") body.stack = error.stack;
  if ("cause" in error) body.cause = encode(error.cause, `${path}.cause`);
  return tag("$error", body);
}

/**
 * Defines `key` on `target` as a data property, even `__proto__` (on
 * Node.js an assignment would set the prototype instead).
 */
export function defineData(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}
