import { BotError, type Context } from "grammy";
import {
  type MemorySessionEntry,
  MemorySessionStorage,
  session,
  type SessionFlavor,
  SessionValueError,
} from "../mod.ts";
import {
  assert,
  assertEquals,
  assertNotEquals,
  assertStrictEquals,
  assertThrows,
  fakeTime,
} from "./deps.ts";
import { createBot, message } from "./_helpers.ts";

interface Pizza {
  pizzaCount: number;
  toppings?: string[];
}
type PizzaContext = Context & SessionFlavor<Pizza>;

/** Exposes the protected map, to see what the store really keeps. */
class InspectableStorage<S> extends MemorySessionStorage<S> {
  get entries(): Map<string, MemorySessionEntry<S>> {
    return this.storage;
  }
}

Deno.test("MemorySessionStorage copies values in and out", async (t) => {
  await t.step("keeps the written value when the original changes", () => {
    const storage = new MemorySessionStorage<Pizza>();
    const value = { pizzaCount: 1, toppings: ["cheese"] };
    storage.write("1", value);
    value.pizzaCount = 99;
    value.toppings.push("ham");
    assertEquals(storage.read("1"), { pizzaCount: 1, toppings: ["cheese"] });
  });

  await t.step("keeps the stored value when a read result changes", () => {
    const storage = new MemorySessionStorage<Pizza>();
    storage.write("1", { pizzaCount: 1, toppings: ["cheese"] });
    const read = storage.read("1")!;
    read.pizzaCount = 99;
    read.toppings!.push("ham");
    assertEquals(storage.read("1"), { pizzaCount: 1, toppings: ["cheese"] });
  });

  await t.step("gives a different object on every read", () => {
    const storage = new MemorySessionStorage<Pizza>();
    storage.write("1", { pizzaCount: 1 });
    const a = storage.read("1");
    const b = storage.read("1");
    assertEquals(a, b);
    assert(a !== b);
  });

  await t.step("copies the values of readWithVersion and readAll*", () => {
    const storage = new MemorySessionStorage<Pizza>();
    storage.write("1", { pizzaCount: 1 });
    storage.readWithVersion("1").value!.pizzaCount = 2;
    storage.readAllValues()[0]!.pizzaCount = 3;
    storage.readAllEntries()[0]![1].pizzaCount = 4;
    storage.readAll()[0]!.pizzaCount = 5;
    assertEquals(storage.read("1"), { pizzaCount: 1 });
  });

  await t.step("copies values written with compareAndSet", () => {
    const storage = new MemorySessionStorage<Pizza>();
    const value = { pizzaCount: 1 };
    assert(storage.compareAndSet("1", null, value).ok);
    value.pizzaCount = 2;
    assertEquals(storage.read("1"), { pizzaCount: 1 });
  });

  await t.step(
    "keeps Date, Map, Set, BigInt and Uint8Array values intact",
    () => {
      const storage = new MemorySessionStorage<unknown>();
      const value = {
        date: new Date(1_700_000_000_000),
        map: new Map([["a", 1]]),
        set: new Set(["x", "y"]),
        big: 12345678901234567890n,
        bytes: new Uint8Array([1, 2, 3]),
        nested: { list: [1, "two", null] },
      };
      storage.write("1", value);
      const read = storage.read("1") as typeof value;
      assertEquals(read, value);
      assert(read.date instanceof Date);
      assert(read.map instanceof Map);
      assert(read.set instanceof Set);
      assertStrictEquals(typeof read.big, "bigint");
      assert(read.bytes instanceof Uint8Array);
      assert(read.bytes !== value.bytes);
    },
  );

  await t.step("stores primitive values", () => {
    const storage = new MemorySessionStorage<unknown>();
    storage.write("n", 42);
    storage.write("s", "text");
    storage.write("z", 0);
    storage.write("f", false);
    assertEquals(storage.read("n"), 42);
    assertEquals(storage.read("s"), "text");
    assertEquals(storage.read("z"), 0);
    assertEquals(storage.read("f"), false);
    assertEquals(storage.readAllKeys().sort(), ["f", "n", "s", "z"]);
  });

  await t.step("keeps cyclic values, with their cycles", () => {
    const storage = new MemorySessionStorage<{ self?: unknown }>();
    const value: { self?: unknown } = {};
    value.self = value;
    storage.write("1", value);
    const read = storage.read("1")!;
    assert(read.self === read);
  });
});

