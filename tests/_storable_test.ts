import { SessionValueError } from "../mod.ts";
import { checkStorable } from "../src/values/_storable.ts";
import { deepClone } from "../src/values/_clone.ts";
import { fingerprint } from "../src/values/_fingerprint.ts";
import { assert, assertStrictEquals } from "./deps.ts";

/** The message checkStorable throws for `value`, checking the error. */
function refusal(value: unknown, key = "42"): string {
  try {
    checkStorable(key, value);
  } catch (error) {
    assert(error instanceof SessionValueError, `not a SessionValueError`);
    assertStrictEquals(error.key, key);
    const prefix = `Cannot store session "${key}": `;
    assert(error.message.startsWith(prefix), error.message);
    return error.message.slice(prefix.length);
  }
  throw new Error("did not throw");
}

function sparse(index: number, value: unknown): unknown[] {
  const array: unknown[] = [];
  array[index] = value;
  return array;
}

class Item {
  constructor(readonly sku: string) {}
}

/** Values every store keeps as they are. */
const kept: [string, unknown][] = [
  ["a KvU64 as the whole session", new Deno.KvU64(1n)],
  ["primitives", [0, -0, NaN, "", "x", true, null, undefined, 10n]],
  ["a plain object", { a: { b: [1, 2] } }],
  ["a null-prototype object", Object.assign(Object.create(null), { a: 1 })],
  ["a sparse array at a user id", { lastSeen: sparse(1_000_000_007, 1) }],
  ["an array with a named property", Object.assign([1], { x: 1 })],
  ["dates and regular expressions", [new Date(0), new Date(NaN), /a/g]],
  ["maps and sets", new Map<unknown, unknown>([[{}, new Set([1])]])],
  ["binary data", {
    buffer: new ArrayBuffer(2),
    bytes: new Uint8Array(2),
    view: new DataView(new ArrayBuffer(1)),
    big: new BigInt64Array(1),
  }],
  ["boxed primitives", [Object(1), Object("s"), Object(false), Object(1n)]],
  ["plain errors", [new Error("x"), new TypeError("y", { cause: { n: 1 } })]],
  [
    "a cycle",
    (() => {
      const value: Record<string, unknown> = {};
      value.self = value;
      return value;
    })(),
  ],
  ["a value nested 1000 levels deep", nest(999)],
];

function nest(levels: number): unknown {
  let value: unknown = {};
  for (let i = 0; i < levels; i++) value = { o: value };
  return value;
}

