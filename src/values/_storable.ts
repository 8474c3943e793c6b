// This module is browser compatible.
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
//   DataView, boxed numbers, strings, booleans and bigints; a Deno.KvU64 as
//   the whole session (Deno KV keeps one only as a whole entry);
// - Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError and
//   URIError objects without own enumerable properties: their message,
//   stack and cause (walked) are kept, as V8 serialisation keeps them;
// - cycles and shared references, which V8 serialisation keeps.
//
// Refused, with the path to the part and what it is: functions, symbols,
// class instances (and subclasses of the built-ins above), objects with any
// other prototype, errors with own properties (`code`, ...), a Deno.KvU64
// inside a session, platform objects
// (Promise, WeakMap, URL, Blob, SharedArrayBuffer and views over it), and
// values nested deeper than MAX_DEPTH (V8 itself fails a few thousand levels
// down, at a depth that depends on the stack).

import { SessionValueError } from "../contract/errors.ts";
import { type Seen, SeenPool } from "./_seen.ts";
import {
  ARRAY,
  arrayIndex,
  ERROR,
  isDense,
  kindOf,
  KV_U64,
  MAP,
  MAX_DEPTH,
  PLAIN,
  primitiveRefusal,
  SET,
  TOO_DEEP,
} from "./_value_kind.ts";
import {
  mapSegment,
  pathSegment,
  Unstorable,
  valueError,
} from "./_value_path.ts";

const hasOwn = Object.hasOwn;
const getPrototypeOf = Object.getPrototypeOf;
const objectPrototype = Object.prototype;

const KV_U64_REFUSAL = "is a Deno.KvU64, which Deno KV keeps only as a " +
  "whole entry (a session that is one) and gives back inside a session as " +
  "a plain object; store its bigint (`.value`) instead";

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
    throw valueError(key, error);
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
  if (depth >= MAX_DEPTH) throw new Unstorable(TOO_DEEP);
  // Most of a large session: plain records (what `kindOf` calls PLAIN).
  if (getPrototypeOf(value) === objectPrototype) {
    checkPlain(value as Record<string, unknown>, seen, depth);
    return;
  }
  const kind = kindOf(value);
  // A Deno.KvU64 only as the whole session: Deno KV keeps it as an entry.
  if (kind === KV_U64) {
    if (depth === 0) return;
    throw new Unstorable(KV_U64_REFUSAL);
  }
  if (kind === PLAIN) {
    checkPlain(value as Record<string, unknown>, seen, depth);
    return;
  }
  if (kind === ARRAY) {
    checkArray(value as Record<string, unknown>, seen, depth);
    return;
  }
  if (!firstMeeting(value, seen)) return;
  const next = depth + 1;
  if (kind === MAP) {
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

/**
 * Objects and arrays with at most this many properties are remembered only
 * once one is found to hold another object: one of primitives only cannot
 * be part of a cycle, and checking it again where it is shared costs no more
 * than remembering it (large sessions are mostly such records).
 */
const SMALL = 32;

// Captured once: V8 compiles this check inside `for...in` to a look-up in
// the object's own keys.
const hasOwnProperty = Object.prototype.hasOwnProperty;

// The own enumerable properties of a plain object, in the order
// `Object.keys` lists them: `for...in` with the own-property check lists
// exactly those (an inherited enumerable property is skipped; an own
// non-enumerable one shadows it), without allocating an array of keys per
// object, which was most of the cost of checking a large session of small
// records. The path segment of a part is only made for a part that is
// refused: a check that passes builds no strings.
function checkPlain(
  value: Record<string, unknown>,
  seen: Seen,
  depth: number,
): void {
  let remembered = false;
  let count = 0;
  for (const key in value) {
    if (!hasOwnProperty.call(value, key)) continue;
    if (!remembered && ++count > SMALL) {
      if (!firstMeeting(value, seen)) return; // met before: checked
      remembered = true;
    }
    const inner = value[key];
    const type = typeof inner;
    if (type === "object") {
      if (inner === null) continue;
      if (!remembered) {
        if (!firstMeeting(value, seen)) return; // met before: checked
        remembered = true;
      }
      try {
        checkObject(inner as object, seen, depth + 1);
      } catch (error) {
        throw withSegment(error, key, -1);
      }
    } else if (type === "function" || type === "symbol") {
      throw withSegment(new Unstorable(primitiveRefusal(inner)!), key, -1);
    }
  }
}

// Own enumerable properties of an array: the elements that exist (holes
// cost nothing) and any named properties.
function checkArray(
  value: Record<string, unknown>,
  seen: Seen,
  depth: number,
): void {
  const keys = Object.keys(value);
  let remembered = keys.length > SMALL;
  if (remembered && !firstMeeting(value, seen)) return;
  // Without holes or named properties, elements are read by number.
  const dense = isDense(keys, (value as unknown as unknown[]).length);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const inner = dense ? (value as unknown as unknown[])[i] : value[key];
    const type = typeof inner;
    if (type === "object") {
      if (inner === null) continue;
      if (!remembered) {
        if (!firstMeeting(value, seen)) return; // met before: checked
        remembered = true;
      }
      try {
        checkObject(inner as object, seen, depth + 1);
      } catch (error) {
        throw withSegment(error, key, arrayIndex(key));
      }
    } else if (type === "function" || type === "symbol") {
      const refused = new Unstorable(primitiveRefusal(inner)!);
      throw withSegment(refused, key, arrayIndex(key));
    }
  }
}

/** Adds the segment of property `key` (`index` for an element) to a refusal. */
function withSegment(error: unknown, key: string, index: number): unknown {
  if (error instanceof Unstorable) {
    error.segments.push(pathSegment(index < 0 ? key : index));
  }
  return error;
}

/** Remembers `value` as met; `false` if it was met before. */
function firstMeeting(value: object, seen: Seen): boolean {
  if (seen.get(value) !== undefined) return false;
  seen.set(value, true);
  return true;
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
