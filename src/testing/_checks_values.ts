// This module is browser compatible.
// The checks on values: every kind of value the memory store keeps comes
// back as it was written (through `read`, and `readWithVersion` when the
// store has it), reads and writes copy rather than share, and what a store
// cannot keep is refused with nothing written.

import {
  type AnyStorage,
  attempt,
  type Check,
  CheckFailed,
  describe,
  describeError,
  expect,
} from "./_check_kit.ts";
import { differenceOf } from "./_deep_equal.ts";

// The Date of the runtime, taken when this module loads: a caller's fake
// clock may replace the global later (`@sinonjs/fake-timers` does), and its
// dates are instances of another class, which stores rightly refuse.
const NativeDate = Date;

/** A sparse array: two elements, three holes. */
function sparse(): unknown[] {
  const array: unknown[] = [1];
  array[4] = "five";
  return array;
}

function cyclic(): unknown {
  const shared = { n: 1 };
  const node: Record<string, unknown> = { name: "node", shared };
  node.self = node;
  return { node, a: shared, b: [shared] };
}

/** The values of the round-trip checks, by what they are. */
const ROUND_TRIPS: [name: string, value: () => unknown][] = [
  ["a plain object", () => ({ a: 1, b: "two", c: [true, null, { d: [] }] })],
  ["a number as the whole session", () => 42],
  ["a string as the whole session", () => "héllo 🍕"],
  ["0 as the whole session", () => 0],
  ["false as the whole session", () => false],
  ["an empty string as the whole session", () => ""],
  ["undefined inside an object", () => ({ gone: undefined, kept: 1 })],
  [
    "NaN, -0 and infinities",
    () => ({ n: NaN, z: -0, i: Infinity, j: -Infinity }),
  ],
  ["bigints", () => ({ big: 2n ** 70n, negative: -5n })],
  ["dates", () => ({
    at: new NativeDate(1_700_000_000_123),
    invalid: new NativeDate(NaN),
  })],
  ["a regular expression", () => ({ pattern: /a+b\//giu })],
  [
    "a Map with keys of any type",
    () => new Map<unknown, unknown>([["a", 1], [2, { b: 3 }], [true, [null]]]),
  ],
  ["a Set", () => ({ set: new Set<unknown>([1, "a", 2n, { c: 1 }]) })],
  ["binary data", () => ({
    bytes: new Uint8Array([0, 1, 254, 255]),
    clamped: new Uint8ClampedArray([3, 4]),
    shorts: new Int16Array([-2, 2]),
    doubles: new Float64Array([0.5, NaN, -0]),
    longs: new BigInt64Array([-(2n ** 63n), 7n]),
    buffer: new Uint8Array([9, 8, 7]).buffer,
    view: new DataView(new Uint8Array([1, 2, 3, 4]).buffer, 1, 2),
  })],
  ["a sparse array", () => ({ list: sparse() })],
  ["boxed primitives", () => ({
    n: new Number(1),
    s: new String("s"),
    b: new Boolean(false),
    i: Object(3n),
  })],
  [
    "errors",
    () => ({ error: new RangeError("too far", { cause: { at: 3 } }) }),
  ],
  ["cycles and shared references", cyclic],
  ["a session of 300 KB", () => ({ text: "x".repeat(300_000), n: 1 })],
];

/** Keys that stores built on patterns or separators trip over. */
export const AWKWARD_KEYS: readonly string[] = [
  "-1001234567890",
  "42:17",
  "a/b",
  "ü🍕",
  "a*?[x]%_\\",
  "k".repeat(256),
];

/** The first difference between what a read gave and what was written. */
function mismatch(
  how: string,
  written: unknown,
  read: unknown,
): string | undefined {
  const difference = differenceOf(written, read);
  return difference === undefined ? undefined : `${how}: ${difference}`;
}

async function roundTrip(
  storage: AnyStorage,
  key: string,
  value: () => unknown,
) {
  const written = await attempt(() => storage.write(key, value()));
  if (!written.ok) {
    throw new CheckFailed(`write refused it: ${describeError(written.error)}`);
  }
  const read = await storage.read(key);
  const problem = mismatch("read gave it back changed", value(), read);
  if (problem !== undefined) throw new CheckFailed(problem);
  if (typeof storage.readWithVersion === "function") {
    const versioned = await storage.readWithVersion(key);
    const problem = mismatch(
      "readWithVersion gave it back changed",
      value(),
      versioned?.value,
    );
    if (problem !== undefined) throw new CheckFailed(problem);
  }
}

/** The round-trip checks, one per kind of value, and one for awkward keys. */
export const valueChecks: Check[] = [
  ...ROUND_TRIPS.map(([name, value]): Check => ({
    name: `round trip: ${name}`,
    async run({ make }) {
      await roundTrip(await make(), "7", value);
    },
  })),
  {
    name: "round trip: awkward keys",
    async run({ make }) {
      const storage = await make();
      for (const [i, key] of AWKWARD_KEYS.entries()) {
        await storage.write(key, { i });
      }
      for (const [i, key] of AWKWARD_KEYS.entries()) {
        const read = await storage.read(key);
        expect(
          differenceOf({ i }, read) === undefined,
          `read(${describe(key)}) gave ${describe(read)} instead of ${
            describe({ i })
          }`,
        );
      }
    },
  },
  {
    name: "copies: a write keeps a copy, not the caller's object",
    async run({ make }) {
      const storage = await make();
      const value = { count: 1, list: [1] };
      await storage.write("7", value);
      value.count = 2;
      value.list.push(2);
      const read = await storage.read("7");
      expect(
        differenceOf({ count: 1, list: [1] }, read) === undefined,
        `a change to the written object after write() reached the store: read gave ${
          describe(read)
        }`,
      );
    },
  },
  {
    name: "copies: every read gives a new copy",
    async run({ make }) {
      const storage = await make();
      await storage.write("7", { count: 1, list: [1] });
      const readers: [string, () => Promise<unknown>][] = [
        ["read", async () => await storage.read("7")],
      ];
      if (typeof storage.readWithVersion === "function") {
        readers.push([
          "readWithVersion",
          async () => (await storage.readWithVersion!("7")).value,
        ]);
      }
      if (typeof storage.readAllValues === "function") {
        readers.push([
          "readAllValues",
          () => firstOf(storage.readAllValues!()),
        ]);
      }
      if (typeof storage.readAllEntries === "function") {
        readers.push([
          "readAllEntries",
          async () =>
            ((await firstOf(storage.readAllEntries!())) as [string, unknown])
              ?.[1],
        ]);
      }
      for (const [how, read] of readers) {
        const first = await read() as { count: number; list: number[] };
        const second = await read();
        expect(
          first !== second,
          `${how} gave the same object twice: handlers would share one session object`,
        );
        try {
          first.count = 99;
          first.list.push(99);
        } catch (error) {
          throw new CheckFailed(
            `the object ${how} gave cannot be changed (${
              describeError(error)
            }): handlers change their session`,
          );
        }
        const again = await storage.read("7");
        expect(
          differenceOf({ count: 1, list: [1] }, again) === undefined,
          `changing the object ${how} gave changed the stored session: read then gave ${
            describe(again)
          }`,
        );
      }
    },
  },
  {
    name: "values: what the store cannot keep is refused, nothing written",
    async run({ make }) {
      const storage = await make();
      await storage.write("7", { kept: true });
      class Cart {
        items: string[] = [];
      }
      const bad: [string, unknown][] = [
        ["a function", { f: () => 1 }],
        ["a symbol", { s: Symbol("s") }],
        ["a class instance", { cart: new Cart() }],
      ];
      for (const [what, value] of bad) {
        const outcome = await attempt(() => storage.write("7", value));
        const read = await storage.read("7");
        expect(
          differenceOf({ kept: true }, read) === undefined,
          `writing a value with ${what} changed the stored session to ${
            describe(read)
          }`,
        );
        expect(
          !outcome.ok,
          `writing a value with ${what} resolved: it must be refused (a SessionValueError naming the key), since it would not come back as it was`,
        );
        expectValueError(outcome.error, "7", `writing a value with ${what}`);
      }
    },
  },
];

/** Fails unless `error` is a `SessionValueError` that names `key`. */
export function expectValueError(
  error: unknown,
  key: string,
  what: string,
): void {
  const named = error instanceof Error && error.name === "SessionValueError" &&
    (error as { key?: unknown }).key === key;
  expect(
    named,
    `${what} was refused with ${
      describeError(error)
    }: expected a SessionValueError whose key is ${describe(key)}`,
  );
}

async function firstOf(
  listing: Iterable<unknown> | AsyncIterable<unknown>,
): Promise<unknown> {
  for await (const item of listing) return item;
  return undefined;
}