Deno.test("MemorySessionStorage rejects values it cannot copy", async (t) => {
  const bad: [string, unknown][] = [
    ["a function", () => 1],
    ["a symbol", Symbol("s")],
    ["an object with a function", { pizzaCount: 1, f: () => 1 }],
    ["an object with a symbol", { pizzaCount: 1, s: Symbol("s") }],
  ];
  for (const [name, value] of bad) {
    await t.step(
      `throws SessionValueError at write for ${name} and keeps the old value`,
      () => {
        const storage = new MemorySessionStorage<unknown>();
        storage.write("424242", { pizzaCount: 1 });
        assertThrows(() => storage.write("424242", value), SessionValueError);
        assertEquals(storage.read("424242"), { pizzaCount: 1 });
      },
    );
  }

  await t.step("names the key and the path in the error", () => {
    const storage = new MemorySessionStorage<unknown>();
    let caught: unknown;
    try {
      storage.write("424242", { f: () => 1 });
    } catch (error) {
      caught = error;
    }
    assert(caught instanceof SessionValueError);
    assertEquals(caught.key, "424242");
    assertEquals(
      caught.message,
      'Cannot store session "424242": session.f is a function, which a ' +
        "store cannot keep",
    );
  });

  await t.step("stores nothing for a key that had no value", () => {
    const storage = new MemorySessionStorage<unknown>();
    assertThrows(() => storage.write("1", Symbol("s")), SessionValueError);
    assertEquals(storage.has("1"), false);
    assertEquals(storage.readAllKeys(), []);
  });

  await t.step("throws at compareAndSet and keeps the old value", () => {
    const storage = new MemorySessionStorage<unknown>();
    storage.write("1", { pizzaCount: 1 });
    const { version } = storage.readWithVersion("1");
    assertThrows(
      () => storage.compareAndSet("1", version, { f: () => 1 }),
      SessionValueError,
    );
    assertEquals(storage.readWithVersion("1"), {
      value: { pizzaCount: 1 },
      version,
    });
  });

  await t.step("refuses undefined as a value to write", () => {
    const storage = new MemorySessionStorage<unknown>();
    assertThrows(() => storage.write("1", undefined), SessionValueError);
    assertEquals(storage.has("1"), false);
  });
});

Deno.test("MemorySessionStorage reads, writes and lists", async (t) => {
  await t.step("reads undefined for a key that was never written", () => {
    const storage = new MemorySessionStorage<Pizza>();
    assertStrictEquals(storage.read("1"), undefined);
    assertEquals(storage.has("1"), false);
  });

  await t.step("overwrites on write and forgets on delete", () => {
    const storage = new MemorySessionStorage<Pizza>();
    storage.write("1", { pizzaCount: 1 });
    storage.write("1", { pizzaCount: 2 });
    assertEquals(storage.read("1"), { pizzaCount: 2 });
    assertEquals(storage.has("1"), true);
    storage.delete("1");
    assertStrictEquals(storage.read("1"), undefined);
    assertEquals(storage.has("1"), false);
  });

  await t.step("ignores a delete of a key it does not have", () => {
    const storage = new MemorySessionStorage<Pizza>();
    storage.delete("nope");
    assertEquals(storage.readAllKeys(), []);
  });

  await t.step("lists keys, values and entries in write order", () => {
    const storage = new MemorySessionStorage<Pizza>();
    storage.write("a", { pizzaCount: 1 });
    storage.write("b", { pizzaCount: 2 });
    storage.write("c", { pizzaCount: 3 });
    storage.delete("b");
    assertEquals(storage.readAllKeys(), ["a", "c"]);
    assertEquals(storage.readAllValues(), [{ pizzaCount: 1 }, {
      pizzaCount: 3,
    }]);
    assertEquals(storage.readAllEntries(), [
      ["a", { pizzaCount: 1 }],
      ["c", { pizzaCount: 3 }],
    ]);
  });

  await t.step("keeps the deprecated readAll as readAllValues", () => {
    const storage = new MemorySessionStorage<Pizza>();
    storage.write("a", { pizzaCount: 1 });
    storage.write("b", { pizzaCount: 2 });
    assertEquals(storage.readAll(), storage.readAllValues());
  });

  await t.step("lists nothing when empty", () => {
    const storage = new MemorySessionStorage<Pizza>();
    assertEquals(storage.readAllKeys(), []);
    assertEquals(storage.readAllValues(), []);
    assertEquals(storage.readAllEntries(), []);
    assertEquals(storage.readAll(), []);
  });

  await t.step("exposes its options", () => {
    const storage = new MemorySessionStorage<Pizza>(1000, { maxEntries: 5 });
    assertEquals(storage.timeToLive, 1000);
    assertEquals(storage.maxEntries, 5);
    const forever = new MemorySessionStorage<Pizza>(Infinity);
    assertStrictEquals(forever.timeToLive, undefined);
    assertStrictEquals(forever.maxEntries, undefined);
  });
});

