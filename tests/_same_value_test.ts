// The comparison with the memory store's own copy gives exactly the
// fingerprint's answer: equal if and only if both fingerprints exist and are
// the same, over the fingerprint's corpus, its cross product and random
// values with their copies and mutations; and through a real bot, a change
// only the comparison sees is written, and no change writes nothing.
import type { Context } from "grammy";
import { MemorySessionStorage, session, type SessionFlavor } from "../mod.ts";
import { deepClone } from "../src/values/_clone.ts";
import { fingerprint } from "../src/values/_fingerprint.ts";
import { sameAsStored } from "../src/values/_same_value.ts";
import { assert, assertEquals, assertStrictEquals } from "./deps.ts";
import { createBot, message } from "./_helpers.ts";
import {
  cyclic,
  different,
  encodable,
  hidden,
  mulberry32,
  mutate,
  randomValue,
  sharedPair,
  sparse,
} from "./_fingerprint_corpus.ts";

/** The fingerprint's answer: what `sameAsStored` must give. */
function samePrint(value: unknown, stored: unknown): boolean {
  const print = fingerprint(value);
  return print !== undefined && print === fingerprint(stored);
}

function check(value: unknown, stored: unknown, name: string): void {
  assertStrictEquals(
    sameAsStored(value, stored),
    samePrint(value, stored),
    name,
  );
}

/** Every value of the corpus, as factories. */
const makers: [string, () => unknown][] = [
  ...different.flatMap(([name, a, b]): [string, () => unknown][] => [
    [`${name} (left)`, a],
    [`${name} (right)`, b],
  ]),
  ...encodable,
  ["a function", () => () => 1],
  ["a nested function", () => ({ a: [1, () => 1] })],
  ["a throwing getter", () => ({
    get broken(): never {
      throw new Error("no");
    },
  })],
];

Deno.test("sameAsStored", async (t) => {
  await t.step("is false for values that are stored differently", () => {
    for (const [name, a, b] of different) {
      assertStrictEquals(sameAsStored(a(), b()), false, name);
      assertStrictEquals(sameAsStored(b(), a()), false, name);
    }
  });

  await t.step("is true for equal values and copies", () => {
    for (const [name, make] of encodable) {
      assertStrictEquals(sameAsStored(make(), make()), true, name);
      const value = make();
      assertStrictEquals(sameAsStored(deepClone(value), value), true, name);
      assertStrictEquals(sameAsStored(value, value), true, name);
    }
  });

  await t.step(
    "agrees with the fingerprint on every pair of the corpus",
    () => {
      for (const [left, a] of makers) {
        for (const [right, b] of makers) check(a(), b(), `${left} / ${right}`);
      }
    },
  );

  await t.step("agrees on sharing, cycles, key order, holes and -0", () => {
    const shared = sharedPair();
    const split = { a: { x: 1 }, b: { x: 1 } };
    check(shared, split, "shared / split");
    check(split, shared, "split / shared");
    assertStrictEquals(sameAsStored(shared, split), false);
    assertStrictEquals(sameAsStored(cyclic(), cyclic()), true);
    const other = cyclic();
    other.self = { a: 1, self: other };
    assertStrictEquals(sameAsStored(other, cyclic()), false);
    assertStrictEquals(sameAsStored({ a: 1, b: 2 }, { b: 2, a: 1 }), false);
    assertStrictEquals(sameAsStored([0], [-0]), false);
    assertStrictEquals(sameAsStored([NaN], [NaN]), true);
    assertStrictEquals(sameAsStored(hidden(), [1, 2]), false);
    assertStrictEquals(sameAsStored(sparse(5, 1), sparse(5, 1)), true);
    assertStrictEquals(sameAsStored(sparse(5, 1), sparse(4, 1, 6)), false);
    assertStrictEquals(
      sameAsStored(Object.create(null), {}),
      samePrint(Object.create(null), {}),
    );
  });

  await t.step("is false for values nested too deeply for the stack", () => {
    let deep: unknown = null;
    let again: unknown = null;
    for (let i = 0; i < 1_000_000; i++) {
      deep = [deep];
      again = [again];
    }
    assertStrictEquals(sameAsStored(deep, again), false);
  });

  await t.step("agrees on random values, copies and mutations", () => {
    const random = mulberry32(0xc0de);
    let mutations = 0;
    let previous: unknown = undefined;
    for (let round = 0; round < 600; round++) {
      const value = randomValue(random, 4);
      const copy = deepClone(value);
      assertStrictEquals(sameAsStored(copy, value), true, `round ${round}`);
      if (mutate(copy, random)) {
        mutations++;
        assertStrictEquals(sameAsStored(copy, value), false, `round ${round}`);
      }
      check(copy, value, `round ${round}`);
      check(value, previous, `round ${round} / previous`);
      previous = value;
    }
    assert(mutations > 450, `only ${mutations} mutations`);
    // Independent equal values: the same seed twice.
    const first = mulberry32(7);
    const second = mulberry32(7);
    for (let round = 0; round < 200; round++) {
      const a = randomValue(first, 4);
      const b = randomValue(second, 4);
      assertStrictEquals(sameAsStored(a, b), true, `seeded round ${round}`);
    }
  });
});

interface Recent {
  count: number;
  ids: number[];
  meta?: Record<string, unknown>;
}

Deno.test("Memory store: change detection against the stored copy", async (t) => {
  async function run(
    handler: (session: Recent) => void,
  ): Promise<{ writes: number; stored: Recent }> {
    const storage = new MemorySessionStorage<Recent>();
    storage.write("1", { count: 1, ids: [0, 2], meta: { a: 1, b: 2 } });
    let writes = 0;
    const compareAndSet = storage.compareAndSet.bind(storage);
    storage.compareAndSet = (...args) => {
      writes++;
      return compareAndSet(...args);
    };
    const bot = createBot<Context & SessionFlavor<Recent>>();
    bot.use(
      session({ initial: (): Recent => ({ count: 0, ids: [] }), storage }),
    );
    bot.on("message", (ctx) => handler(ctx.session));
    await bot.handleUpdate(message(1, "x"));
    return { writes, stored: storage.read("1")! };
  }

  await t.step("writes nothing for a read or an equal rewrite", async () => {
    assertEquals((await run((s) => void s.count)).writes, 0);
    assertEquals(
      (await run((s) => {
        s.ids = [0, 2];
        s.meta = { a: 1, b: 2 };
      })).writes,
      0,
    );
  });

  await t.step("writes changes only the exact comparison sees", async () => {
    const changes: [string, (s: Recent) => void][] = [
      ["key order", (s) => void (s.meta = { b: 2, a: 1 })],
      ["0 made -0", (s) => void (s.ids[0] = -0)],
      ["a hole", (s) => void delete s.ids[1]],
      ["a shared object", (s) => {
        const shared = { x: 1 };
        s.meta = { a: shared, b: shared };
      }],
      ["an undefined property", (s) => void (s.meta!.c = undefined)],
      ["a Map", (s) => void (s.meta!.a = new Map([[1, 1]]))],
    ];
    for (const [name, change] of changes) {
      const { writes, stored } = await run(change);
      assertEquals(writes, 1, name);
      assert(stored !== undefined, name);
    }
    const { stored } = await run((s) => void (s.meta = { b: 2, a: 1 }));
    assertEquals(Object.keys(stored.meta!), ["b", "a"]);
  });
});
