import { BotError, type Context } from "grammy";
import {
  type Enhance,
  enhanceStorage,
  MemorySessionStorage,
  type Migrations,
  session,
  SessionConflictError,
  type SessionFlavor,
  type StorageAdapter,
} from "../mod.ts";
import {
  assert,
  assertEquals,
  assertRejects,
  assertStrictEquals,
  assertThrows,
  fakeTime,
} from "./deps.ts";
import { createBot, mapStorage, message, spyStorage } from "./_helpers.ts";

interface Pizza {
  pizzaCount: number;
}
type PizzaContext = Context & SessionFlavor<Pizza>;

/**
 * An inner storage, and a way to see (and plant) exactly what it holds. It is
 * untyped so that each step can enhance it for the data type it needs.
 */
interface Inner {
  // deno-lint-ignore no-explicit-any
  storage: StorageAdapter<Enhance<any>>;
  raw(key: string): unknown;
  plant(key: string, value: unknown): void;
  /**
   * Whether it can compare-and-set: only then does a read write (a refresh,
   * migrated data, the deletion of an expired session).
   */
  cas: boolean;
}

/** Both kinds of inner storage every behaviour is checked over. */
const inners: [name: string, create: () => Inner][] = [
  ["MemorySessionStorage", () => {
    const storage = new MemorySessionStorage<Enhance<unknown>>();
    return {
      storage,
      raw: (key) => storage.read(key),
      plant: (key, value) => storage.write(key, value as Enhance<unknown>),
      cas: true,
    };
  }],
  ["a plain read/write/delete storage", () => {
    const storage = mapStorage<Enhance<unknown>>();
    return {
      storage,
      raw: (key) => storage.map.get(key),
      plant: (key, value) => storage.map.set(key, value as Enhance<unknown>),
      cas: false,
    };
  }],
];