Deno.test("MemorySessionStorage with a time to live", async (t) => {
  await t.step("returns a session until its time to live has passed", () => {
    const clock = fakeTime();
    try {
      const storage = new MemorySessionStorage<Pizza>(1000);
      storage.write("1", { pizzaCount: 1 });
      clock.tick(1000);
      assertEquals(storage.has("1"), true);
      clock.tick(1);
      assertEquals(storage.has("1"), false);
      assertStrictEquals(storage.read("1"), undefined);
    } finally {
      clock.uninstall();
    }
  });

  await t.step(
    "never returns an expired session from read, has or readAll*",
    () => {
      const clock = fakeTime();
      try {
        const storage = new MemorySessionStorage<Pizza>(1000);
        storage.write("old", { pizzaCount: 1 });
        clock.tick(600);
        storage.write("new", { pizzaCount: 2 });
        clock.tick(600); // "old" expired, "new" has 400 ms left
        assertEquals(storage.readAllKeys(), ["new"]);
        assertEquals(storage.readAllValues(), [{ pizzaCount: 2 }]);
        assertEquals(storage.readAllEntries(), [["new", { pizzaCount: 2 }]]);
        assertEquals(storage.readAll(), [{ pizzaCount: 2 }]);
        assertEquals(storage.has("old"), false);
        assertStrictEquals(storage.read("old"), undefined);
        assertEquals(storage.readWithVersion("old"), {
          value: undefined,
          version: null,
        });
      } finally {
        clock.uninstall();
      }
    },
  );

  await t.step("keeps a session alive while it is read (sliding)", () => {
    const clock = fakeTime();
    try {
      const storage = new MemorySessionStorage<Pizza>(1000);
      storage.write("1", { pizzaCount: 1 });
      for (let i = 0; i < 10; i++) {
        clock.tick(900);
        assertEquals(storage.read("1"), { pizzaCount: 1 });
      }
      // readWithVersion counts as a read too
      clock.tick(900);
      assertEquals(storage.readWithVersion("1").value, { pizzaCount: 1 });
      clock.tick(900);
      assertEquals(storage.read("1"), { pizzaCount: 1 });
      clock.tick(1001);
      assertStrictEquals(storage.read("1"), undefined);
    } finally {
      clock.uninstall();
    }
  });

  await t.step("does not extend a session on has or readAll*", () => {
    const clock = fakeTime();
    try {
      const storage = new MemorySessionStorage<Pizza>(1000);
      storage.write("1", { pizzaCount: 1 });
      clock.tick(900);
      assertEquals(storage.has("1"), true);
      assertEquals(storage.readAllKeys(), ["1"]);
      clock.tick(101);
      assertEquals(storage.has("1"), false);
    } finally {
      clock.uninstall();
    }
  });

  await t.step("starts a new time to live on every write", () => {
    const clock = fakeTime();
    try {
      const storage = new MemorySessionStorage<Pizza>(1000);
      storage.write("1", { pizzaCount: 1 });
      clock.tick(900);
      storage.write("1", { pizzaCount: 2 });
      clock.tick(900);
      assertEquals(storage.has("1"), true);
      assertEquals(storage.read("1"), { pizzaCount: 2 });
    } finally {
      clock.uninstall();
    }
  });

  await t.step(
    "reclaims expired sessions as new ones are written, without reads",
    () => {
      const clock = fakeTime();
      try {
        const storage = new InspectableStorage<Pizza>(1000);
        for (let i = 0; i < 10_000; i++) {
          storage.write(String(i), { pizzaCount: i });
          clock.tick(10); // each chat writes once, then goes silent
        }
        // 1000 ms / 10 ms per write: about 100 live sessions at any time
        assert(
          storage.entries.size <= 101,
          `the map holds ${storage.entries.size} entries`,
        );
        clock.tick(2000);
        storage.write("last", { pizzaCount: 0 });
        assertEquals([...storage.entries.keys()], ["last"]);
      } finally {
        clock.uninstall();
      }
    },
  );

  await t.step("reclaims expired sessions behind a session kept alive", () => {
    const clock = fakeTime();
    try {
      const storage = new InspectableStorage<Pizza>(1000);
      storage.write("active", { pizzaCount: 0 });
      for (let i = 0; i < 100; i++) {
        storage.write(`idle${i}`, { pizzaCount: i });
        clock.tick(100);
        storage.read("active");
      }
      assert(
        storage.entries.size <= 12,
        `the map holds ${storage.entries.size} entries`,
      );
      assertEquals(storage.read("active"), { pizzaCount: 0 });
    } finally {
      clock.uninstall();
    }
  });

  await t.step("treats an expired session as absent in compareAndSet", () => {
    const clock = fakeTime();
    try {
      const storage = new MemorySessionStorage<Pizza>(1000);
      storage.write("1", { pizzaCount: 1 });
      const { version } = storage.readWithVersion("1");
      clock.tick(1001);
      assertEquals(storage.compareAndSet("1", version, { pizzaCount: 2 }), {
        ok: false,
      });
      const result = storage.compareAndSet("1", null, { pizzaCount: 3 });
      assert(result.ok);
      assertEquals(storage.read("1"), { pizzaCount: 3 });
    } finally {
      clock.uninstall();
    }
  });

  await t.step("accepts Infinity as no time to live", () => {
    const clock = fakeTime();
    try {
      const storage = new MemorySessionStorage<Pizza>(Infinity);
      storage.write("1", { pizzaCount: 1 });
      clock.tick(1e12);
      assertEquals(storage.read("1"), { pizzaCount: 1 });
    } finally {
      clock.uninstall();
    }
  });

  // Deno's sanitizers fail this step if the store left a timer running.
  await t.step("starts no timers", () => {
    const storage = new MemorySessionStorage<Pizza>(10, { maxEntries: 2 });
    storage.write("1", { pizzaCount: 1 });
    storage.read("1");
    storage.compareAndSet("2", null, { pizzaCount: 2 });
  });
});

