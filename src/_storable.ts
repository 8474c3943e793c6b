// What a session store can keep as it is, and the check that refuses the
// rest. One rule for every store of this module: the memory store copies by
// it, the Deno KV store checks by it before V8 serialises, and change
// detection encodes exactly what it lets through.
//
// Kept as it is (walked, where it has parts):
// - primitives: strings, numbers (NaN and -0 too), bigints, booleans, null,
//   undefined;
// - plain objects (also with a null prototype) and arrays, with their own
//   enumerable string-keyed properties, array holes and length; symbol keys,
//   non-enumerable properties and accessors are not data and, as in V8
//   serialisation, not kept (a getter's value is);
// - Date, RegExp (not its lastIndex), Map, Set, ArrayBuffer, typed arrays,
//   DataView, boxed numbers, strings, booleans and bigints, Deno.KvU64;
// - Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError and
//   URIError objects without own enumerable properties: their message,
//   stack and cause (walked) are kept, as V8 serialisation keeps them;
// - cycles and shared references, which V8 serialisation keeps.
//
// Refused, with the path to the part and what it is: functions, symbols,
// class instances (and subclasses of the built-ins above), objects with any
// other prototype, errors with own properties (`code`, ...), platform objects
// (Promise, WeakMap, URL, Blob, SharedArrayBuffer and views over it), and
// values nested deeper than MAX_DEPTH (V8 itself fails a few thousand levels
// down, at a depth that depends on the stack).

import { SessionValueError } from "./errors.ts";
import { type Seen, SeenPool } from "./_seen.ts";

/** How deeply objects may nest in a session value. */
export const MAX_DEPTH = 1000;

/** The kinds of objects a store keeps as they are. */
export const PLAIN = 0,
  ARRAY = 1,
  DATE = 2,
  REGEXP = 3,
  MAP = 4,
  SET = 5,
  BUFFER = 6,
  VIEW = 7,
  BOXED = 8,
  ERROR = 9,
  KV_U64 = 10;

const getPrototypeOf = Object.getPrototypeOf;
const objectPrototype = Object.prototype;
const arrayPrototype = Array.prototype;
const isArray = Array.isArray;
const hasOwn = Object.hasOwn;
const identifier = /^[A-Za-z_$][\w$]*$/;

/** The built-in prototypes whose instances are kept, by kind. */
const BUILT_INS: Map<unknown, number> = (() => {
  type Type = { prototype: object } | undefined;
  const global = globalThis as unknown as Record<string, Type>;
  const kinds: [string[], number][] = [
    [["Date"], DATE],
    [["RegExp"], REGEXP],
    [["Map"], MAP],
    [["Set"], SET],
    [["ArrayBuffer"], BUFFER],
    [[
      "DataView",
      "Int8Array",
      "Uint8Array",
      "Uint8ClampedArray",
      "Int16Array",
      "Uint16Array",
      "Int32Array",
      "Uint32Array",
      "Float16Array",
      "Float32Array",
      "Float64Array",
      "BigInt64Array",
      "BigUint64Array",
    ], VIEW],
    [["Number", "String", "Boolean", "BigInt"], BOXED],
    [[
      "Error",
      "EvalError",
      "RangeError",
      "ReferenceError",
      "SyntaxError",
      "TypeError",
      "URIError",
    ], ERROR],
  ];
  const map = new Map<unknown, number>();
  for (const [names, kind] of kinds) {
    for (const name of names) {
      const type = global[name];
      if (type !== undefined) map.set(type.prototype, kind);
    }
  }
  const kvU64 = (global.Deno as { KvU64?: Type } | undefined)?.KvU64 as
    | Type
    | ((new () => object) & { prototype: object });
  if (kvU64 !== undefined) map.set(kvU64.prototype, KV_U64);
  return map;
})();

/**
 * Thrown inside a walk for a part a store cannot keep. The walk adds path
 * segments on its way back up; `describe` turns it into a sentence.
 */
export class Unstorable {
  /** Path segments from the bad part up to the root. */
  readonly segments: string[] = [];

  /**
   * @param reason What the part is, as the rest of a sentence ("is a ...").
   * @param cause The error behind it, if any.
   */
  constructor(readonly reason: string, readonly cause?: unknown) {}

