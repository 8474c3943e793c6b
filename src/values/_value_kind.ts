// This module is browser compatible.
// The kinds of objects a session store keeps as they are (the rule is at
// the top of `_storable.ts`), told apart by their prototype, and the reasons
// for refusing everything else.

import { Unstorable } from "./_value_path.ts";

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

/**
 * The views on binary data a store keeps, by the name of their type (where
 * the runtime has it: Float16Array is recent).
 */
export const VIEW_TYPES: readonly string[] = [
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
];

const getPrototypeOf = Object.getPrototypeOf;
const objectPrototype = Object.prototype;
const arrayPrototype = Array.prototype;
const isArray = Array.isArray;
const hasOwn = Object.hasOwn;

/** The built-in prototypes whose instances are kept, by kind. */
const BUILT_INS: Map<unknown, number> = (() => {
  type Type = { prototype: object } | undefined;
  const global = globalThis as unknown as Record<string, Type>;
  const kinds: [readonly string[], number][] = [
    [["Date"], DATE],
    [["RegExp"], REGEXP],
    [["Map"], MAP],
    [["Set"], SET],
    [["ArrayBuffer"], BUFFER],
    [VIEW_TYPES, VIEW],
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
  // Deno KV's unsigned 64-bit integers, where the runtime has them.
  const kvU64: Type = (global.Deno as { KvU64?: Type } | undefined)?.KvU64;
  if (kvU64 !== undefined) map.set(kvU64.prototype, KV_U64);
  return map;
})();

/** Whether `value` is a Deno.KvU64 (on a runtime that has them). */
export function isKvU64(value: unknown): boolean {
  return typeof value === "object" && value !== null &&
    BUILT_INS.get(getPrototypeOf(value)) === KV_U64;
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

/** The message for values nested deeper than `MAX_DEPTH`. */
export const TOO_DEEP = `is nested more than ${MAX_DEPTH} levels deep, ` +
  "which a store cannot keep";