Deno.test("checkStorable", async (t) => {
  await t.step("accepts what stores keep as it is", () => {
    for (const [name, value] of kept) {
      try {
        checkStorable("42", value);
      } catch (error) {
        throw new Error(`${name}: ${error}`);
      }
    }
  });

  await t.step("accepts only what V8 serialisation gives back alike", () => {
    for (const [name, value] of kept) {
      // Comes back with the plain prototype; Deno KV keeps a KvU64 entry.
      if (name === "a null-prototype object" || name.includes("KvU64")) {
        continue;
      }
      // structuredClone is V8 serialisation, as Deno KV uses it.
      const back = structuredClone(value);
      // Fingerprints differ for anything V8 would store differently.
      assertStrictEquals(fingerprint(back), fingerprint(value), name);
    }
  });

  await t.step("refuses class instances, naming the path and class", () => {
    const message = refusal({ cart: { items: [1, 2, 3, new Item("x")] } });
    assert(
      message.startsWith(
        "session.cart.items[3] is an instance of Item: a store keeps only",
      ),
      message,
    );
    assert(message.includes("store plain data instead"), message);
    assert(refusal(new Item("x")).startsWith("session is an instance of Item"));
  });

  await t.step("refuses functions and symbols anywhere", () => {
    assertStrictEquals(
      refusal(() => 1),
      "session is a function, which a store cannot keep",
    );
    assertStrictEquals(
      refusal({ a: [{ b: Symbol("s") }] }),
      "session.a[0].b is a symbol, which a store cannot keep",
    );
    assertStrictEquals(
      refusal({ m: new Map([["k", () => 1]]) }),
      'session.m.get("k") is a function, which a store cannot keep',
    );
    assertStrictEquals(
      refusal({ s: new Set([1, Symbol("s")]) }),
      "session.s.values()[1] is a symbol, which a store cannot keep",
    );
    assertStrictEquals(
      refusal({ e: new Error("x", { cause: () => 1 }) }),
      "session.e.cause is a function, which a store cannot keep",
    );
    assertStrictEquals(
      refusal(Object.assign([], { onClick: () => 1 })),
      "session.onClick is a function, which a store cannot keep",
    );
  });

  await t.step("refuses subclasses of built-ins and platform objects", () => {
    class Day extends Date {}
    class Bag extends Map {}
    class Fault extends Error {}
    for (
      const [value, start] of [
        [new Day(0), "session.x is an instance of Day"],
        [new Bag(), "session.x is an instance of Bag"],
        [new Fault("f"), "session.x is an instance of Fault"],
        [
          Promise.resolve(1),
          "session.x is a Promise, which a store cannot keep",
        ],
        [new WeakMap(), "session.x is a WeakMap"],
        [new URL("https://example.com"), "session.x is a URL"],
        [new Blob(["x"]), "session.x is a Blob"],
        [new SharedArrayBuffer(1), "session.x is a SharedArrayBuffer"],
        [
          new Uint8Array(new SharedArrayBuffer(1)),
          "session.x is a Uint8Array over shared memory",
        ],
        [Object(Symbol("s")), "session.x is a boxed symbol"],
        // V8 serialisation gives it back as a plain object (Deno KV keeps
        // one only as a whole entry).
        [new Deno.KvU64(1n), "session.x is a Deno.KvU64"],
        [
          Object.assign(new Error("e"), { code: 1 }),
          "session.x is an Error with",
        ],
      ] as const
    ) {
      const message = refusal({ x: value });
      assert(message.startsWith(start), message);
    }
  });

  await t.step("refuses values nested more than 1000 levels deep", () => {
    assertStrictEquals(
      refusal(nest(100_000)),
      "session.o.o.o.o.o.o.o.o….o.o.o.o is nested more than 1000 levels " +
        "deep, which a store cannot keep",
    );
    assert(refusal(nest(1000)).includes("nested more than 1000 levels"));
  });

  await t.step("costs what exists for sparse arrays", () => {
    // Walking every index up to 4e9 would take minutes.
    const lastSeen = sparse(4_000_000_000, new Item("late"));
    assertStrictEquals(
      refusal({ lastSeen }).split(":")[0],
      "session.lastSeen[4000000000] is an instance of Item",
    );
  });

  await t.step("agrees with deepClone and fingerprint", () => {
    for (const [name, value] of kept) {
      assert(fingerprint(value) !== undefined, name);
      assertStrictEquals(
        fingerprint(deepClone(value)),
        fingerprint(value),
        name,
      );
    }
    for (const value of [new Item("x"), { f: () => 1 }, [new WeakMap()]]) {
      assertStrictEquals(fingerprint(value), undefined);
    }
    for (const value of [new Item("x"), { f: () => 1 }, nest(1000)]) {
      let copied = true;
      try {
        deepClone(value);
      } catch {
        copied = false;
      }
      assertStrictEquals(copied, false);
    }
  });

  await t.step("reports a getter that throws as a SessionValueError", () => {
    const value = {
      get broken(): never {
        throw new TypeError("no");
      },
    };
    assertStrictEquals(
      refusal(value),
      "reading the session threw TypeError: no",
    );
  });

  await t.step("works again after a refusal", () => {
    refusal({ a: new Item("x") });
    checkStorable("42", { a: { b: 1 } });
  });
});