  /** "root.path.to[3] is ...", with very long paths shortened. */
  describe(root: string): string {
    const segments = this.segments.slice().reverse();
    const path = segments.length > 16
      ? segments.slice(0, 8).join("") + "…" + segments.slice(-4).join("")
      : segments.join("");
    return `${root}${path} ${this.reason}`;
  }
}

/**
 * The path segment for a property key, as code would write it: `.name` for
 * identifiers, `[3]` for array indices, `["a b"]` otherwise.
 */
export function pathSegment(key: string | number): string {
  if (typeof key === "number") return `[${key}]`;
  return identifier.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** The index an own key of an array names, or -1 for a named property. */
export function arrayIndex(key: string): number {
  const first = key.charCodeAt(0);
  if (!(first >= 48 && first <= 57)) return -1;
  const n = +key;
  return n >>> 0 === n && n !== 4294967295 && "" + n === key ? n : -1;
}

/**
 * Whether `keys` (the `Object.keys` of an array of `length`) are exactly the
 * indices 0 to length - 1: no holes, no hidden elements, no named
 * properties. Array keys list indices in ascending order first, so the last
 * key being the last index settles it.
 */
export function isDense(keys: string[], length: number): boolean {
  return keys.length === length &&
    (length === 0 || keys[length - 1] === "" + (length - 1));
}

/**
 * The kind of `value` (one of the constants above), or throws `Unstorable`
 * if a store cannot keep it as it is.
 */
export function kindOf(value: object): number {
  const proto = getPrototypeOf(value);
  if (proto === objectPrototype || proto === null) return PLAIN;
  if (proto === arrayPrototype && isArray(value)) return ARRAY;
  const kind = BUILT_INS.get(proto);
  if (kind === VIEW) {
    const buffer = (value as ArrayBufferView).buffer;
    if (!(buffer instanceof ArrayBuffer)) {
      throw new Unstorable(
        `is ${
          named(nameOf(proto))
        } over shared memory, which a store cannot keep`,
      );
    }
  } else if (kind === ERROR) {
    const own = Object.keys(value);
    if (own.length > 0) {
      throw new Unstorable(
        `is ${named(nameOf(proto))} with own properties (${own.join(", ")}), ` +
          "which a store would drop; store plain data instead",
      );
    }
  }
  if (kind !== undefined) return kind;
  return foreignKind(value, proto);
}

// Objects from another realm (a `node:vm` context) with its Object or Array
// prototype are data too; anything else is refused.
function foreignKind(value: object, proto: object): number {
  const type = constructorOf(proto);
  const base = getPrototypeOf(proto);
  if (type?.name === "Object" && base === null) return PLAIN;
  if (
    type?.name === "Array" && isArray(value) && base !== null &&
    getPrototypeOf(base) === null
  ) {
    return ARRAY;
  }
  throw new Unstorable(refusal(type));
}

function refusal(type: { name: string } | undefined): string {
  const name = type?.name;
  if (!name) {
    return "is an object with a custom prototype, which a store would drop; " +
      "store plain data instead";
  }
  if ((globalThis as Record<string, unknown>)[name] === type) {
    if (name === "Promise") {
      return "is a Promise, which a store cannot keep (a missing await?)";
    }
    if (name === "Symbol") {
      return "is a boxed symbol, which a store cannot keep";
    }
    return `is ${named(name)}, which a store cannot keep as it is`;
  }
  return `is an instance of ${name}: a store keeps only its own enumerable ` +
    "data, and it would come back as a plain object without its class " +
    "(methods, getters, private fields); store plain data instead";
}

function constructorOf(proto: object): { name: string } | undefined {
  if (!hasOwn(proto, "constructor")) return undefined;
  const type = (proto as { constructor: unknown }).constructor;
  return typeof type === "function" ? type : undefined;
}

/** "a Map", "an Error", "a URL": the name with its article. */
function named(name: string): string {
  return (/^[AEIO]/.test(name) ? "an " : "a ") + name;
}

function nameOf(proto: object): string {
  return constructorOf(proto)?.name ?? "view";
}

/** The reason a primitive cannot be stored, or `undefined` if it can. */
export function primitiveRefusal(value: unknown): string | undefined {
  if (typeof value === "function") {
    return "is a function, which a store cannot keep";
  }
  if (typeof value === "symbol") {
    return "is a symbol, which a store cannot keep";
  }
  return undefined;
}

/**
 * The path segment for a part of a `Map` entry: `.keys()[1]` for a key,
 * `.get("k")` for the value of a key that can be written so, else
 * `.values()[1]`.
 */
export function mapSegment(
  inKey: boolean,
  key: unknown,
  index: number,
): string {
  if (inKey) return `.keys()[${index}]`;
  switch (typeof key) {
    case "string":
      return `.get(${JSON.stringify(key)})`;
    case "number":
    case "boolean":
      return `.get(${key})`;
    case "bigint":
      return `.get(${key}n)`;
    default:
      return key === null ? ".get(null)" : `.values()[${index}]`;
  }
}

/** The message for values nested deeper than `MAX_DEPTH`. */
export const TOO_DEEP = `is nested more than ${MAX_DEPTH} levels deep, ` +
  "which a store cannot keep";

const pool = new SeenPool();

/**
 * Throws a `SessionValueError` naming `key`, the path from `session` and
 * what the part is, if a store cannot keep `value` as it is (see the top of
 * this file for the rule). Linear in the size of the value: array holes cost
 * nothing, each object is visited once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkStorable } from "./_storable.ts";
 *
 * class Item {}
 * checkStorable("42", { items: [1, 2, new Date()] }); // fine
 * assert.throws(
 *   () => checkStorable("42", { items: [1, 2, 3, new Item()] }),
 *   /session\.items\[3\] is an instance of Item/,
 * );
 * ```
 *
 * @param key The session key, for the error.
 * @param value The session value to check.
 * @throws {SessionValueError} If a store cannot keep `value` as it is.
 */
export function checkStorable(key: string, value: unknown): void {
  if (typeof value !== "object" || value === null) {
    const reason = primitiveRefusal(value);
    if (reason !== undefined) {
      throw new SessionValueError(key, `session ${reason}`);
    }
    return;
  }
  const seen = pool.take();
  try {
    checkObject(value, seen, 0);
  } catch (error) {
    if (error instanceof Unstorable) {
      throw new SessionValueError(
        key,
        error.describe("session"),
        error.cause === undefined ? undefined : { cause: error.cause },
      );
    }
    throw error;
  } finally {
    pool.release(seen);
  }
}

function check(value: unknown, seen: Seen, depth: number): void {
  if (typeof value === "object") {
    if (value !== null) checkObject(value, seen, depth);
    return;
  }
  const reason = primitiveRefusal(value);
  if (reason !== undefined) throw new Unstorable(reason);
}

function checkObject(value: object, seen: Seen, depth: number): void {
  if (seen.get(value) !== undefined) return;
  if (depth >= MAX_DEPTH) throw new Unstorable(TOO_DEEP);
  seen.set(value, true);
  const next = depth + 1;
  const kind = kindOf(value);
  if (kind === PLAIN || kind === ARRAY) {
    checkProperties(value as Record<string, unknown>, kind, seen, next);
  } else if (kind === MAP) {
    let index = 0;
    for (const [k, v] of value as Map<unknown, unknown>) {
      within(k, seen, next, mapSegment(true, k, index));
      within(v, seen, next, mapSegment(false, k, index));
      index++;
    }
  } else if (kind === SET) {
    let index = 0;
    for (const item of value as Set<unknown>) {
      within(item, seen, next, `.values()[${index++}]`);
    }
  } else if (kind === ERROR && hasOwn(value, "cause")) {
    within((value as Error).cause, seen, next, ".cause");
  }
}

// Own enumerable properties: for arrays, the elements that exist (holes
// cost nothing) and any named properties.
function checkProperties(
  value: Record<string, unknown>,
  kind: number,
  seen: Seen,
  depth: number,
): void {
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const index = kind === ARRAY ? arrayIndex(key) : -1;
    within(value[key], seen, depth, pathSegment(index < 0 ? key : index));
  }
}

function within(
  value: unknown,
  seen: Seen,
  depth: number,
  segment: string,
): void {
  try {
    check(value, seen, depth);
  } catch (error) {
    if (error instanceof Unstorable) error.segments.push(segment);
    throw error;
  }
}
