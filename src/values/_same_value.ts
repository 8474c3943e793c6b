// This module is browser compatible.
// Change detection against a stored copy, without building strings.
//
// On the memory store the middleware holds the store's own private copy of
// what it read, so instead of comparing two fingerprints it walks the final
// value and that copy side by side. The answer is exactly the fingerprint's
// (`_fingerprint.ts`): equal if and only if both values have a fingerprint
// and the two are the same. The walk stops at the first difference and
// allocates nothing but the key lists; what it does not handle itself
// (anything but primitives, plain objects, dense arrays and dates) is
// settled by the fingerprints of both values.

import { fingerprint } from "./_fingerprint.ts";
import { type Seen, SeenPool } from "./_seen.ts";
import { isDense } from "./_value_kind.ts";

/** Thrown inside the walk for what only the fingerprints settle. */
const UNSURE: unique symbol = Symbol("unsure");

const getPrototypeOf = Object.getPrototypeOf;
const objectPrototype = Object.prototype;
const arrayPrototype = Array.prototype;
const datePrototype = Date.prototype;
const getTime = Date.prototype.getTime;
const isArray = Array.isArray;
const keysOf = Object.keys;

// One pool per side: both walks run at once.
const leftPool = new SeenPool();
const rightPool = new SeenPool();

/**
 * Whether `value` has the same fingerprint as `stored`, a value a store
 * keeps (so it has one): the same answer as
 * `fingerprint(value) !== undefined && fingerprint(value) ===
 * fingerprint(stored)`, usually far cheaper.
 *
 * Types, `-0`, `NaN`, missing and `undefined` properties, key order, array
 * lengths and which parts are the same object (shared references, cycles)
 * all count, as in the fingerprint; `false` for anything without one
 * (functions, symbols, a getter that throws, values nested too deeply).
 *
 * @param value The value to check (the session after the handlers ran).
 * @param stored The stored value it is compared with.
 * @returns Whether nothing was changed.
 */
export function sameAsStored(value: unknown, stored: unknown): boolean {
  const left = leftPool.take();
  const right = rightPool.take();
  try {
    return same(value, stored, left, right);
  } catch (error) {
    // Getters that throw, stack overflow: no fingerprint, "changed".
    if (error !== UNSURE) return false;
  } finally {
    leftPool.release(left);
    rightPool.release(right);
  }
  const print = fingerprint(value);
  return print !== undefined && print === fingerprint(stored);
}

function same(a: unknown, b: unknown, left: Seen, right: Seen): boolean {
  if (typeof a !== "object" || a === null) {
    // Functions and symbols have no fingerprint; other primitives have the
    // same one exactly when `Object.is` holds (`-0`, `NaN`, types).
    if (typeof a === "function" || typeof a === "symbol") return false;
    return Object.is(a, b);
  }
  if (typeof b !== "object" || b === null) return false;
  // Objects are numbered in the order they are first met: a repeat on one
  // side must be the same repeat on the other.
  const seenA = left.get(a);
  const seenB = right.get(b);
  if (seenA !== undefined || seenB !== undefined) return seenA === seenB;
  const id = left.size;
  left.set(a, id);
  right.set(b, id);
  const protoA = getPrototypeOf(a);
  const protoB = getPrototypeOf(b);
  if (
    (protoA === objectPrototype || protoA === null) &&
    (protoB === objectPrototype || protoB === null)
  ) {
    return samePlain(
      a as Record<string, unknown>,
      b as Record<string, unknown>,
      left,
      right,
    );
  }
  if (
    protoA === arrayPrototype && protoB === arrayPrototype && isArray(a) &&
    isArray(b)
  ) {
    return sameArray(a, b, left, right);
  }
  // A date's fingerprint is its time alone (`_fingerprint.ts`).
  if (protoA === datePrototype && protoB === datePrototype) {
    return Object.is(getTime.call(a), getTime.call(b));
  }
  throw UNSURE;
}

function samePlain(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
  left: Seen,
  right: Seen,
): boolean {
  const keys = keysOf(a);
  const other = keysOf(b);
  const count = keys.length;
  if (count !== other.length) return false;
  // Key order is part of the fingerprint.
  for (let i = 0; i < count; i++) if (keys[i] !== other[i]) return false;
  for (let i = 0; i < count; i++) {
    const key = keys[i]!;
    if (!same(a[key], b[key], left, right)) return false;
  }
  return true;
}

function sameArray(
  a: unknown[],
  b: unknown[],
  left: Seen,
  right: Seen,
): boolean {
  const length = a.length;
  // The fingerprint gives the length (elements plus runs of holes).
  if (length !== b.length) return false;
  // Holes, hidden elements and named properties: the fingerprints decide.
  if (!isDense(keysOf(a), length) || !isDense(keysOf(b), length)) {
    throw UNSURE;
  }
  for (let i = 0; i < length; i++) {
    if (!same(a[i], b[i], left, right)) return false;
  }
  return true;
}
