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
//   array     "[" (value "," | "_" count "," for a run of holes)*
//             ("|" (length key value ",")*)? "]"
//   Map       "M[" (key "," value ",")* "]"      Set "S[" (value ",")* "]"
//   Date      "D" + time value (NaN when invalid)
//   RegExp    "R" + string token of the source + flags
//   buffer    "A" (maxByteLength "/")? byteLength ":" + one char per byte
//   views     ("V" for a DataView | "T" name "," length ",") byteOffset ","
//             byteLength "," buffer
//   boxed     "B" + "N" number | "S" string | "T"/"F" boolean | "I" bigint
//   error     "E" + type name "," (value | "_" if absent) for the message,
//             the stack and the cause
//   KvU64     "K" + digits
//   repeat    "@" + index of the first visit of the same object
// Objects are numbered in the order they are first visited, so shared
// references and cycles are encoded exactly as V8 serialisation keeps them.
// What a store cannot keep (`_storable.ts`) has no fingerprint: a write of
// such a value is refused, loudly, by the store.

import { type Seen as Ids, SeenPool } from "./_seen.ts";
import {
  ARRAY,
  arrayIndex,
  BUFFER,
  DATE,
  ERROR,
  isDense,
  kindOf,
  KV_U64,
  MAP,
  PLAIN,
  REGEXP,
  SET,
  VIEW,
} from "./_value_kind.ts";

/** Thrown inside the walk for something it cannot encode faithfully. */
const UNENCODABLE: unique symbol = Symbol("unencodable");

const getPrototypeOf = Object.getPrototypeOf;
const objectPrototype = Object.prototype;
const arrayPrototype = Array.prototype;
const objectToString = Object.prototype.toString;
const isArray = Array.isArray;
const hasOwn = Object.hasOwn;
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
const pool = new SeenPool();

/**
 * Encodes `value` canonically, for change detection.
 *
 * Two values that V8 serialisation (and so `structuredClone` and Deno KV)
 * would store differently always get different fingerprints: types are
 * distinguished (`1`, `"1"`, `1n`, `true`), as are `null` and `undefined`,
 * a missing property and one set to `undefined`, `NaN`, `-0` and `0`, array
 * holes and `undefined` elements, array lengths, named properties on arrays
 * (hidden, non-enumerable elements count as holes, as V8 stores them), dates
 * by time value (including invalid dates), regular expressions by source and
 * flags, `Map` and `Set` entries in insertion order, `ArrayBuffer`s, typed
 * arrays and `DataView`s by type, offset, length and the bytes of the whole
 * underlying buffer, boxed primitives, errors by type, message, stack and
 * cause, and which parts of the value are the same object (shared
 * references and cycles are encoded, not rejected). Symbol keys and
 * non-enumerable properties are ignored, because they are not stored.
 *
 * It costs time in proportion to what exists: a run of array holes is one
 * token, so an array with one element at index 1e9 costs one element.
 *
 * The reverse does not hold: property order is part of the fingerprint, so
 * the same properties added in another order count as a change. That only
 * costs a needless write.
 *
 * Returns `undefined` for values a store cannot keep as they are (functions,
 * symbols, class instances, platform objects: see `_storable.ts`), which the
 * caller must treat as "changed" so that the store refuses them loudly, and
 * for a getter that throws and values nested deeper than the call stack
 * allows.
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
  const ids = pool.take();
  try {
    return encodeObject(value, ids);
  } catch {
    // Unstorable parts, throwing getters, stack overflow: "changed".
    return undefined;
  } finally {
    pool.release(ids);
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
  if (proto === arrayPrototype && isArray(value)) {
    return encodeArray(value, ids);
  }
  return encodeKind(value, kindOf(value), ids);
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
  const keys = Object.keys(value);
  let out = "[";
  if (isDense(keys, length)) {
    for (let i = 0; i < length; i++) out += encode(value[i], ids) + ",";
    return out + "]";
  }
  // Holes, hidden elements or named properties: walk the own enumerable
  // keys (indices first, ascending, then names), one token per run of holes.
  const source = value as unknown as Record<string, unknown>;
  let next = 0;
  let i = 0;
  for (; i < keys.length; i++) {
    const index = arrayIndex(keys[i]!);
    if (index < 0) break;
    if (index < next) throw UNENCODABLE; // keys out of order: a proxy
    if (index > next) out += "_" + (index - next) + ",";
    out += encode(value[index], ids) + ",";
    next = index + 1;
  }
  if (length > next) out += "_" + (length - next) + ",";
  if (i < keys.length) {
    out += "|";
    for (; i < keys.length; i++) {
      const key = keys[i]!;
      if (arrayIndex(key) >= 0) throw UNENCODABLE;
      out += prefixed(key) + encode(source[key], ids) + ",";
    }
  }
  return out + "]";
}

function encodeKind(value: object, kind: number, ids: Ids): string {
  switch (kind) {
    case PLAIN: // from another realm
      return encodePlain(value as Record<string, unknown>, ids);
    case ARRAY:
      return encodeArray(value as unknown[], ids);
    case DATE:
      return "D" + (value as Date).getTime();
    case REGEXP:
      return "R" + encodePrimitive((value as RegExp).source) +
        (value as RegExp).flags;
    case MAP: {
      let out = "M[";
      for (const [k, v] of value as Map<unknown, unknown>) {
        out += encode(k, ids) + "," + encode(v, ids) + ",";
      }
      return out + "]";
    }
    case SET: {
      let out = "S[";
      for (const item of value as Set<unknown>) out += encode(item, ids) + ",";
      return out + "]";
    }
    case BUFFER:
      return encodeBuffer(value as ArrayBuffer);
    case VIEW:
      return encodeView(value as ArrayBufferView, ids);
    case ERROR:
      return "E" + getPrototypeOf(value).constructor.name + "," +
        encodeOwn(value, "message", ids) + encodeOwn(value, "stack", ids) +
        encodeOwn(value, "cause", ids);
    case KV_U64:
      return "K" + (value as { value: bigint }).value;
  }
  switch (objectToString.call(value)) {
    case "[object Number]":
      return "BN" + encodePrimitive(Number.prototype.valueOf.call(value));
    case "[object String]":
      return "BS" + encodePrimitive(String.prototype.valueOf.call(value));
    case "[object Boolean]":
      return Boolean.prototype.valueOf.call(value) ? "BT" : "BF";
    case "[object BigInt]":
      return "BI" + BigInt.prototype.valueOf.call(value);
    default:
      throw UNENCODABLE;
  }
}

function encodeOwn(value: object, key: string, ids: Ids): string {
  return hasOwn(value, key)
    ? encode((value as Record<string, unknown>)[key], ids) + ","
    : "_,";
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
