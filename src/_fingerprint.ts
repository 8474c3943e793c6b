// This module is browser compatible.
// Canonical encodings of session values, for change detection.
//
// The middleware fingerprints a session when it is read and again after the
// handlers ran, and skips the write when both strings are equal. A false
// "unchanged" would lose data, so the encoding is injective over everything
// V8 serialisation (and so Deno KV and `structuredClone`) would store
// differently; a false "changed" only costs a write, so anything not encoded
// faithfully gives `undefined` ("always write").
//
// Grammar (every token is self-delimiting or followed by "," or a closing
// bracket, which no number, bigint, date or flag token contains):
//   undefined "u"   null "n"   true "t"   false "f"
//   number    String(n), or "-0"        (starts with a digit, "-", "N" or "I")
//   bigint    "b" + digits
//   string    "s" + length + raw string
//   object    "{" (length key value ",")* "}"
//   length    one char with that code if below 256 (a table lookup, far
//             cheaper than number formatting), else "\u0100" + digits + ":"
//   array     "[" (value | "_" for a hole, then ",")* ("|" (length key value ",")*)?
//             "]"
//   Map       "M[" (key "," value ",")* "]"      Set "S[" (value ",")* "]"
//   Date      "D" + time value (NaN when invalid)
//   RegExp    "R" + string token of the source + flags
//   buffer    "A" (maxByteLength "/")? byteLength ":" + one char per byte
//   views     ("V" for a DataView | "T" name "," length ",") byteOffset ","
//             byteLength "," buffer
//   boxed     "B" + "N" number | "S" string | "T"/"F" boolean | "I" bigint
//   KvU64     "K" + digits
//   repeat    "@" + index of the first visit of the same object
// Objects are numbered in the order they are first visited, so shared
// references and cycles are encoded exactly as V8 serialisation keeps them.

import { Seen as Ids } from "./_clone.ts";

/** Thrown inside the walk for something it cannot encode faithfully. */
const UNENCODABLE: unique symbol = Symbol("unencodable");

const getPrototypeOf = Object.getPrototypeOf;
const objectPrototype = Object.prototype;
const objectToString = Object.prototype.toString;
const isArray = Array.isArray;
const isView = ArrayBuffer.isView;
const fromCharCode = String.fromCharCode;

/** One-char length prefixes for strings shorter than 256 UTF-16 units. */
const LENGTHS: readonly string[] = Array.from(
  { length: 256 },
  (_, i) => String.fromCharCode(i),
);

function prefixed(text: string): string {
  const length = text.length;
  return (length < 256 ? LENGTHS[length]! : "\u0100" + length + ":") + text;
}

/** Reused by every call, so a fingerprint allocates little but its string. */
const sharedIds: Ids = new Ids();
let sharedIdsInUse = false;

/**
 * Encodes `value` canonically, for change detection.
 *
 * Two values that V8 serialisation (and so `structuredClone` and Deno KV)
 * would store differently always get different fingerprints: types are
 * distinguished (`1`, `"1"`, `1n`, `true`), as are `null` and `undefined`,
 * a missing property and one set to `undefined`, `NaN`, `-0` and `0`, array
 * holes and `undefined` elements, extra properties on arrays, dates by time
 * value (including invalid dates), regular expressions by source and flags,
 * `Map` and `Set` entries in insertion order, `ArrayBuffer`s, typed arrays
 * and `DataView`s by type, offset, length and the bytes of the whole
 * underlying buffer, boxed primitives, and which parts of the value are the
 * same object (shared references and cycles are encoded, not rejected).
 * Class instances are encoded like plain objects, with their own enumerable
 * string-keyed properties, because that is what gets stored; symbol keys and
 * non-enumerable properties are ignored for the same reason.
 *
 * The reverse does not hold: property order is part of the fingerprint, so
 * the same properties added in another order count as a change. That only
 * costs a needless write.
 *
 * Returns `undefined` for values it cannot encode faithfully, which the
 * caller must treat as "changed": functions and symbols anywhere, errors,
 * boxed symbols, shared or resizable memory behind a view, platform objects
 * (`WeakMap`, `Blob`, ...), a getter that throws, and values nested deeper
 * than the call stack allows.
 *
 * @param value The value to encode.
 * @returns The fingerprint, or `undefined` if there is none.
 */
export function fingerprint(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) {
    return typeof value === "function" || typeof value === "symbol"
      ? undefined
      : encodePrimitive(value);
  }
  let ids = sharedIds;
  if (sharedIdsInUse) ids = new Ids();
  else sharedIdsInUse = true;
  try {
    return encodeObject(value, ids);
  } catch {
    // Unencodable parts, throwing getters, stack overflow: "changed".
    return undefined;
  } finally {
    if (ids === sharedIds) {
      sharedIds.clear();
      sharedIdsInUse = false;
    }
  }
}

