// This module is browser compatible.
// Deep copies of session values, as a database would store them.
//
// The memory store copies values in on write and out on read with this. It
// copies exactly what a store keeps (the rule is in `_storable.ts`) and
// refuses the rest in the same walk, so a write walks its value once. The
// semantics follow V8 serialisation and `structuredClone`, but plain objects
// and arrays, the bulk of every session, are copied by hand in JavaScript,
// several times faster than a trip through the V8 serialiser (see
// `bench/_util_bench.ts`).

import { type Seen, SeenPool } from "./_seen.ts";
import {
  ARRAY,
  arrayIndex,
  isDense,
  kindOf,
  MAX_DEPTH,
  PLAIN,
  primitiveRefusal,
  TOO_DEEP,
} from "./_value_kind.ts";
import { pathSegment, Unstorable, valueError } from "./_value_path.ts";
import { cloneBuiltIn } from "./_clone_builtins.ts";

const getPrototypeOf = Object.getPrototypeOf;
const objectPrototype = Object.prototype;
const arrayPrototype = Array.prototype;
const isArray = Array.isArray;

const pool = new SeenPool();

/**
 * Copies `value` deeply, the way a database would store it and give it back.
 *
 * It copies what a store keeps as it is (see `_storable.ts`): primitives;
 * plain and null-prototype objects and arrays with their own enumerable
 * string-keyed properties (a getter's value is copied; a `"__proto__"` key
 * stays an own property); array holes, length and named properties, in time
 * proportional to the elements that exist; `Date`, `RegExp` (lastIndex
 * reset), `Map`, `Set`, `ArrayBuffer`, typed arrays and `DataView` (views
 * that share a buffer share the copied one), boxed primitives, plain errors
 * and `Deno.KvU64`; cycles and shared references.
 *
 * Everything else throws a `TypeError` whose message names the path to the
 * bad part, starting at `root`, and what it is: functions, symbols, class
 * instances, platform objects, values nested deeper than `MAX_DEPTH`. For
 * example `deepClone({ handlers: { onClick() {} } }, "ctx.session")` throws
 * `TypeError: ctx.session.handlers.onClick is a function, which a store
 * cannot keep`.
 *
 * A `Proxy` of a plain object or array is read through its traps and copied
 * (V8 serialisation refuses it).
 *
 * @param value The value to copy.
 * @param root How to name `value` in error messages (default `"value"`).
 * @returns An independent copy of `value`.
 * @throws {TypeError} If a store cannot keep `value` as it is.
 */
export function deepClone<T>(value: T, root = "value"): T {
  try {
    return run(value);
  } catch (error) {
    if (!(error instanceof Unstorable)) throw error;
    throw new TypeError(error.describe(root));
  }
}

/**
 * Copies a session value for the store `key`, like `deepClone`, but refuses
 * what a store cannot keep with a `SessionValueError` that names the key and
 * the path from `session`.
 *
 * @param key The session key, for the error.
 * @param value The session value to copy.
 * @returns An independent copy of `value`.
 * @throws {SessionValueError} If a store cannot keep `value` as it is.
 */
export function copyStorable<T>(key: string, value: T): T {
  try {
    return run(value);
  } catch (error) {
    throw valueError(key, error);
  }
}

function run<T>(value: T): T {
  if (typeof value !== "object") {
    const reason = primitiveRefusal(value);
    if (reason !== undefined) throw new Unstorable(reason);
    return value;
  }
  if (value === null) return value;
  const seen = pool.take();
  try {
    return cloneObject(value, seen, 0) as T;
  } finally {
    pool.release(seen);
  }
}

function cloneValue(value: unknown, seen: Seen, depth: number): unknown {
  if (typeof value !== "object") {
    if (typeof value === "function" || typeof value === "symbol") {
      throw new Unstorable(primitiveRefusal(value)!);
    }
    return value;
  }
  if (value === null) return null;
  return cloneObject(value, seen, depth);
}

function cloneObject(value: object, seen: Seen, depth: number): unknown {
  const known = seen.get(value);
  if (known !== undefined) return known;
  if (depth >= MAX_DEPTH) throw new Unstorable(TOO_DEEP);
  const proto = getPrototypeOf(value);
  if (proto === objectPrototype || proto === null) {
    return clonePlain(value as Record<string, unknown>, seen, depth + 1);
  }
  if (proto === arrayPrototype && isArray(value)) {
    return cloneArray(value, seen, depth + 1);
  }
  const kind = kindOf(value);
  // Plain objects and arrays from another realm are data too.
  if (kind === PLAIN) {
    return clonePlain(value as Record<string, unknown>, seen, depth + 1);
  }
  if (kind === ARRAY) return cloneArray(value as unknown[], seen, depth + 1);
  return cloneBuiltIn(value, kind, seen, depth + 1, cloneValue);
}

function clonePlain(
  value: Record<string, unknown>,
  seen: Seen,
  depth: number,
): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  seen.set(value, copy);
  const keys = Object.keys(value);
  let i = 0;
  try {
    for (; i < keys.length; i++) {
      const key = keys[i]!;
      const item = value[key];
      const cloned = typeof item === "object" && item !== null
        ? cloneObject(item, seen, depth)
        : cloneValue(item, seen, depth);
      if (key === "__proto__") defineData(copy, key, cloned);
      else copy[key] = cloned;
    }
  } catch (error) {
    if (error instanceof Unstorable) {
      error.segments.push(pathSegment(keys[i]!));
    }
    throw error;
  }
  return copy;
}

function cloneArray(value: unknown[], seen: Seen, depth: number): unknown[] {
  // Filled in order, so the copy of an array without holes stays packed
  // (V8 serialises packed arrays densely, holey ones sparsely).
  const copy: unknown[] = [];
  seen.set(value, copy);
  const length = value.length;
  const keys = Object.keys(value);
  if (!isDense(keys, length)) {
    return cloneSparse(value, keys, copy, seen, depth);
  }
  let i = 0;
  try {
    for (; i < length; i++) {
      const item = value[i];
      copy[i] = typeof item === "object" && item !== null
        ? cloneObject(item, seen, depth)
        : cloneValue(item, seen, depth);
    }
  } catch (error) {
    if (error instanceof Unstorable) error.segments.push(pathSegment(i));
    throw error;
  }
  return copy;
}

// Arrays with holes, hidden (non-enumerable) elements or named properties:
// walks the own enumerable keys, so an element at index 98,765,432 costs
// what one element costs. Hidden elements become holes, as in V8
// serialisation.
function cloneSparse(
  value: unknown[],
  keys: string[],
  copy: unknown[],
  seen: Seen,
  depth: number,
): unknown[] {
  const source = value as unknown as Record<string, unknown>;
  const target = copy as unknown as Record<string, unknown>;
  let index = -1;
  let i = 0;
  try {
    for (; i < keys.length; i++) {
      const key = keys[i]!;
      index = arrayIndex(key);
      const cloned = cloneValue(source[key], seen, depth);
      if (index >= 0) copy[index] = cloned;
      else if (key === "__proto__") defineData(target, key, cloned);
      else target[key] = cloned;
    }
  } catch (error) {
    if (error instanceof Unstorable) {
      error.segments.push(pathSegment(index >= 0 ? index : keys[i]!));
    }
    throw error;
  }
  copy.length = value.length; // trailing holes
  return copy;
}

function defineData(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}
