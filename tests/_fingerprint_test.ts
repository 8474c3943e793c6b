import { deepClone } from "../src/values/_clone.ts";
import { fingerprint } from "../src/values/_fingerprint.ts";
import {
  assert,
  assertEquals,
  assertNotEquals,
  assertStrictEquals,
} from "./deps.ts";
import {
  different,
  encodable,
  mulberry32,
  mutate,
  randomValue,
  sharedPair,
  sparse,
  stored,
} from "./_fingerprint_corpus.ts";

Deno.test("fingerprint", async (t) => {
  await t.step("differs for values that are stored differently", () => {
    for (const [name, a, b] of different) {
      const left = fingerprint(a());
      const right = fingerprint(b());
      assert(left !== undefined, `${name}: left has no fingerprint`);
      assert(right !== undefined, `${name}: right has no fingerprint`);
      assert(left !== right, `${name}: both are ${JSON.stringify(left)}`);
    }
  });

  await t.step("is equal for structurally equal independent values", () => {
    for (const [name, make] of encodable) {
      const print = fingerprint(make());
      assert(print !== undefined, `${name} has no fingerprint`);
      assertStrictEquals(fingerprint(make()), print, name);
    }
  });

  await t.step("is equal for a value and its deepClone", () => {
    for (const [name, make] of encodable) {
      const value = make();
      assertStrictEquals(
        fingerprint(deepClone(value)),
        fingerprint(value),
        name,
      );
    }
  });

  await t.step("is undefined for class instances, which stores refuse", () => {
    class Order {
      constructor(public id: number, public items: string[]) {}
      get count(): number {
        return this.items.length;
      }
    }
    assertStrictEquals(fingerprint(new Order(1, ["Margherita"])), undefined);
    assertStrictEquals(fingerprint({ order: new Order(1, []) }), undefined);
    class Day extends Date {}
    assertStrictEquals(fingerprint([new Day(0)]), undefined);
  });

  await t.step("costs what exists for sparse arrays", () => {
    // Would take minutes (or run out of memory) walking every index.
    const print = fingerprint(sparse(4_000_000_000, 1));
    assert(print !== undefined);
    assertStrictEquals(fingerprint(sparse(4_000_000_000, 1)), print);
  });

  await t.step("ignores symbol keys and non-enumerable properties", () => {
    const value = { a: 1, [Symbol("s")]: () => 1 };
    Object.defineProperty(value, "hidden", { value: 2, enumerable: false });
    assertStrictEquals(fingerprint(value), fingerprint({ a: 1 }));
  });

  await t.step("is undefined for what it cannot encode", () => {
    const cannot: [string, unknown][] = [
      ["a function", () => 1],
      ["a symbol", Symbol("s")],
      ["a nested function", { a: { b: [1, () => 1] } }],
      ["a nested symbol", { a: Symbol("s") }],
      ["a function in a map", new Map([["k", () => 1]])],
      ["a function as a map key", new Map([[() => 1, 1]])],
      ["a symbol in a set", new Set([Symbol("s")])],
      ["a boxed symbol", Object(Symbol("s"))],
      [
        "an error with own properties",
        Object.assign(new Error("x"), {
          code: 1,
        }),
      ],
      ["a class instance", new (class Cart {})()],
      ["a WeakMap", { cache: new WeakMap() }],
      ["a Promise", Promise.resolve(1)],
      ["a Blob", new Blob(["x"])],
      ["a URL", new URL("https://example.com/")],
      ["a view of shared memory", new Uint8Array(new SharedArrayBuffer(2))],
      ["a throwing getter", {
        get broken(): never {
          throw new Error("no");
        },
      }],
    ];
    for (const [name, value] of cannot) {
      assertStrictEquals(fingerprint(value), undefined, name);
    }
  });

  await t.step(
    "is undefined for values nested too deeply for the stack",
    () => {
      let value: unknown = null;
      for (let i = 0; i < 1_000_000; i++) value = [value];
      assertStrictEquals(fingerprint(value), undefined);
    },
  );

  await t.step("works again after a value it could not encode", () => {
    const value = sharedPair();
    const before = fingerprint(value);
    assertStrictEquals(fingerprint({ a: value, f: () => 1 }), undefined);
    assertStrictEquals(fingerprint(value), before);
  });

  await t.step("works when a getter takes a fingerprint during one", () => {
    const inner = { x: [1] };
    const value = {
      get print() {
        return fingerprint(inner);
      },
      inner,
      again: inner,
    };
    const print = fingerprint(value);
    assertStrictEquals(
      print,
      fingerprint({ print: fingerprint(inner), inner, again: inner }),
    );
  });

  await t.step("holds for random values, their copies and mutations", () => {
    const random = mulberry32(0x5e55);
    let mutations = 0;
    for (let round = 0; round < 400; round++) {
      const value = randomValue(random, 4);
      const print = fingerprint(value);
      assert(print !== undefined, `round ${round}`);
      const copy = deepClone(value);
      assertStrictEquals(fingerprint(copy), print, `round ${round}`);
      // The copy comes back from storage exactly like the original.
      assertEquals(stored(copy), stored(value), `round ${round}`);
      if (mutate(copy, random)) {
        mutations++;
        const changed = fingerprint(copy);
        assert(changed !== print, `round ${round}: mutation not seen`);
        assertNotEquals(stored(copy), stored(value), `round ${round}`);
      }
    }
    assert(mutations > 300, `only ${mutations} mutations`);
  });
});