Deno.test("MemorySessionStorage with maxEntries", async (t) => {
  await t.step("drops the least recently written session first", () => {
    const storage = new MemorySessionStorage<Pizza>(undefined, {
      maxEntries: 2,
    });
    storage.write("a", { pizzaCount: 1 });
    storage.write("b", { pizzaCount: 2 });
    storage.write("c", { pizzaCount: 3 });
    assertEquals(storage.readAllKeys(), ["b", "c"]);
    assertStrictEquals(storage.read("a"), undefined);
  });

  await t.step("counts a read as a use", () => {
    const storage = new MemorySessionStorage<Pizza>(undefined, {
      maxEntries: 2,
    });
    storage.write("a", { pizzaCount: 1 });
    storage.write("b", { pizzaCount: 2 });
    storage.read("a");
    storage.write("c", { pizzaCount: 3 });
    assertEquals(storage.readAllKeys().sort(), ["a", "c"]);
  });

  await t.step("counts a rewrite as a use, without growing", () => {
    const storage = new InspectableStorage<Pizza>(undefined, {
      maxEntries: 2,
    });
    storage.write("a", { pizzaCount: 1 });
    storage.write("b", { pizzaCount: 2 });
    storage.write("a", { pizzaCount: 3 });
    assertEquals(storage.entries.size, 2);
    storage.write("c", { pizzaCount: 4 });
    assertEquals(storage.readAllKeys().sort(), ["a", "c"]);
  });

  await t.step("never holds more than maxEntries sessions", () => {
    const storage = new InspectableStorage<Pizza>(undefined, {
      maxEntries: 10,
    });
    for (let i = 0; i < 1000; i++) {
      if (i % 2 === 0) storage.write(String(i), { pizzaCount: i });
      else storage.compareAndSet(String(i), null, { pizzaCount: i });
      assert(storage.entries.size <= 10);
    }
    assertEquals(storage.readAllKeys().length, 10);
  });

  await t.step("drops expired sessions before live ones", () => {
    const clock = fakeTime();
    try {
      const storage = new MemorySessionStorage<Pizza>(1000, { maxEntries: 2 });
      storage.write("a", { pizzaCount: 1 });
      clock.tick(2000);
      storage.write("b", { pizzaCount: 2 });
      storage.write("c", { pizzaCount: 3 });
      assertEquals(storage.readAllKeys(), ["b", "c"]);
    } finally {
      clock.uninstall();
    }
  });
});