function encodePrimitive(value: unknown): string {
  switch (typeof value) {
    case "number":
      return value === 0 && 1 / value < 0 ? "-0" : "" + value;
    case "string":
      return "s" + prefixed(value);
    case "boolean":
      return value ? "t" : "f";
    case "undefined":
      return "u";
    case "bigint":
      return "b" + value;
    default:
      if (value === null) return "n";
      throw UNENCODABLE;
  }
}

function encode(value: unknown, ids: Ids): string {
  return typeof value === "object" && value !== null
    ? encodeObject(value, ids)
    : encodePrimitive(value);
}

function encodeObject(value: object, ids: Ids): string {
  const id = ids.get(value) as number | undefined;
  if (id !== undefined) return "@" + id;
  ids.set(value, ids.size);
  const proto = getPrototypeOf(value);
  if (proto === objectPrototype || proto === null) {
    return encodePlain(value as Record<string, unknown>, ids);
  }
  if (isArray(value)) return encodeArray(value, ids);
  return encodeExotic(value, ids);
}

function encodePlain(value: Record<string, unknown>, ids: Ids): string {
  const keys = Object.keys(value);
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    out += prefixed(key) + encode(value[key], ids) + ",";
  }
  return out + "}";
}

function encodeArray(value: unknown[], ids: Ids): string {
  const length = value.length;
  let present = 0;
  let out = "[";
  for (let i = 0; i < length; i++) {
    const item = value[i];
    if (item === undefined && !(i in value)) {
      out += "_,";
    } else {
      present++;
      out += encode(item, ids) + ",";
    }
  }
  const keys = Object.keys(value);
  if (keys.length !== present) {
    // Extra named properties: V8 serialisation keeps them.
    out += "|";
    const source = value as unknown as Record<string, unknown>;
    for (const key of keys) {
      if (isArrayIndex(key)) continue;
      out += prefixed(key) + encode(source[key], ids) + ",";
    }
  }
  return out + "]";
}

function isArrayIndex(key: string): boolean {
  const n = Number(key);
  return n >>> 0 === n && n !== 4294967295 && String(n) === key;
}

function encodeExotic(value: object, ids: Ids): string {
  if (value instanceof Date) return "D" + value.getTime();
  if (value instanceof RegExp) {
    return "R" + encodePrimitive(value.source) + value.flags;
  }
  if (value instanceof Map) {
    let out = "M[";
    for (const [k, v] of value) {
      out += encode(k, ids) + "," + encode(v, ids) + ",";
    }
    return out + "]";
  }
  if (value instanceof Set) {
    let out = "S[";
    for (const item of value) out += encode(item, ids) + ",";
    return out + "]";
  }
  if (value instanceof ArrayBuffer) return encodeBuffer(value);
  if (isView(value)) return encodeView(value, ids);
  const tag = objectToString.call(value);
  switch (tag) {
    case "[object Object]":
      // A class instance: V8 serialisation stores its own enumerable data.
      return encodePlain(value as Record<string, unknown>, ids);
    case "[object Number]":
      return "BN" + encodePrimitive(Number.prototype.valueOf.call(value));
    case "[object String]":
      return "BS" + encodePrimitive(String.prototype.valueOf.call(value));
    case "[object Boolean]":
      return Boolean.prototype.valueOf.call(value) ? "BT" : "BF";
    case "[object BigInt]":
      return "BI" + BigInt.prototype.valueOf.call(value);
    case "[object Deno.KvU64]":
      return "K" + (value as { value: bigint }).value;
    default:
      throw UNENCODABLE;
  }
}

function encodeBuffer(buffer: ArrayBuffer): string {
  const bytes = new Uint8Array(buffer);
  let out = "A";
  if (buffer.resizable) out += buffer.maxByteLength + "/";
  out += bytes.length + ":";
  const chunk = 8192;
  for (let i = 0; i < bytes.length; i += chunk) {
    out += fromCharCode.apply(
      null,
      bytes.subarray(i, i + chunk) as unknown as number[],
    );
  }
  return out;
}

function encodeView(view: ArrayBufferView, ids: Ids): string {
  const buffer = view.buffer;
  if (!(buffer instanceof ArrayBuffer) || buffer.resizable) throw UNENCODABLE;
  const id = ids.get(buffer) as number | undefined;
  let encodedBuffer: string;
  if (id !== undefined) encodedBuffer = "@" + id;
  else {
    ids.set(buffer, ids.size);
    encodedBuffer = encodeBuffer(buffer);
  }
  const head = view instanceof DataView
    ? "V"
    : "T" + objectToString.call(view).slice(8, -1) + "," +
      (view as unknown as { length: number }).length + ",";
  return head + view.byteOffset + "," + view.byteLength + "," +
    encodedBuffer;
}