/** Collects a sync or async iterable into an array. */
async function all<T>(
  iterable: Iterable<T> | AsyncIterable<T> | undefined,
): Promise<T[]> {
  assert(iterable !== undefined);
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** Migrations that record which versions ran. */
function recorded(versions: number[], log: number[]): Migrations {
  const migrations: Migrations = {};
  for (const version of versions) {
    migrations[version] = (old: { steps: number[] }) => {
      log.push(version);
      return { steps: [...old.steps, version] };
    };
  }
  return migrations;
}

for (const [name, create] of inners) {
  Deno.test(`enhanceStorage over ${name}: stored shape`, async (t) => {
    await t.step("stores { __d } without migrations or expiry", async () => {
      const inner = create();
      const storage = enhanceStorage({ storage: inner.storage });
      await storage.write("1", { pizzaCount: 1 });
      assertEquals(inner.raw("1"), { __d: { pizzaCount: 1 } });
      assertEquals(await storage.read("1"), { pizzaCount: 1 });
    });

    await t.step("stores the latest version in v", async () => {
      const inner = create();
      const storage = enhanceStorage({
        storage: inner.storage,
        migrations: { 1: (x) => x, 3: (x) => x, 2: (x) => x },
      });
      await storage.write("1", { pizzaCount: 1 });
      assertEquals(inner.raw("1"), { __d: { pizzaCount: 1 }, v: 3 });
    });

    await t.step("stores the expiry time in e", async () => {
      const clock = fakeTime(5_000);
      try {
        const inner = create();
        const storage = enhanceStorage({
          storage: inner.storage,
          millisecondsToLive: 1000,
        });
        await storage.write("1", { pizzaCount: 1 });
        assertEquals(inner.raw("1"), { __d: { pizzaCount: 1 }, e: 6_000 });
      } finally {
        clock.uninstall();
      }
    });

    await t.step("stores no expiry for an infinite time to live", async () => {
      const inner = create();
      const storage = enhanceStorage({
        storage: inner.storage,
        millisecondsToLive: Infinity,
      });
      await storage.write("1", { pizzaCount: 1 });
      assertEquals(inner.raw("1"), { __d: { pizzaCount: 1 } });
    });

    await t.step("reads legacy values without __d as data", async () => {
      const inner = create();
      inner.plant("object", { pizzaCount: 7 });
      inner.plant("number", 42);
      inner.plant("list", [1, 2]);
      inner.plant("string", "text");
      const storage = enhanceStorage({ storage: inner.storage });
      assertEquals(await storage.read("object"), { pizzaCount: 7 });
      assertEquals(await storage.read("number"), 42);
      assertEquals(await storage.read("list"), [1, 2]);
      assertEquals(await storage.read("string"), "text");
    });

    await t.step("reads undefined for a missing key", async () => {
      const storage = enhanceStorage({ storage: create().storage });
      assertStrictEquals(await storage.read("nope"), undefined);
    });

    await t.step("deletes from the wrapped storage", async () => {
      const inner = create();
      const storage = enhanceStorage({ storage: inner.storage });
      await storage.write("1", { pizzaCount: 1 });
      await storage.delete("1");
      assertStrictEquals(inner.raw("1"), undefined);
      assertStrictEquals(await storage.read("1"), undefined);
    });
  });

  Deno.test(`enhanceStorage over ${name}: migrations`, async (t) => {
    await t.step("runs every migration on data without a version", async () => {
      const inner = create();
      inner.plant("1", { steps: [] });
      const log: number[] = [];
      const storage = enhanceStorage({
        storage: inner.storage,
        migrations: recorded([1, 2, 3], log),
      });
      assertEquals(await storage.read("1"), { steps: [1, 2, 3] });
      assertEquals(log, [1, 2, 3]);
    });

    await t.step(
      "runs only the migrations after the stored version",
      async () => {
        const inner = create();
        inner.plant("1", { __d: { steps: [] }, v: 1 });
        const log: number[] = [];
        const storage = enhanceStorage({
          storage: inner.storage,
          migrations: recorded([1, 2, 3], log),
        });
        assertEquals(await storage.read("1"), { steps: [2, 3] });
        assertEquals(log, [2, 3]);
      },
    );

    await t.step(
      "runs fractional versions in ascending order, whatever the object order",
      async () => {
        const inner = create();
        inner.plant("legacy", { steps: [] });
        inner.plant("at1", { __d: { steps: [] }, v: 1 });
        inner.plant("at1.2", { __d: { steps: [] }, v: 1.2 });
        const log: number[] = [];
        const storage = enhanceStorage({
          storage: inner.storage,
          migrations: recorded([2, 1, 1.5, 10, 1.25], log),
        });
        assertEquals(await storage.read("legacy"), {
          steps: [1, 1.25, 1.5, 2, 10],
        });
        assertEquals(await storage.read("at1"), {
          steps: [1.25, 1.5, 2, 10],
        });
        assertEquals(await storage.read("at1.2"), {
          steps: [1.25, 1.5, 2, 10],
        });
      },
    );

    await t.step("does not migrate a value of the latest version", async () => {
      const inner = create();
      const log: number[] = [];
      const storage = enhanceStorage({
        storage: inner.storage,
        migrations: recorded([1, 1.5, 2], log),
      });
      await storage.write("1", { steps: ["fresh"] });
      assertEquals(await storage.read("1"), { steps: ["fresh"] });
      assertEquals(log, []);
    });

    await t.step(
      "stores migrated data at the latest version, so it migrates once",
      async () => {
        const inner = create();
        inner.plant("1", { steps: [] });
        const log: number[] = [];
        const storage = enhanceStorage({
          storage: inner.storage,
          migrations: recorded([1, 2], log),
        });
        assertEquals(await storage.read("1"), { steps: [1, 2] });
        if (inner.cas) {
          assertEquals(inner.raw("1"), { __d: { steps: [1, 2] }, v: 2 });
          assertEquals(await storage.read("1"), { steps: [1, 2] });
          assertEquals(log, [1, 2]);
        } else {
          // No write on a read: migrated on each read until written.
          assertEquals(inner.raw("1"), { steps: [] });
          assertEquals(await storage.read("1"), { steps: [1, 2] });
          assertEquals(log, [1, 2, 1, 2]);
          await storage.write("1", { steps: [1, 2] });
          assertEquals(inner.raw("1"), { __d: { steps: [1, 2] }, v: 2 });
        }
      },
    );

    for (const millisecondsToLive of [undefined, 60_000]) {
      await t.step(
        `is not corrupted by a migration that changes its argument (${
          millisecondsToLive === undefined ? "no expiry" : "with expiry"
        })`,
        async () => {
          const inner = create();
          inner.plant("1", { pizzaCount: 3 });
          const bot = createBot<Context & SessionFlavor<{ pizzas: number }>>();
          bot.use(session({
            storage: enhanceStorage<{ pizzas: number }>({
              storage: inner.storage,
              ...(millisecondsToLive === undefined
                ? {}
                : { millisecondsToLive }),
              migrations: {
                1: (old) => {
                  old.pizzas = old.pizzaCount;
                  delete old.pizzaCount;
                  return old;
                },
              },
            }),
          }));
          const seen: unknown[] = [];
          bot.on("message", (ctx) => void seen.push({ ...ctx.session }));
          for (let i = 0; i < 3; i++) {
            await bot.handleUpdate(message(1, "hi"));
          }
          assertEquals(seen, [{ pizzas: 3 }, { pizzas: 3 }, { pizzas: 3 }]);
        },
      );
    }

    await t.step(
      "leaves the stored value alone when a migration throws",
      async () => {
        const inner = create();
        inner.plant("1", { pizzaCount: 3 });
        const storage = enhanceStorage({
          storage: inner.storage,
          migrations: {
            1: () => {
              throw new Error("bad data");
            },
          },
        });
        await assertRejects(async () => await storage.read("1"), /bad data/);
        assertEquals(inner.raw("1"), { pizzaCount: 3 });
      },
    );

    await t.step("migrates before the handler sees the session", async () => {
      const inner = create();
      inner.plant("1", { count: 5 });
      const storage = enhanceStorage<Pizza>({
        storage: inner.storage,
        migrations: { 1: (old) => ({ pizzaCount: old.count }) },
      });
      const bot = createBot<PizzaContext>();
      bot.use(session({ storage, initial: () => ({ pizzaCount: 0 }) }));
      const seen: number[] = [];
      bot.on("message", (ctx) => {
        seen.push(ctx.session.pizzaCount);
        if (ctx.msg.text === "🍕") ctx.session.pizzaCount++;
      });
      await bot.handleUpdate(message(1, "hi"));
      await bot.handleUpdate(message(1, "🍕"));
      await bot.handleUpdate(message(1, "hi"));
      assertEquals(seen, [5, 5, 6]);
      assertEquals(inner.raw("1"), { __d: { pizzaCount: 6 }, v: 1 });
    });
  });

  Deno.test(`enhanceStorage over ${name}: expiry`, async (t) => {
    await t.step(
      `returns a value until it expires, then ${
        create().cas ? "deletes it" : "leaves it to the next write"
      }`,
      async () => {
        const clock = fakeTime();
        try {
          const inner = create();
          const storage = enhanceStorage({
            storage: inner.storage,
            millisecondsToLive: 1000,
            refreshRatio: 1,
          });
          await storage.write("1", { pizzaCount: 1 });
          clock.tick(1000);
          assertEquals(await storage.read("1"), { pizzaCount: 1 });
          clock.tick(1);
          assertStrictEquals(await storage.read("1"), undefined);
          // Without compare-and-set, the next write replaces it.
          const left = inner.cas
            ? undefined
            : { __d: { pizzaCount: 1 }, e: 1_001_000 };
          assertEquals(inner.raw("1"), left);
        } finally {
          clock.uninstall();
        }
      },
    );

    await t.step(
      "refreshes on read only after refreshRatio of the time to live",
      async () => {
        const clock = fakeTime(0);
        try {
          const inner = create();
          const spy = spyStorage(inner.storage);
          const storage = enhanceStorage({
            storage: spy,
            millisecondsToLive: 1000,
          });
          await storage.write("1", { pizzaCount: 1 });
          spy.reset();
          clock.tick(499);
          await storage.read("1");
          assertEquals(spy.calls.map(([method]) => method), ["read"]);
          clock.tick(1); // half the time to live has passed
          await storage.read("1");
          if (!inner.cas) {
            // No refresh on a read: it expires at 1000 unless written.
            assertEquals(spy.calls.map(([method]) => method), ["read", "read"]);
            assertEquals(inner.raw("1"), { __d: { pizzaCount: 1 }, e: 1000 });
            return;
          }
          assertEquals(spy.calls.map(([method]) => method), [
            "read",
            "read",
            "write",
          ]);
          assertEquals(inner.raw("1"), { __d: { pizzaCount: 1 }, e: 1500 });
          spy.reset();
          clock.tick(400);
          await storage.read("1");
          assertEquals(spy.calls.map(([method]) => method), ["read"]);
        } finally {
          clock.uninstall();
        }
      },
    );

    await t.step("refreshes on every read with refreshRatio 0", async () => {
      const clock = fakeTime(0);
      try {
        const inner = create();
        const spy = spyStorage(inner.storage);
        const storage = enhanceStorage({
          storage: spy,
          millisecondsToLive: 1000,
          refreshRatio: 0,
        });
        await storage.write("1", { pizzaCount: 1 });
        spy.reset();
        await storage.read("1");
        clock.tick(1);
        await storage.read("1");
        assertEquals(
          spy.calls.map(([method]) => method),
          inner.cas ? ["read", "write", "read", "write"] : ["read", "read"],
        );
      } finally {
        clock.uninstall();
      }
    });

    await t.step("never refreshes on read with refreshRatio 1", async () => {
      const clock = fakeTime(0);
      try {
        const inner = create();
        const spy = spyStorage(inner.storage);
        const storage = enhanceStorage({
          storage: spy,
          millisecondsToLive: 1000,
          refreshRatio: 1,
        });
        await storage.write("1", { pizzaCount: 1 });
        spy.reset();
        for (const step of [0, 500, 499, 1]) {
          clock.tick(step);
          assertEquals(await storage.read("1"), { pizzaCount: 1 });
        }
        assertEquals(spy.calls.map(([method]) => method), [
          "read",
          "read",
          "read",
          "read",
        ]);
      } finally {
        clock.uninstall();
      }
    });

    await t.step("gives legacy values without e an expiry", async () => {
      const clock = fakeTime(0);
      try {
        const inner = create();
        inner.plant("legacy", { pizzaCount: 1 });
        inner.plant("enhanced", { __d: { pizzaCount: 2 } });
        const storage = enhanceStorage({
          storage: inner.storage,
          millisecondsToLive: 1000,
          refreshRatio: 1,
        });
        assertEquals(await storage.read("legacy"), { pizzaCount: 1 });
        assertEquals(await storage.read("enhanced"), { pizzaCount: 2 });
        if (!inner.cas) {
          // No write on a read: they get one with their next write.
          assertEquals(inner.raw("legacy"), { pizzaCount: 1 });
          clock.tick(1001);
          assertEquals(await storage.read("legacy"), { pizzaCount: 1 });
          await storage.write("legacy", { pizzaCount: 3 });
          assertEquals(inner.raw("legacy"), {
            __d: { pizzaCount: 3 },
            e: 2001,
          });
          return;
        }
        assertEquals(inner.raw("legacy"), { __d: { pizzaCount: 1 }, e: 1000 });
        assertEquals(inner.raw("enhanced"), {
          __d: { pizzaCount: 2 },
          e: 1000,
        });
        clock.tick(1001);
        assertStrictEquals(await storage.read("legacy"), undefined);
        assertStrictEquals(await storage.read("enhanced"), undefined);
      } finally {
        clock.uninstall();
      }
    });

    await t.step("keeps the version when it refreshes", async () => {
      const clock = fakeTime(0);
      try {
        const inner = create();
        const storage = enhanceStorage({
          storage: inner.storage,
          millisecondsToLive: 1000,
          migrations: { 1: (x) => x, 2: (x) => x },
        });
        await storage.write("1", { pizzaCount: 1 });
        clock.tick(600);
        await storage.read("1");
        assertEquals(inner.raw("1"), {
          __d: { pizzaCount: 1 },
          v: 2,
          e: inner.cas ? 1600 : 1000,
        });
      } finally {
        clock.uninstall();
      }
    });

    await t.step(
      create().cas
        ? "keeps an active chat alive with one write per half time to live"
        : "lets a chat that only reads expire (no write on a read)",
      async () => {
        const clock = fakeTime(0);
        try {
          const inner = create();
          const spy = spyStorage(inner.storage);
          const bot = createBot<PizzaContext>();
          bot.use(session({
            storage: enhanceStorage<Pizza>({
              storage: spy,
              millisecondsToLive: 10_000,
            }),
            initial: () => ({ pizzaCount: 0 }),
          }));
          const seen: number[] = [];
          bot.on("message", (ctx) => {
            seen.push(ctx.session.pizzaCount);
            if (ctx.msg.text === "🍕") ctx.session.pizzaCount++;
          });
          await bot.handleUpdate(message(1, "🍕"));
          spy.reset();
          // 40 updates, one per second, that read but do not change it.
          for (let i = 0; i < 40; i++) {
            clock.tick(1000);
            await bot.handleUpdate(message(1, "hi"));
          }
          const writes = spy.calls.filter(([method]) => method === "write");
          if (!inner.cas) {
            // No refresh on a read: it expired after 10 s; reads write
            // nothing, and the unchanged initial value is not stored.
            assertEquals(writes.length, 0);
            assertEquals(seen.slice(1, 11), new Array(10).fill(1));
            assertEquals(seen.slice(11), new Array(30).fill(0));
            return;
          }
          // At t = 5 s, 10 s, ... 40 s: one refresh per 5 s, never expired.
          assertEquals(writes.length, 8);
          assertEquals(seen.slice(1), new Array(40).fill(1));
          // Idle for longer than the time to live: a fresh session.
          clock.tick(10_001);
          await bot.handleUpdate(message(1, "hi"));
          assertEquals(seen.at(-1), 0);
        } finally {
          clock.uninstall();
        }
      },
    );
  });

  Deno.test(`enhanceStorage over ${name}: optional methods`, async (t) => {
    const methods = [
      "has",
      "readAllKeys",
      "readAllValues",
      "readAllEntries",
      "readWithVersion",
      "compareAndSet",
    ] as const;

    await t.step(
      "keeps exactly the optional methods of the wrapped one",
      () => {
        const inner = create();
        const storage = enhanceStorage({ storage: inner.storage });
        for (const method of methods) {
          assertEquals(
            typeof storage[method],
            typeof inner.storage[method],
            method,
          );
        }
        for (const ttl of [1000, undefined]) {
          const other = enhanceStorage({
            storage: inner.storage,
            ...(ttl === undefined ? {} : { millisecondsToLive: ttl }),
            migrations: { 1: (x) => x },
          });
          assertEquals(
            methods.filter((method) => other[method] !== undefined),
            methods.filter((method) => inner.storage[method] !== undefined),
          );
        }
      },
    );
  });
}

Deno.test("enhanceStorage optional methods", async (t) => {
  await t.step("adds no method the wrapped storage lacks", () => {
    const plain = mapStorage<Enhance<unknown>>();
    const storage = enhanceStorage({ storage: plain, millisecondsToLive: 1 });
    assertEquals(Object.keys(storage).sort(), ["delete", "read", "write"]);
  });

  await t.step("keeps has and readAllKeys alone when only those exist", () => {
    const plain = mapStorage<Enhance<unknown>>();
    const inner: StorageAdapter<Enhance<unknown>> = {
      ...plain,
      has: (key) => plain.map.has(key),
      readAllKeys: () => plain.map.keys(),
    };
    const storage = enhanceStorage({ storage: inner });
    assertEquals(Object.keys(storage).sort(), [
      "delete",
      "has",
      "read",
      "readAllKeys",
      "write",
    ]);
  });

  await t.step("needs both readWithVersion and compareAndSet", () => {
    const memory = new MemorySessionStorage<Enhance<unknown>>();
    const storage = enhanceStorage({
      storage: {
        read: (key) => memory.read(key),
        write: (key, value) => memory.write(key, value),
        delete: (key) => memory.delete(key),
        readWithVersion: (key) => memory.readWithVersion(key),
      },
    });
    assertStrictEquals(storage.readWithVersion, undefined);
    assertStrictEquals(storage.compareAndSet, undefined);
  });

  await t.step("lists data, migrated, and skips expired entries", async () => {
    const clock = fakeTime(0);
    try {
      const inner = new MemorySessionStorage<Enhance<unknown>>();
      const storage = enhanceStorage<unknown>({
        storage: inner,
        millisecondsToLive: 1000,
        migrations: { 1: (old) => ({ ...old, migrated: true }) },
      });
      inner.write("legacy", { n: 0 } as unknown as Enhance<unknown>);
      await storage.write("old", { n: 1 });
      clock.tick(600);
      await storage.write("new", { n: 2 });
      clock.tick(600); // "old" expired; "legacy" has no expiry yet
      assertEquals((await all(storage.readAllKeys!())).sort(), [
        "legacy",
        "new",
      ]);
      assertEquals(
        (await all(storage.readAllEntries!())).sort(([a], [b]) =>
          a < b ? -1 : 1
        ),
        [["legacy", { n: 0, migrated: true }], ["new", { n: 2 }]],
      );
      assertEquals((await all(storage.readAllValues!())).length, 2);
      assertEquals(await storage.has!("old"), false);
      assertEquals(await storage.has!("new"), true);
      assertEquals(await storage.has!("legacy"), true);
      assertEquals(await storage.has!("nope"), false);
      // Listing and has change nothing stored.
      assertEquals(inner.read("legacy"), { n: 0 });
    } finally {
      clock.uninstall();
    }
  });

  await t.step(
    "lists without changing what an aliasing storage holds",
    async () => {
      // deno-lint-ignore no-explicit-any
      const plain = mapStorage<Enhance<any>>();
      // Like grammY's own memory storage: it hands out the stored objects.
      const inner = {
        ...plain,
        readAllValues: () => plain.map.values(),
        readAllEntries: () => plain.map.entries(),
      };
      plain.map.set("1", { pizzaCount: 3 } as unknown as Enhance<unknown>);
      const storage = enhanceStorage<{ pizzas: number }>({
        storage: inner,
        migrations: {
          1: (old) => {
            old.pizzas = old.pizzaCount;
            delete old.pizzaCount;
            return old;
          },
        },
      });
      for (let i = 0; i < 2; i++) {
        assertEquals(await all(storage.readAllValues!()), [{ pizzas: 3 }]);
        assertEquals(await all(storage.readAllEntries!()), [
          ["1", { pizzas: 3 }],
        ]);
      }
      assertEquals(plain.map.get("1"), { pizzaCount: 3 });
      assertEquals(await storage.read("1"), { pizzas: 3 });
      assertEquals(await storage.read("1"), { pizzas: 3 });
    },
  );

  await t.step(
    "skips expired keys over a storage with readAllKeys only",
    async () => {
      const clock = fakeTime(0);
      try {
        const plain = mapStorage<Enhance<unknown>>();
        const storage = enhanceStorage<unknown>({
          storage: { ...plain, readAllKeys: () => plain.map.keys() },
          millisecondsToLive: 1000,
        });
        await storage.write("old", 1);
        clock.tick(600);
        await storage.write("new", 2);
        clock.tick(600);
        assertEquals(await all(storage.readAllKeys!()), ["new"]);
      } finally {
        clock.uninstall();
      }
    },
  );

  await t.step("uses the wrapped has without a time to live", async () => {
    let calls = 0;
    const plain = mapStorage<Enhance<unknown>>();
    const storage = enhanceStorage<unknown>({
      storage: {
        ...plain,
        has: (key) => {
          calls++;
          return plain.map.has(key);
        },
      },
    });
    await storage.write("1", 1);
    assertEquals(await storage.has!("1"), true);
    assertEquals(await storage.has!("2"), false);
    assertEquals(calls, 2);
  });
});

Deno.test("enhanceStorage compare-and-set", async (t) => {
  await t.step(
    "writes with the version read, refuses a stale one",
    async () => {
      const inner = new MemorySessionStorage<Enhance<Pizza>>();
      const storage = enhanceStorage<Pizza>({
        storage: inner,
        migrations: { 1: (x) => x },
      });
      await storage.write("1", { pizzaCount: 1 });
      const read = await storage.readWithVersion!("1");
      assertEquals(read.value, { pizzaCount: 1 });
      const ok = await storage.compareAndSet!("1", read.version, {
        pizzaCount: 2,
      });
      assert(ok.ok);
      assertEquals(inner.read("1"), { __d: { pizzaCount: 2 }, v: 1 });
      assertEquals(
        await storage.compareAndSet!("1", read.version, { pizzaCount: 3 }),
        { ok: false },
      );
      assertEquals(await storage.read("1"), { pizzaCount: 2 });
      assertEquals(await storage.compareAndSet!("1", ok.version, undefined), {
        ok: true,
        version: null,
      });
      assertEquals(inner.has("1"), false);
    },
  );

  await t.step("reads an expired value as absent and deletes it", async () => {
    const clock = fakeTime(0);
    try {
      const inner = new MemorySessionStorage<Enhance<Pizza>>();
      const storage = enhanceStorage<Pizza>({
        storage: inner,
        millisecondsToLive: 1000,
      });
      await storage.write("1", { pizzaCount: 1 });
      clock.tick(1001);
      assertEquals(await storage.readWithVersion!("1"), {
        value: undefined,
        version: null,
      });
      assertEquals(inner.has("1"), false);
      const result = await storage.compareAndSet!("1", null, { pizzaCount: 5 });
      assert(result.ok);
    } finally {
      clock.uninstall();
    }
  });

  await t.step(
    "gives the version of its own refresh or migration write",
    async () => {
      const clock = fakeTime(0);
      try {
        const inner = new MemorySessionStorage<Enhance<unknown>>();
        inner.write("1", { n: 1 } as unknown as Enhance<unknown>);
        const storage = enhanceStorage<unknown>({
          storage: inner,
          millisecondsToLive: 1000,
          migrations: { 1: (old) => ({ ...old, m: 1 }) },
        });
        const read = await storage.readWithVersion!("1");
        assertEquals(read.value, { n: 1, m: 1 });
        assertEquals(read.version, inner.readWithVersion("1").version);
        assertEquals(inner.read("1"), { __d: { n: 1, m: 1 }, v: 1, e: 1000 });
        assert((await storage.compareAndSet!("1", read.version, 2)).ok);
      } finally {
        clock.uninstall();
      }
    },
  );

  await t.step(
    "makes session() raise SessionConflictError on a concurrent change",
    async () => {
      const storage = enhanceStorage<Pizza>({
        storage: new MemorySessionStorage<Enhance<Pizza>>(),
      });
      await storage.write("1", { pizzaCount: 0 });
      const bot = createBot<PizzaContext>();
      bot.use(session({ storage, sequential: false }));
      bot.on("message", async (ctx) => {
        ctx.session.pizzaCount++;
        // Another process changes the session meanwhile.
        await storage.write("1", { pizzaCount: 50 });
      });
      await assertRejects(
        bot.handleUpdate(message(1, "x")),
        (error: unknown) =>
          error instanceof BotError &&
          error.error instanceof SessionConflictError &&
          error.error.key === "1",
      );
      assertEquals(await storage.read("1"), { pizzaCount: 50 });
    },
  );

  await t.step(
    "lets two overlapping updates conflict, not clobber",
    async () => {
      const storage = enhanceStorage<Pizza>({
        storage: new MemorySessionStorage<Enhance<Pizza>>(),
        millisecondsToLive: 60_000,
      });
      const bot = createBot<PizzaContext>();
      bot.use(session({
        storage,
        initial: () => ({ pizzaCount: 0 }),
        sequential: false,
      }));
      let release!: () => void;
      const gate = new Promise<void>((resolve) => release = resolve);
      bot.on("message", async (ctx) => {
        ctx.session.pizzaCount++;
        if (ctx.msg.text === "slow") await gate;
      });
      const slow = bot.handleUpdate(message(1, "slow"));
      await bot.handleUpdate(message(1, "fast"));
      release();
      const error = await slow.then(() => undefined, (e) => e);
      assert(error instanceof BotError);
      assert(error.error instanceof SessionConflictError);
      assertEquals(await storage.read("1"), { pizzaCount: 1 });
    },
  );
});

Deno.test("enhanceStorage through a real bot", async (t) => {
  await t.step("migrates legacy data, then expires idle chats", async () => {
    const clock = fakeTime(0);
    try {
      const inner = new MemorySessionStorage<Enhance<unknown>>();
      // Written by a bot before it used enhanceStorage.
      inner.write("1", { count: 3 } as unknown as Enhance<unknown>);
      const bot = createBot<PizzaContext>();
      bot.use(session({
        storage: enhanceStorage<Pizza>({
          storage: inner as MemorySessionStorage<Enhance<Pizza>>,
          migrations: { 1: (old) => ({ pizzaCount: old.count }) },
          millisecondsToLive: 60_000,
        }),
        initial: () => ({ pizzaCount: 0 }),
      }));
      bot.on("message", async (ctx) => {
        ctx.session.pizzaCount++;
        await ctx.reply(`${ctx.session.pizzaCount}`);
      });
      await bot.handleUpdate(message(1, "🍕"));
      assertEquals(inner.read("1"), {
        __d: { pizzaCount: 4 },
        v: 1,
        e: 60_000,
      });
      clock.tick(59_000);
      await bot.handleUpdate(message(1, "🍕"));
      clock.tick(60_001);
      await bot.handleUpdate(message(1, "🍕"));
      assertEquals(bot.replies, ["4", "5", "1"]);
    } finally {
      clock.uninstall();
    }
  });
});

Deno.test("enhanceStorage options", async (t) => {
  const storage = new MemorySessionStorage<Enhance<unknown>>();

  for (const millisecondsToLive of [-1, 0, NaN, -Infinity]) {
    await t.step(`rejects millisecondsToLive of ${millisecondsToLive}`, () => {
      assertThrows(
        () => enhanceStorage({ storage, millisecondsToLive }),
        (error: unknown) =>
          error instanceof RangeError &&
          error.message.includes("millisecondsToLive"),
      );
    });
  }

  for (const refreshRatio of [-0.1, 1.1, NaN, "0.5" as unknown as number]) {
    await t.step(`rejects refreshRatio of ${refreshRatio}`, () => {
      assertThrows(
        () =>
          enhanceStorage({ storage, millisecondsToLive: 1000, refreshRatio }),
        (error: unknown) =>
          error instanceof RangeError && error.message.includes("refreshRatio"),
      );
    });
  }

  await t.step("rejects empty migrations", () => {
    assertThrows(
      () => enhanceStorage({ storage, migrations: {} }),
      /No migrations given/,
    );
  });

  await t.step("rejects a migration that is not a function", () => {
    assertThrows(
      () =>
        enhanceStorage({
          storage,
          migrations: {
            1: (x: unknown) => x,
            2: "nope",
          } as unknown as Migrations,
        }),
      (error: unknown) =>
        error instanceof TypeError && error.message.includes("Migration 2"),
    );
  });

  await t.step("rejects a migration version that is not a number", () => {
    for (const key of ["abc", "", " "]) {
      assertThrows(
        () =>
          enhanceStorage({
            storage,
            migrations: { [key]: (x: unknown) => x } as Migrations,
          }),
        TypeError,
      );
    }
  });

  await t.step("finds migrations under keys written unusually", async () => {
    const inner = new MemorySessionStorage<Enhance<unknown>>();
    inner.write("1", { __d: [] });
    const enhanced = enhanceStorage({
      storage: inner,
      migrations: {
        "02": (old: string[]) => [...old, "02"],
        "1e0": (old: string[]) => [...old, "1e0"],
      } as Migrations,
    });
    assertEquals(await enhanced.read("1"), ["1e0", "02"]);
  });

  await t.step("rejects a storage without read, write and delete", () => {
    assertThrows(
      () =>
        enhanceStorage({
          storage: { read: () => undefined } as unknown as StorageAdapter<
            Enhance<unknown>
          >,
        }),
      TypeError,
    );
    assertThrows(
      () =>
        enhanceStorage(
          undefined as unknown as Parameters<typeof enhanceStorage>[0],
        ),
      TypeError,
    );
  });

  await t.step("accepts a refreshRatio of 0 and of 1", () => {
    enhanceStorage({ storage, millisecondsToLive: 1, refreshRatio: 0 });
    enhanceStorage({ storage, millisecondsToLive: 1, refreshRatio: 1 });
  });
});