Deno.test("MemorySessionStorage compare-and-set", async (t) => {
  await t.step("writes when the version is still the one read", () => {
    const storage = new MemorySessionStorage<Pizza>();
    storage.write("1", { pizzaCount: 1 });
    const { value, version } = storage.readWithVersion("1");
    assertEquals(value, { pizzaCount: 1 });
    assertStrictEquals(typeof version, "string");
    const result = storage.compareAndSet("1", version, { pizzaCount: 2 });
    assert(result.ok);
    assertEquals(storage.readWithVersion("1"), {
      value: { pizzaCount: 2 },
      version: result.version,
    });
  });

  await t.step("refuses a stale version and changes nothing", () => {
    const storage = new MemorySessionStorage<Pizza>();
    storage.write("1", { pizzaCount: 1 });
    const { version } = storage.readWithVersion("1");
    storage.write("1", { pizzaCount: 50 });
    assertEquals(storage.compareAndSet("1", version, { pizzaCount: 2 }), {
      ok: false,
    });
    assertEquals(storage.compareAndSet("1", version, undefined), {
      ok: false,
    });
    assertEquals(storage.read("1"), { pizzaCount: 50 });
  });

  await t.step("treats a null version as 'nothing stored'", () => {
    const storage = new MemorySessionStorage<Pizza>();
    assertEquals(storage.readWithVersion("1"), {
      value: undefined,
      version: null,
    });
    const first = storage.compareAndSet("1", null, { pizzaCount: 1 });
    assert(first.ok && first.version !== null);
    // Now something is stored, so null is stale.
    assertEquals(storage.compareAndSet("1", null, { pizzaCount: 2 }), {
      ok: false,
    });
    assertEquals(storage.read("1"), { pizzaCount: 1 });
  });

  await t.step("refuses a version when nothing is stored", () => {
    const storage = new MemorySessionStorage<Pizza>();
    storage.write("1", { pizzaCount: 1 });
    const { version } = storage.readWithVersion("1");
    storage.delete("1");
    assertEquals(storage.compareAndSet("1", version, { pizzaCount: 2 }), {
      ok: false,
    });
    assertEquals(storage.has("1"), false);
  });

  await t.step("deletes when the value is undefined", () => {
    const storage = new MemorySessionStorage<Pizza>();
    storage.write("1", { pizzaCount: 1 });
    const { version } = storage.readWithVersion("1");
    assertEquals(storage.compareAndSet("1", version, undefined), {
      ok: true,
      version: null,
    });
    assertEquals(storage.has("1"), false);
    assertEquals(storage.readWithVersion("1").version, null);
  });

  await t.step("changes the version on every write, even of equal data", () => {
    const storage = new MemorySessionStorage<Pizza>();
    const versions = new Set<string | null>();
    for (let i = 0; i < 5; i++) {
      storage.write("1", { pizzaCount: 1 });
      versions.add(storage.readWithVersion("1").version);
    }
    const result = storage.compareAndSet(
      "1",
      storage.readWithVersion("1").version,
      { pizzaCount: 1 },
    );
    assert(result.ok);
    versions.add(result.version);
    assertEquals(versions.size, 6);
  });

  await t.step("gives a new version after a delete and a rewrite", () => {
    const storage = new MemorySessionStorage<Pizza>();
    storage.write("1", { pizzaCount: 1 });
    const before = storage.readWithVersion("1").version;
    storage.delete("1");
    storage.write("1", { pizzaCount: 1 });
    assertNotEquals(storage.readWithVersion("1").version, before);
  });

  await t.step("keeps versions of different keys apart", () => {
    const storage = new MemorySessionStorage<Pizza>();
    storage.write("a", { pizzaCount: 1 });
    storage.write("b", { pizzaCount: 1 });
    const a = storage.readWithVersion("a").version;
    assertEquals(storage.compareAndSet("b", a, { pizzaCount: 2 }), {
      ok: false,
    });
  });
});

