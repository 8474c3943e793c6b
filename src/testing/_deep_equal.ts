// This module is browser compatible.
// Compares a value read back from a store with the value written, the way
// the memory store keeps values (the rule is at the top of
// `values/_storable.ts`): same types, same own enumerable data, array holes,
// NaN and -0, and the same shape of shared references and cycles. Gives the
// first difference as a path and what differs, or `undefined` if none.

import { describe } from "./_check_kit.ts";

const getPrototypeOf = Object.getPrototypeOf;
const objectPrototype = Object.prototype;

/** The first difference between `expected` and `actual`, or `undefined`. */
export function differenceOf(
  expected: unknown,
  actual: unknown,
): string | undefined {
  return compare(expected, actual, "value", new Map());
}

function kind(value: object): string {
  const proto = getPrototypeOf(value);
  if (proto === null || proto === objectPrototype) return "Object";
  return proto.constructor?.name ?? "an object";
}

function compare(
  expected: unknown,
  actual: unknown,
  path: string,
  seen: Map<object, object>,
): string | undefined {
  if (typeof expected !== "object" || expected === null) {
    if (Object.is(expected, actual)) return undefined;
    return `${path} is ${describe(actual)} instead of ${describe(expected)}`;
  }
  if (typeof actual !== "object" || actual === null) {
    return `${path} is ${describe(actual)} instead of ${describe(expected)}`;
  }
  const twin = seen.get(expected);
  if (twin !== undefined) {
    return twin === actual
      ? undefined
      : `${path} is a separate copy where the written value had a shared reference (or a cycle)`;
  }
  seen.set(expected, actual);
  const type = kind(expected);
  if (kind(actual) !== type) {
    return `${path} is ${describe(actual)} instead of ${describe(expected)}`;
  }
  if (Array.isArray(expected)) {
    return compareArrays(expected, actual as unknown[], path, seen);
  }
  const builtIn = compareBuiltIn(type, expected, actual, path, seen);
  if (builtIn !== null) return builtIn;
  return compareProperties(expected, actual, path, seen);
}

function compareArrays(
  expected: unknown[],
  actual: unknown[],
  path: string,
  seen: Map<object, object>,
): string | undefined {
  if (expected.length !== actual.length) {
    return `${path} has length ${actual.length} instead of ${expected.length}`;
  }
  // Only the indices that exist: holes cost nothing.
  const indices = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  for (const index of indices) {
    const at = `${path}[${index}]`;
    if (Object.hasOwn(expected, index) !== Object.hasOwn(actual, index)) {
      return Object.hasOwn(expected, index)
        ? `${at} is a hole instead of ${describe(expected[index as never])}`
        : `${at} is ${describe(actual[index as never])} instead of a hole`;
    }
    const difference = compare(
      expected[index as never],
      actual[index as never],
      at,
      seen,
    );
    if (difference !== undefined) return difference;
  }
  return undefined;
}

function compareProperties(
  expected: object,
  actual: object,
  path: string,
  seen: Map<object, object>,
): string | undefined {
  const want = Object.keys(expected);
  const got = Object.keys(actual);
  for (const key of want) {
    if (!Object.hasOwn(actual, key)) {
      return `${path}.${key} is missing (it was ${
        describe((expected as Record<string, unknown>)[key])
      })`;
    }
  }
  for (const key of got) {
    if (!Object.hasOwn(expected, key)) {
      return `${path}.${key} appeared (${
        describe((actual as Record<string, unknown>)[key])
      })`;
    }
  }
  for (const key of want) {
    const difference = compare(
      (expected as Record<string, unknown>)[key],
      (actual as Record<string, unknown>)[key],
      `${path}.${key}`,
      seen,
    );
    if (difference !== undefined) return difference;
  }
  return undefined;
}

/** Compares built-in objects; `null` if `type` is not one of them. */
function compareBuiltIn(
  type: string,
  expected: object,
  actual: object,
  path: string,
  seen: Map<object, object>,
): string | undefined | null {
  const differ = (what: string, got: unknown, want: unknown): string =>
    `${path} ${what} ${describe(got)} instead of ${describe(want)}`;
  if (expected instanceof Date) {
    const [want, got] = [expected.getTime(), (actual as Date).getTime()];
    return Object.is(want, got) ? undefined : differ("is the time", got, want);
  }
  if (expected instanceof RegExp) {
    const [want, got] = [String(expected), String(actual)];
    return want === got ? undefined : differ("is", got, want);
  }
  if (expected instanceof Map) {
    return compareSequences(
      [...expected].flat(),
      [...(actual as Map<unknown, unknown>)].flat(),
      `${path} (a Map: keys and values in order)`,
      seen,
    );
  }
  if (expected instanceof Set) {
    return compareSequences(
      [...expected],
      [...(actual as Set<unknown>)],
      `${path} (a Set, in order)`,
      seen,
    );
  }
  if (expected instanceof ArrayBuffer || ArrayBuffer.isView(expected)) {
    const bytes = (value: object): number[] =>
      value instanceof ArrayBuffer ? [...new Uint8Array(value)] : [
        ...new Uint8Array(
          (value as ArrayBufferView).buffer,
          (value as ArrayBufferView).byteOffset,
          (value as ArrayBufferView).byteLength,
        ),
      ];
    const [want, got] = [bytes(expected), bytes(actual)];
    return want.length === got.length && want.every((b, i) => b === got[i])
      ? undefined
      : `${path} holds the bytes [${got.slice(0, 16)}${
        got.length > 16 ? ",..." : ""
      }] instead of [${want.slice(0, 16)}${want.length > 16 ? ",..." : ""}]`;
  }
  if (["Number", "String", "Boolean", "BigInt"].includes(type)) {
    const [want, got] = [expected.valueOf(), actual.valueOf()];
    return Object.is(want, got) ? undefined : differ("boxes", got, want);
  }
  if (expected instanceof Error) {
    const error = actual as Error;
    if (error.name !== expected.name || error.message !== expected.message) {
      return `${path} is the error "${error.name}: ${error.message}" instead of "${expected.name}: ${expected.message}"`;
    }
    return compare(expected.cause, error.cause, `${path}.cause`, seen);
  }
  return null;
}

function compareSequences(
  expected: unknown[],
  actual: unknown[],
  path: string,
  seen: Map<object, object>,
): string | undefined {
  if (expected.length !== actual.length) {
    return `${path} has ${actual.length} items instead of ${expected.length}`;
  }
  for (let i = 0; i < expected.length; i++) {
    const difference = compare(expected[i], actual[i], `${path}[${i}]`, seen);
    if (difference !== undefined) return difference;
  }
  return undefined;
}
