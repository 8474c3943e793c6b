// Parity with grammY's own session plugin: every behaviour its test suite
// (grammY's test/convenience/session.test.ts) asserts, checked here through
// a real Bot, down to each call an adapter receives from `session`,
// `lazySession`, multi sessions and `enhanceStorage`: the method, every
// argument, and how many arguments there are (a grammY adapter may read a
// third argument of `write` as something of its own). Where we differ on
// purpose (an unchanged session is not written), the step says so and
// asserts what we do instead (docs/differences.md).
import type { Context } from "grammy";
import {
  type Enhance,
  enhanceStorage,
  lazySession,
  type LazySessionFlavor,
  MemorySessionStorage,
  session,
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
import { createBot, io, message, pollAnswer } from "./_helpers.ts";

/** One call into an adapter: the method and every argument it got. */
type Call = [method: string, ...args: unknown[]];

/**
 * A plain grammY adapter (read, write, delete, nothing else) over one
 * variable, recording each call with all of its arguments as passed (so
 * `[..., undefined]` shows an extra argument) and each read's result.
 */
function recorder<T>(initial?: T, delay = false) {
  let value: T | undefined = initial;
  const calls: Call[] = [];
  const returned: unknown[] = [];
  const answer = <R>(result: R): R | Promise<R> =>
    delay ? io().then(() => result) : result;
  const storage: StorageAdapter<T> = {
    read(...args: unknown[]) {
      calls.push(["read", ...args]);
      returned.push(structuredClone(value));
      return answer(value);
    },
    write(...args: unknown[]) {
      calls.push(["write", ...structuredClone(args)]);
      value = args[1] as T;
      return answer(undefined);
    },
    delete(...args: unknown[]) {
      calls.push(["delete", ...args]);
      value = undefined;
      return answer(undefined);
    },
  } as StorageAdapter<T>;
  return {
    storage,
    calls,
    returned,
    get value() {
      return value;
    },
    set value(v: T | undefined) {
      value = v;
    },
    count: (method: string) => calls.filter(([m]) => m === method).length,
  };
}

const chat = (text = "hi") => message(42, text);

Deno.test("grammY parity: session()", async (t) => {
  await t.step("passes the context on to the next middleware", async () => {
    const bot = createBot<Context & SessionFlavor<never>>();
    let before: unknown;
    let seen: unknown;
    bot.use((ctx, next) => (before = ctx, next()));
    bot.use(session(), (ctx) => void (seen = ctx));
    await bot.handleUpdate(chat());
    assert(seen !== undefined && seen === before);
  });

  for (const keyless of ["default", "custom"] as const) {
    await t.step(`reading without a key (${keyless}) throws`, async () => {
      const bot = createBot<Context & SessionFlavor<number>>();
      bot.use(
        keyless === "default"
          ? session()
          : session({ getSessionKey: () => undefined }),
      );
      bot.use((ctx) => void ctx.session);
      await assertRejects(bot.handleUpdate(pollAnswer(7)));
    });
  }

  await t.step("assigning without a key throws", async () => {
    const bot = createBot<Context & SessionFlavor<number>>();
    bot.use(session({ getSessionKey: () => undefined }));
    bot.use((ctx) => void (ctx.session = 0));
    await assertRejects(bot.handleUpdate(chat()));
  });

  await t.step("a throwing handler: one read, no write or delete", async () => {
    const r = recorder<number>(0);
    const bot = createBot<Context & SessionFlavor<number>>();
    bot.use(session({ storage: r.storage }));
    bot.use((ctx) => {
      ctx.session = 1;
      throw new Error("err");
    });
    await assertRejects(bot.handleUpdate(chat()));
    assertEquals(r.calls, [["read", "42"]]);
  });

  await t.step(
    "primitives: read(key), write(key, value), delete(key)",
    async () => {
      const r = recorder<number>(0);
      const bot = createBot<Context & SessionFlavor<number>>();
      bot.use(session({ storage: r.storage }));
      bot.use((ctx) => {
        if (ctx.session === 0) ctx.session = 1;
        else ctx.session = undefined;
      });
      await bot.handleUpdate(chat());
      await bot.handleUpdate(chat());
      assertEquals(r.calls, [
        ["read", "42"],
        ["write", "42", 1],
        ["read", "42"],
        ["delete", "42"],
      ]);
      assertEquals(r.returned, [0, 1]);
    },
  );

  await t.step("a custom key function and prefix name every call", async () => {
    const r = recorder<number>(0);
    const bot = createBot<Context & SessionFlavor<number>>();
    bot.use(session({
      storage: r.storage,
      prefix: "xyz-",
      getSessionKey: (ctx) =>
        ctx.chatId ? (ctx.chatId ** 2).toString() : undefined,
    }));
    bot.use((ctx) => {
      if (ctx.session === 0) ctx.session = 1;
      else ctx.session = null;
    });
    await bot.handleUpdate(chat());
    await bot.handleUpdate(chat());
    assertEquals(r.calls, [
      ["read", "xyz-1764"],
      ["write", "xyz-1764", 1],
      ["read", "xyz-1764"],
      ["delete", "xyz-1764"],
    ]);
  });

  await t.step("objects: each update reads, changes, writes", async () => {
    const r = recorder<Record<string, number>>();
    let initials = 0;
    const bot = createBot<Context & SessionFlavor<Record<string, number>>>();
    bot.use(session({
      storage: r.storage,
      initial: () => (initials++, {}),
    }));
    bot.use((ctx) => {
      const s = ctx.session;
      switch (Object.keys(s).length) {
        case 0:
          s.foo = 0;
          break;
        case 1:
          s.foo!++;
          s.bar = 0;
          break;
        case 2:
          s.bar!++;
          s.baz = 0;
          break;
        case 3:
          ctx.session = undefined;
      }
    });
    for (let i = 0; i < 5; i++) await bot.handleUpdate(chat());
    assertEquals(r.calls, [
      ["read", "42"],
      ["write", "42", { foo: 0 }],
      ["read", "42"],
      ["write", "42", { foo: 1, bar: 0 }],
      ["read", "42"],
      ["write", "42", { foo: 1, bar: 1, baz: 0 }],
      ["read", "42"],
      ["delete", "42"],
      ["read", "42"],
      ["write", "42", { foo: 0 }],
    ]);
    assertEquals(r.returned, [
      undefined,
      { foo: 0 },
      { foo: 1, bar: 0 },
      { foo: 1, bar: 1, baz: 0 },
      undefined,
    ]);
    assertEquals(initials, 2);
  });
});

Deno.test("grammY parity: multi sessions", async (t) => {
  await t.step("with no parts, passes the context on", async () => {
    const bot = createBot<Context & SessionFlavor<Record<never, never>>>();
    let seen: unknown;
    bot.use(session({ type: "multi" }), (ctx) => void (seen = ctx));
    await bot.handleUpdate(chat());
    assert(seen !== undefined);
  });

  await t.step("reading a part without a key throws", async () => {
    for (const part of [{}, { getSessionKey: () => undefined }]) {
      const bot = createBot<Context & SessionFlavor<{ prop: number }>>();
      bot.use(session({ type: "multi", prop: part }));
      bot.use((ctx) => void ctx.session.prop);
      await assertRejects(bot.handleUpdate(pollAnswer(7)));
    }
  });

  await t.step("assigning a part without a key throws", async () => {
    const bot = createBot<Context & SessionFlavor<{ prop: number }>>();
    bot.use(session({
      type: "multi",
      prop: { getSessionKey: () => undefined },
    }));
    bot.use((ctx) => void (ctx.session.prop = 0));
    await assertRejects(bot.handleUpdate(chat()));
  });

  await t.step("a throwing handler: one read, no write or delete", async () => {
    const r = recorder<number>(0);
    const bot = createBot<Context & SessionFlavor<{ prop: number }>>();
    bot.use(session({ type: "multi", prop: { storage: r.storage } }));
    bot.use((ctx) => {
      ctx.session.prop = 1;
      throw new Error("err");
    });
    await assertRejects(bot.handleUpdate(chat()));
    assertEquals(r.calls, [["read", "42"]]);
  });

  await t.step("objects: each part reads, changes, writes", async () => {
    const r0 = recorder<Record<string, number>>();
    const r1 = recorder<Record<string, number>>();
    const initials = [0, 0];
    type Data = {
      prop0: Record<string, number>;
      prop1: Record<string, number>;
    };
    const bot = createBot<Context & SessionFlavor<Data>>();
    bot.use(session({
      type: "multi",
      prop0: { storage: r0.storage, initial: () => (initials[0]!++, {}) },
      prop1: { storage: r1.storage, initial: () => (initials[1]!++, {}) },
    }));
    bot.use((ctx) => {
      const { prop0, prop1 } = ctx.session;
      switch (Object.keys(prop0).length) {
        case 0:
          prop0.foo = 0;
          prop1.foo = 0;
          break;
        case 1:
          prop0.foo!++;
          prop0.bar = 0;
          prop1.foo!++;
          break;
        case 2:
          prop0.bar!++;
          prop0.baz = 0;
          prop1.foo!++;
          break;
        case 3:
          // Deletes every part.
          (ctx as { session: unknown }).session = undefined;
      }
    });
    for (let i = 0; i < 5; i++) await bot.handleUpdate(chat());
    assertEquals(r0.calls, [
      ["read", "42"],
      ["write", "42", { foo: 0 }],
      ["read", "42"],
      ["write", "42", { foo: 1, bar: 0 }],
      ["read", "42"],
      ["write", "42", { foo: 1, bar: 1, baz: 0 }],
      ["read", "42"],
      ["delete", "42"],
      ["read", "42"],
      ["write", "42", { foo: 0 }],
    ]);
    assertEquals(r1.calls, [
      ["read", "42"],
      ["write", "42", { foo: 0 }],
      ["read", "42"],
      ["write", "42", { foo: 1 }],
      ["read", "42"],
      ["write", "42", { foo: 2 }],
      ["read", "42"],
      ["delete", "42"],
      ["read", "42"],
      ["write", "42", { foo: 0 }],
    ]);
    assertEquals(initials, [2, 2]);
  });
});

Deno.test("grammY parity: lazySession()", async (t) => {
  type C = Context & LazySessionFlavor<number>;

  await t.step("refuses multi sessions", () => {
    assertThrows(
      () => lazySession({ type: "multi" as unknown as "single" }),
      /multi/,
    );
  });

  await t.step("passes the context on to the next middleware", async () => {
    const bot = createBot<C>();
    let seen: unknown;
    bot.use(lazySession(), (ctx) => void (seen = ctx));
    await bot.handleUpdate(chat());
    assert(seen !== undefined);
  });

  for (const keyless of ["default", "custom"] as const) {
    await t.step(`reading without a key (${keyless}) throws`, async () => {
      const bot = createBot<C>();
      bot.use(
        keyless === "default"
          ? lazySession()
          : lazySession({ getSessionKey: () => undefined }),
      );
      bot.use((ctx) => void ctx.session);
      await assertRejects(bot.handleUpdate(pollAnswer(7)));
    });
  }

  await t.step("assigning without a key throws", async () => {
    const bot = createBot<C>();
    bot.use(lazySession({ getSessionKey: () => undefined }));
    bot.use((ctx) => void (ctx.session = 0));
    await assertRejects(bot.handleUpdate(chat()));
  });

  await t.step("a throwing handler: one read, no write or delete", async () => {
    const r = recorder<number>(0);
    const bot = createBot<C>();
    bot.use(lazySession({ storage: r.storage }));
    bot.use(async (ctx) => {
      ctx.session = await ctx.session + 1;
      throw new Error("err");
    });
    await assertRejects(bot.handleUpdate(chat()));
    assertEquals(r.calls, [["read", "42"]]);
  });

  await t.step(
    "primitives: read(key), write(key, value), delete(key)",
    async () => {
      const r = recorder<number>(0);
      const bot = createBot<C>();
      bot.use(lazySession({ storage: r.storage }));
      bot.use(async (ctx) => {
        if (await ctx.session === 0) ctx.session = 1;
        else ctx.session = undefined;
      });
      await bot.handleUpdate(chat());
      await bot.handleUpdate(chat());
      assertEquals(r.calls, [
        ["read", "42"],
        ["write", "42", 1],
        ["read", "42"],
        ["delete", "42"],
      ]);
    },
  );

  await t.step(
    "objects: one read per update, however often awaited",
    async () => {
      const r = recorder<Record<string, number>>();
      let initials = 0;
      const bot = createBot<
        Context & LazySessionFlavor<Record<string, number>>
      >();
      bot.use(lazySession({
        storage: r.storage,
        initial: () => (initials++, {}),
      }));
      bot.use(async (ctx) => {
        const before = r.count("read");
        await ctx.session;
        assertEquals(r.count("read"), before + 1);
        switch (Object.keys(await ctx.session).length) {
          case 0:
            (await ctx.session).foo = 0;
            break;
          case 1:
            (await ctx.session).foo!++;
            (await ctx.session).bar = 0;
            break;
          case 2:
            (await ctx.session).bar!++;
            (await ctx.session).baz = 0;
            break;
          case 3:
            ctx.session = undefined;
        }
        assertEquals(r.count("read"), before + 1);
      });
      for (let i = 0; i < 5; i++) await bot.handleUpdate(chat());
      assertEquals(r.calls, [
        ["read", "42"],
        ["write", "42", { foo: 0 }],
        ["read", "42"],
        ["write", "42", { foo: 1, bar: 0 }],
        ["read", "42"],
        ["write", "42", { foo: 1, bar: 1, baz: 0 }],
        ["read", "42"],
        ["delete", "42"],
        ["read", "42"],
        ["write", "42", { foo: 0 }],
      ]);
      assertEquals(initials, 2);
    },
  );

  // A store that answers a few turns of the event loop later.
  async function run(handler: (ctx: C) => unknown) {
    const r = recorder<number>(0, true);
    const bot = createBot<C>();
    bot.use(lazySession({ storage: r.storage, initial: () => 0 }));
    bot.use(handler);
    await bot.handleUpdate(chat());
    return r;
  }

  await t.step("an assignment before any access skips the read", async () => {
    const r = await run(async (ctx) => {
      ctx.session = 0;
      assertStrictEquals(await ctx.session, 0);
    });
    assertEquals(r.calls, [["write", "42", 0]]);
  });

  await t.step("no access: no read, no write", async () => {
    const r = await run(() => {});
    assertEquals(r.calls, []);
  });

  await t.step("a read that ends after an assignment is dropped", async () => {
    const r = await run(async (ctx) => {
      const p = Promise.resolve(ctx.session).then(async () => {
        assertStrictEquals(await ctx.session, 42);
      });
      await new Promise((resolve) => setTimeout(resolve, 0));
      ctx.session = 42;
      await p;
    });
    assertEquals(r.calls, [["read", "42"], ["write", "42", 42]]);
  });

  await t.step("an assigned promise is awaited, then written", async () => {
    const r = await run((ctx) => {
      ctx.session = io().then(() => 42);
    });
    assertEquals(r.calls, [["write", "42", 42]]);
  });

  await t.step("the update waits for a read it did not await", async () => {
    let done = false;
    const r = await run((ctx) => {
      void Promise.resolve(ctx.session).then(() => void (done = true));
    });
    assert(done);
    // grammY writes the value back ([write, "42", 0]); unchanged, we do not
    // (docs/differences.md, "No needless writes").
    assertEquals(r.calls, [["read", "42"]]);
  });
});

Deno.test("grammY parity: enhanceStorage()", async (t) => {
  await t.step(
    "wraps in __d, and calls write(key, value), delete(key)",
    async () => {
      const r = recorder<Enhance<{ __d: number }>>({ __d: { __d: 42 } });
      const enhanced = enhanceStorage({ storage: r.storage });
      assertEquals(await enhanced.read("key"), { __d: 42 });
      await enhanced.write("key", { __d: 42 });
      await enhanced.delete("key");
      assertEquals(r.calls, [
        ["read", "key"],
        ["write", "key", { __d: { __d: 42 } }],
        ["delete", "key"],
      ]);
    },
  );

  await t.step(
    "with migrations: write(key, { __d, v }), delete(key)",
    async () => {
      const r = recorder<Enhance<number>>();
      const enhanced = enhanceStorage<number>({
        storage: r.storage,
        migrations: {
          1: () => {
            throw new Error("nope");
          },
        },
      });
      await enhanced.write("key", 42);
      await enhanced.delete("key");
      assertEquals(r.calls, [
        ["write", "key", { __d: 42, v: 1 }],
        ["delete", "key"],
      ]);
    },
  );

  await t.step("with a time to live: write(key, { __d, e })", async () => {
    const clock = fakeTime(1000);
    try {
      const r = recorder<Enhance<number>>();
      const enhanced = enhanceStorage<number>({
        storage: r.storage,
        millisecondsToLive: 50,
        migrations: { 1: (old) => old },
      });
      await enhanced.write("key", 42);
      await enhanced.delete("key");
      assertEquals(r.calls, [
        ["write", "key", { __d: 42, v: 1, e: 1050 }],
        ["delete", "key"],
      ]);
    } finally {
      clock.uninstall();
    }
  });

  await t.step(
    "through session(): the same calls, no more arguments",
    async () => {
      const r = recorder<Enhance<number>>();
      const bot = createBot<Context & SessionFlavor<number>>();
      bot.use(session({
        storage: enhanceStorage<number>({ storage: r.storage }),
        initial: () => 0,
      }));
      bot.use((ctx) => {
        if (ctx.session < 2) ctx.session++;
        else ctx.session = undefined;
      });
      for (let i = 0; i < 3; i++) await bot.handleUpdate(chat());
      assertEquals(r.calls, [
        ["read", "42"],
        ["write", "42", { __d: 1 }],
        ["read", "42"],
        ["write", "42", { __d: 2 }],
        ["read", "42"],
        ["delete", "42"],
      ]);
    },
  );

  await t.step("through lazySession(): the same calls", async () => {
    const r = recorder<Enhance<number>>();
    const bot = createBot<Context & LazySessionFlavor<number>>();
    bot.use(lazySession({
      storage: enhanceStorage<number>({ storage: r.storage }),
      initial: () => 0,
    }));
    bot.use(async (ctx) => {
      const n = await ctx.session;
      ctx.session = n < 1 ? n + 1 : undefined;
    });
    for (let i = 0; i < 2; i++) await bot.handleUpdate(chat());
    assertEquals(r.calls, [
      ["read", "42"],
      ["write", "42", { __d: 1 }],
      ["read", "42"],
      ["delete", "42"],
    ]);
  });

  await t.step("through multi sessions: the same calls per part", async () => {
    const r = recorder<Enhance<number>>();
    const bot = createBot<Context & SessionFlavor<{ a: number }>>();
    bot.use(session({
      type: "multi",
      a: {
        storage: enhanceStorage<number>({ storage: r.storage }),
        initial: () => 0,
      },
    }));
    bot.use((ctx) => void ctx.session.a++);
    await bot.handleUpdate(chat());
    assertEquals(r.calls, [["read", "42"], ["write", "42", { __d: 1 }]]);
  });

  await t.step("expires values after their time to live", async () => {
    const clock = fakeTime(1000);
    try {
      const store = enhanceStorage<number>({
        storage: new MemorySessionStorage<Enhance<number>>(),
        millisecondsToLive: 50,
      });
      assertEquals(await store.read("k"), undefined);
      await store.write("k", 42);
      assertEquals(await store.read("k"), 42);
      clock.tick(100);
      assertEquals(await store.read("k"), undefined);
      await store.write("k", 42);
      assertEquals(await store.read("k"), 42);
    } finally {
      clock.uninstall();
    }
  });

  await t.step("refuses empty migrations", () => {
    const r = recorder<Enhance<number>>();
    assertThrows(
      () => enhanceStorage({ storage: r.storage, migrations: {} }),
      /No migrations given!/,
    );
  });

  const migrations = {
    3: (old: number) => old * 2,
    12: (old: number) => old ** 2,
    1: (old: number) => old + 10,
  };

  await t.step("does not migrate an absent value", async () => {
    const r = recorder<Enhance<number>>();
    const enhanced = enhanceStorage<number>({
      storage: r.storage,
      migrations: {
        1: () => {
          throw new Error("nope");
        },
      },
    });
    assertEquals(await enhanced.read("key"), undefined);
  });

  for (
    const [stored, expected, what] of [
      [0, 400, "from the start (legacy data)"],
      [{ __d: 5, v: 3 }, 25, "from the middle"],
      [{ __d: 42, v: 12 }, 42, "not at all when up to date"],
      [{ __d: 5, v: 8 }, 25, "from a version that has no migration"],
    ] as const
  ) {
    await t.step(`runs migrations ${what}`, async () => {
      const r = recorder(stored as unknown as Enhance<number>);
      const enhanced = enhanceStorage<number>({
        storage: r.storage,
        migrations,
      });
      assertEquals(await enhanced.read("key"), expected);
    });
  }

  await t.step("combines expiry and migrations", async () => {
    const clock = fakeTime(1000);
    try {
      const storage = new MemorySessionStorage<Enhance<number>>();
      const enhanced = enhanceStorage<number>({
        storage,
        millisecondsToLive: 50,
        migrations,
      });
      storage.write("k", 0 as unknown as Enhance<number>);
      assertEquals(await enhanced.read("k"), 400);
      clock.tick(100);
      assertEquals(await enhanced.read("k"), undefined);
      await enhanced.write("k", 42);
      assertEquals(await enhanced.read("k"), 42);
    } finally {
      clock.uninstall();
    }
  });
});

Deno.test("grammY parity: MemorySessionStorage", async (t) => {
  await t.step("reads, writes and deletes", () => {
    const store = new MemorySessionStorage<number>();
    assertEquals(store.read("k"), undefined);
    store.write("k", 42);
    assertEquals(store.read("k"), 42);
    store.delete("k");
    assertEquals(store.read("k"), undefined);
  });

  await t.step("lists every value, as an array, in write order", () => {
    const store = new MemorySessionStorage<number>();
    store.write("k0", 42);
    store.write("k1", 43);
    store.write("k2", 44);
    assertEquals(store.readAllValues(), [42, 43, 44]);
  });

  await t.step("expires values after their time to live", () => {
    const clock = fakeTime(1000);
    try {
      const store = new MemorySessionStorage<number>(50);
      store.write("k", 42);
      assertEquals(store.read("k"), 42);
      clock.tick(100);
      assertEquals(store.read("k"), undefined);
      store.write("k", 42);
      assertEquals(store.read("k"), 42);
    } finally {
      clock.uninstall();
    }
  });
});