Deno.test("MemorySessionStorage constructor", async (t) => {
  for (const ttl of [0, -1, NaN, -Infinity]) {
    await t.step(`rejects a time to live of ${ttl}`, () => {
      assertThrows(() => new MemorySessionStorage(ttl), RangeError);
    });
  }

  await t.step("rejects a time to live that is not a number", () => {
    assertThrows(
      () => new MemorySessionStorage("1000" as unknown as number),
      RangeError,
    );
  });

  for (const maxEntries of [0, -1, 1.5, NaN]) {
    await t.step(`rejects maxEntries of ${maxEntries}`, () => {
      assertThrows(
        () => new MemorySessionStorage(undefined, { maxEntries }),
        RangeError,
      );
    });
  }

  await t.step("accepts no arguments at all", () => {
    const storage = new MemorySessionStorage<number>();
    storage.write("1", 1);
    assertEquals(storage.read("1"), 1);
  });
});

Deno.test("MemorySessionStorage through a real bot", async (t) => {
  await t.step("never lets two chats share an object", async () => {
    const storage = new MemorySessionStorage<Pizza>();
    const shared = { pizzaCount: 0, toppings: [] as string[] };
    const bot = createBot<PizzaContext>();
    // A careless initial() that returns the same object every time.
    bot.use(session({ initial: () => shared, storage }));
    bot.on("message", (ctx) => {
      ctx.session.pizzaCount++;
      ctx.session.toppings!.push(ctx.msg.text ?? "");
    });
    await bot.handleUpdate(message(1, "cheese"));
    await bot.handleUpdate(message(2, "ham"));
    await bot.handleUpdate(message(1, "olives"));
    assertEquals(storage.read("1"), {
      pizzaCount: 2,
      toppings: ["cheese", "olives"],
    });
    assertEquals(storage.read("2"), { pizzaCount: 1, toppings: ["ham"] });
    assertEquals(shared, { pizzaCount: 0, toppings: [] });
  });

  await t.step("leaves no trace of a handler that throws", async () => {
    const storage = new MemorySessionStorage<Pizza>();
    storage.write("1", { pizzaCount: 1, toppings: ["cheese"] });
    const bot = createBot<PizzaContext>();
    bot.use(session({ initial: () => ({ pizzaCount: 0 }), storage }));
    bot.on("message", (ctx) => {
      ctx.session.pizzaCount = 100;
      ctx.session.toppings!.push("pineapple");
      throw new Error("handler failed");
    });
    const error = await bot.handleUpdate(message(1, "x")).then(
      () => undefined,
      (e) => e,
    );
    assert(error instanceof BotError);
    assertEquals(storage.read("1"), { pizzaCount: 1, toppings: ["cheese"] });
  });

  await t.step("expires idle chats and keeps active ones", async () => {
    const clock = fakeTime();
    try {
      const storage = new MemorySessionStorage<Pizza>(60_000);
      const bot = createBot<PizzaContext>();
      bot.use(session({ initial: () => ({ pizzaCount: 0 }), storage }));
      const seen: number[] = [];
      bot.on("message", (ctx) => {
        seen.push(ctx.session.pizzaCount);
        if (ctx.msg.text === "🍕") ctx.session.pizzaCount++;
      });
      await bot.handleUpdate(message(1, "🍕"));
      await bot.handleUpdate(message(2, "🍕"));
      // Chat 1 keeps talking without changing its session; chat 2 is idle.
      for (let i = 0; i < 5; i++) {
        clock.tick(50_000);
        await bot.handleUpdate(message(1, "hi"));
      }
      await bot.handleUpdate(message(2, "hi"));
      assertEquals(seen, [0, 0, 1, 1, 1, 1, 1, 0]);
    } finally {
      clock.uninstall();
    }
  });
});
