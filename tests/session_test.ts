import { BotError, type Context } from "grammy";
import {
  MemorySessionStorage,
  session,
  SessionConflictError,
  type SessionFlavor,
  SessionStorageError,
  SessionValueError,
} from "../mod.ts";
import {
  assert,
  assertEquals,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "./deps.ts";
import {
  createBot,
  mapStorage,
  message,
  pollAnswer,
  spyStorage,
} from "./_helpers.ts";

interface Pizza {
  pizzaCount: number;
}
type PizzaContext = Context & SessionFlavor<Pizza>;

/** Runs `fn` and returns the error grammY wrapped in a BotError. */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  const error = await promise.then(() => undefined, (e) => e);
  assert(error instanceof BotError, `expected a BotError, got ${error}`);
  return error.error;
}

Deno.test("session() with a single session", async (t) => {
  await t.step(
    "keys sessions by chat id and exposes ctx.sessionKey",
    async () => {
      const storage = spyStorage(new MemorySessionStorage<Pizza>());
      const bot = createBot<PizzaContext>();
      bot.use(session({ initial: () => ({ pizzaCount: 0 }), storage }));
      const keys: (string | undefined)[] = [];
      bot.on("message", (ctx) => {
        keys.push(ctx.sessionKey);
        ctx.session.pizzaCount++;
      });
      await bot.handleUpdate(message(424242, "🍕"));
      await bot.handleUpdate(message(424242, "🍕"));
      await bot.handleUpdate(message(987654, "🍕"));
      assertEquals(keys, ["424242", "424242", "987654"]);
      assertEquals(await storage.read("424242"), { pizzaCount: 2 });
      assertEquals(await storage.read("987654"), { pizzaCount: 1 });
    },
  );

  await t.step("makes ctx.sessionKey read-only", async () => {
    const bot = createBot<PizzaContext>();
    bot.use(session({ initial: () => ({ pizzaCount: 0 }) }));
    bot.on("message", (ctx) => {
      assertThrows(() => {
        (ctx as { sessionKey?: string }).sessionKey = "other";
      }, TypeError);
    });
    await bot.handleUpdate(message(1, "hi"));
  });

  await t.step("prepends the prefix only to defined keys", async () => {
    const storage = spyStorage(new MemorySessionStorage<Pizza>());
    const bot = createBot<PizzaContext>();
    bot.use(
      session({ initial: () => ({ pizzaCount: 0 }), storage, prefix: "p:" }),
    );
    const keys: (string | undefined)[] = [];
    bot.use((ctx, next) => {
      keys.push(ctx.sessionKey);
      if (ctx.sessionKey !== undefined) ctx.session.pizzaCount++;
      return next();
    });
    await bot.handleUpdate(message(5, "hi"));
    await bot.handleUpdate(pollAnswer(5));
    assertEquals(keys, ["p:5", undefined]);
    assertEquals([...storage.calls.map(([m, k]) => `${m} ${k}`)], [
      "read p:5",
      "write p:5",
    ]);
  });

  await t.step("accepts an async getSessionKey and calls it once", async () => {
    let calls = 0;
    const bot = createBot<PizzaContext>();
    bot.use(session({
      initial: () => ({ pizzaCount: 0 }),
      getSessionKey: async (ctx) => {
        calls++;
        await Promise.resolve();
        return ctx.from?.id.toString();
      },
    }));
    let key: string | undefined;
    bot.on("message", (ctx) => {
      key = ctx.sessionKey;
      ctx.session.pizzaCount++;
    });
    await bot.handleUpdate(
      message(-100, "hi", { from: 77, chatType: "group" }),
    );
    assertEquals(key, "77");
    assertEquals(calls, 1);
  });

  await t.step(
    "reads nothing and throws on access if the key is undefined",
    async () => {
      const storage = spyStorage(new MemorySessionStorage<Pizza>());
      const bot = createBot<PizzaContext>();
      bot.use(session({ initial: () => ({ pizzaCount: 0 }), storage }));
      const errors: string[] = [];
      bot.use((ctx) => {
        try {
          ctx.session.pizzaCount++;
        } catch (error) {
          errors.push((error as Error).message);
        }
        try {
          ctx.session = { pizzaCount: 1 };
        } catch (error) {
          errors.push((error as Error).message);
        }
      });
      await bot.handleUpdate(pollAnswer(3));
      assertEquals(errors, [
        "Cannot access session data because this update does not belong to a chat, so the session key is undefined!",
        "Cannot assign session data because this update does not belong to a chat, so the session key is undefined!",
      ]);
      assertEquals(storage.calls, []);
    },
  );

  await t.step(
    "names the custom key function when it gives undefined",
    async () => {
      const bot = createBot<PizzaContext>();
      bot.use(session({ getSessionKey: () => undefined }));
      let text = "";
      bot.use((ctx) => {
        try {
          ctx.session;
        } catch (error) {
          text = (error as Error).message;
        }
      });
      await bot.handleUpdate(message(1, "hi"));
      assertEquals(
        text,
        "Cannot access session data because the custom `getSessionKey` function returned undefined for this update!",
      );
    },
  );

  await t.step("lets updates without a key pass when untouched", async () => {
    const bot = createBot<PizzaContext>();
    bot.use(session({ initial: () => ({ pizzaCount: 0 }) }));
    let reached = false;
    bot.use(() => void (reached = true));
    await bot.handleUpdate(pollAnswer(3));
    assert(reached);
  });

  await t.step("rejects a key function that returns a number", async () => {
    const bot = createBot<PizzaContext>();
    bot.use(session({
      getSessionKey: (ctx) => ctx.chatId as unknown as string,
    }));
    const error = await failure(bot.handleUpdate(message(1, "hi")));
    assert(error instanceof TypeError);
    assert(error.message.includes("must be a string"), error.message);
  });

  await t.step("writes and deletes nothing when a handler throws", async () => {
    const storage = spyStorage(new MemorySessionStorage<Pizza>());
    storage.write("1", { pizzaCount: 5 });
    storage.reset();
    const bot = createBot<PizzaContext>();
    bot.use(session({ initial: () => ({ pizzaCount: 0 }), storage }));
    bot.hears("boom", (ctx) => {
      ctx.session.pizzaCount = 100;
      throw new Error("handler failed");
    });
    bot.use((ctx) => {
      ctx.session = undefined;
      throw new Error("handler failed");
    });
    const error = await failure(bot.handleUpdate(message(1, "boom")));
    assertEquals((error as Error).message, "handler failed");
    await failure(bot.handleUpdate(message(1, "delete")));
    assertEquals(storage.calls.map(([m]) => m), ["read", "read"]);
    assertEquals(await storage.read("1"), { pizzaCount: 5 });
  });

  await t.step(
    "calls initial() only for missing sessions, anew each time",
    async () => {
      const storage = new MemorySessionStorage<Pizza>();
      storage.write("2", { pizzaCount: 9 });
      const made: Pizza[] = [];
      const bot = createBot<PizzaContext>();
      bot.use(session({
        storage,
        initial: () => {
          const value = { pizzaCount: 0 };
          made.push(value);
          return value;
        },
      }));
      const seen: Pizza[] = [];
      bot.on("message", (ctx) => void seen.push(ctx.session));
      await bot.handleUpdate(message(1, "a"));
      await bot.handleUpdate(message(2, "b"));
      await bot.handleUpdate(message(3, "c"));
      assertEquals(made.length, 2);
      assertEquals(seen.map((s) => s.pizzaCount), [0, 9, 0]);
      assert(seen[0] !== seen[2]);
    },
  );

  await t.step(
    "does not let a shared initial object leak between chats",
    async () => {
      // The guide's "DANGER" example.
      const initialData = { pizzaCount: 0 };
      const bot = createBot<PizzaContext>();
      bot.use(session({ initial: () => initialData }));
      const counts: number[] = [];
      bot.on("message", (ctx) => void counts.push(++ctx.session.pizzaCount));
      await bot.handleUpdate(message(1, "🍕"));
      await bot.handleUpdate(message(1, "🍕"));
      await bot.handleUpdate(message(2, "🍕"));
      assertEquals(counts, [1, 2, 1]);
      assertEquals(initialData.pizzaCount, 0);
    },
  );

  await t.step("deletes the session on null or undefined", async () => {
    for (const empty of [null, undefined]) {
      const storage = spyStorage(new MemorySessionStorage<Pizza>());
      storage.write("1", { pizzaCount: 3 });
      storage.reset();
      const bot = createBot<PizzaContext>();
      bot.use(session({ storage }));
      bot.use((ctx) => void (ctx.session = empty));
      await bot.handleUpdate(message(1, "bye"));
      assertEquals(storage.calls.map(([m]) => m), ["read", "delete"]);
      assertEquals(await storage.read("1"), undefined);
    }
  });

  await t.step("does not delete a session that was never stored", async () => {
    const storage = spyStorage(new MemorySessionStorage<Pizza>());
    const bot = createBot<PizzaContext>();
    bot.use(session({ storage, initial: () => ({ pizzaCount: 0 }) }));
    bot.use((ctx) => void (ctx.session = undefined));
    await bot.handleUpdate(message(1, "bye"));
    assertEquals(storage.calls.map(([m]) => m), ["read"]);
  });

  await t.step("works with primitive session values", async () => {
    const storage = new MemorySessionStorage<number>();
    const bot = createBot<Context & SessionFlavor<number>>();
    bot.use(session({ storage, initial: () => 0 }));
    bot.on("message", (ctx) => void ctx.session++);
    for (let i = 0; i < 3; i++) await bot.handleUpdate(message(1, "+"));
    assertStrictEquals(storage.read("1"), 3);

    const strings = new MemorySessionStorage<string>();
    const bot2 = createBot<Context & SessionFlavor<string>>();
    bot2.use(session({ storage: strings, initial: () => "" }));
    bot2.on("message", (ctx) => void (ctx.session += ctx.msg.text));
    await bot2.handleUpdate(message(1, "a"));
    await bot2.handleUpdate(message(1, "b"));
    assertStrictEquals(strings.read("1"), "ab");
  });

  await t.step("skips the write when the session is unchanged", async () => {
    const storage = spyStorage(new MemorySessionStorage<Pizza>());
    const bot = createBot<PizzaContext>();
    bot.use(session({ storage, initial: () => ({ pizzaCount: 0 }) }));
    bot.hears("🍕", (ctx) => void ctx.session.pizzaCount++);
    bot.hears("same", (ctx) => void (ctx.session = { pizzaCount: 1 }));
    bot.on("message", (ctx) => void ctx.session.pizzaCount);
    await bot.handleUpdate(message(1, "hello")); // untouched initial value
    await bot.handleUpdate(message(1, "🍕")); // changed
    await bot.handleUpdate(message(1, "hello")); // only read
    await bot.handleUpdate(message(1, "same")); // equal new object
    assertEquals(storage.calls.map(([m]) => m), [
      "read",
      "read",
      "write",
      "read",
      "read",
    ]);
  });

  await t.step(
    "detects changes in nested data, Maps, Dates and BigInts",
    async () => {
      interface Rich {
        list: number[];
        map: Map<string, Date>;
        big: bigint;
      }
      const storage = spyStorage(new MemorySessionStorage<Rich>());
      const bot = createBot<Context & SessionFlavor<Rich>>();
      bot.use(session({
        storage,
        initial: () => ({ list: [], map: new Map(), big: 0n }),
      }));
      bot.hears("list", (ctx) => void ctx.session.list.push(1));
      bot.hears("map", (ctx) => void ctx.session.map.set("a", new Date(5)));
      bot.hears("date", (ctx) => void ctx.session.map.get("a")!.setTime(6));
      bot.hears("big", (ctx) => void (ctx.session.big += 1n));
      for (const text of ["list", "map", "date", "big"]) {
        storage.reset();
        await bot.handleUpdate(message(1, text));
        assertEquals(storage.calls.map(([m]) => m), ["read", "write"], text);
      }
      const stored = await storage.read("1");
      assertEquals(stored, {
        list: [1],
        map: new Map([["a", new Date(6)]]),
        big: 1n,
      });
    },
  );

  await t.step(
    "leaves no trace of a throwing handler's mutations in memory",
    async () => {
      const storage = new MemorySessionStorage<Pizza>();
      const bot = createBot<PizzaContext>();
      bot.use(session({ storage, initial: () => ({ pizzaCount: 0 }) }));
      bot.hears("🍕", (ctx) => void ctx.session.pizzaCount++);
      bot.hears("boom", (ctx) => {
        ctx.session.pizzaCount = 1000;
        throw new Error("no");
      });
      await bot.handleUpdate(message(1, "🍕"));
      await failure(bot.handleUpdate(message(1, "boom")));
      assertEquals(storage.read("1"), { pizzaCount: 1 });
    },
  );

  await t.step(
    "reports a failed read with the key and never runs initial()",
    async () => {
      let initialCalls = 0;
      const inner = mapStorage<Pizza>(new Map([["1", { pizzaCount: 7 }]]));
      const storage = spyStorage({
        ...inner,
        read: () => Promise.reject(new Error("database offline")),
      });
      const bot = createBot<PizzaContext>();
      bot.use(session({
        storage,
        initial: () => {
          initialCalls++;
          return { pizzaCount: 0 };
        },
      }));
      let ran = false;
      bot.on("message", () => void (ran = true));
      const error = await failure(bot.handleUpdate(message(1, "🍕")));
      assert(error instanceof SessionStorageError);
      assertEquals(error.key, "1");
      assertEquals(error.operation, "read");
      assert(error.message.includes("database offline"), error.message);
      assertEquals([ran, initialCalls], [false, 0]);
      assertEquals(storage.calls.map(([m]) => m), ["read"]);
      assertEquals(inner.map.get("1"), { pizzaCount: 7 });
    },
  );

  await t.step("reports a failed write with the key", async () => {
    const inner = mapStorage<Pizza>();
    const bot = createBot<PizzaContext>();
    bot.use(session({
      storage: {
        ...inner,
        write: () => Promise.reject(new Error("disk full")),
      },
      initial: () => ({ pizzaCount: 0 }),
    }));
    bot.on("message", (ctx) => void ctx.session.pizzaCount++);
    const error = await failure(bot.handleUpdate(message(9, "🍕")));
    assert(error instanceof SessionStorageError);
    assertEquals([error.key, error.operation], ["9", "write"]);
    assert(error.message.includes("disk full"));
  });

  await t.step(
    "rejects a session the memory store cannot copy and keeps the stored one",
    async () => {
      const storage = new MemorySessionStorage<Record<string, unknown>>();
      storage.write("1", { ok: true });
      const bot = createBot<Context & SessionFlavor<Record<string, unknown>>>();
      bot.use(session({ storage }));
      bot.hears("fn", (ctx) => void (ctx.session.callback = () => {}));
      bot.hears("sym", (ctx) => void (ctx.session.tag = Symbol("x")));
      for (const text of ["fn", "sym"]) {
        const error = await failure(bot.handleUpdate(message(1, text)));
        assert(error instanceof SessionValueError, String(error));
        assertEquals(error.key, "1");
        assert(error.message.includes('"1"'), error.message);
      }
      assertEquals(storage.read("1"), { ok: true });
    },
  );

  await t.step(
    "works with plain grammY storage adapters (last write wins)",
    async () => {
      const storage = spyStorage(mapStorage<Pizza>());
      const bot = createBot<PizzaContext>();
      bot.use(session({ storage, initial: () => ({ pizzaCount: 0 }) }));
      bot.on("message", (ctx) => void ctx.session.pizzaCount++);
      await bot.handleUpdate(message(1, "🍕"));
      await bot.handleUpdate(message(1, "🍕"));
      assertEquals(await storage.read("1"), { pizzaCount: 2 });
      assertEquals(storage.calls.map(([m]) => m), [
        "read",
        "write",
        "read",
        "write",
        "read",
      ]);
    },
  );

  await t.step("rejects invalid options with a TypeError", () => {
    assertThrows(
      () => session({ initial: 5 as unknown as () => number }),
      TypeError,
    );
    assertThrows(
      () => session({ storage: {} as unknown as MemorySessionStorage<number> }),
      /read, write and delete/,
    );
    assertThrows(() => session({ prefix: 1 as unknown as string }), TypeError);
  });
});

Deno.test("session() with multi sessions", async (t) => {
  interface Multi {
    chat: { messages: number };
    user: string;
    flag: boolean;
  }
  type MultiContext = Context & SessionFlavor<Multi>;

  await t.step(
    "gives each part its own storage, initial, key and prefix",
    async () => {
      const chatStorage = spyStorage(
        new MemorySessionStorage<Multi["chat"]>(),
      );
      const userStorage = spyStorage(new MemorySessionStorage<string>());
      const flagStorage = spyStorage(new MemorySessionStorage<boolean>());
      const bot = createBot<MultiContext>();
      bot.use(session({
        type: "multi",
        chat: { storage: chatStorage, initial: () => ({ messages: 0 }) },
        user: {
          storage: userStorage,
          initial: () => "",
          prefix: "user-",
          getSessionKey: (ctx) => ctx.from?.id.toString(),
        },
        flag: { storage: flagStorage },
      }));
      bot.on("message", (ctx) => {
        ctx.session.chat.messages++;
        ctx.session.user += ctx.msg.text;
      });
      await bot.handleUpdate(message(-5, "a", { from: 1, chatType: "group" }));
      await bot.handleUpdate(message(-5, "b", { from: 2, chatType: "group" }));
      assertEquals(chatStorage.read("-5"), { messages: 2 });
      assertEquals(userStorage.read("user-1"), "a");
      assertEquals(userStorage.read("user-2"), "b");
      // The untouched part without initial value is read, never written.
      assertEquals(flagStorage.calls.map(([m]) => m), ["read", "read"]);
    },
  );

  await t.step("reads the parts in parallel", async () => {
    const order: string[] = [];
    const slow = (name: string) => ({
      ...mapStorage<number>(),
      read: async () => {
        order.push(`start ${name}`);
        await new Promise((resolve) => setTimeout(resolve, 1));
        order.push(`end ${name}`);
        return undefined;
      },
    });
    const bot = createBot<Context & SessionFlavor<{ a: number; b: number }>>();
    bot.use(session({
      type: "multi",
      a: { storage: slow("a") },
      b: { storage: slow("b") },
    }));
    await bot.handleUpdate(message(1, "x"));
    assertEquals(order.slice(0, 2).sort(), ["start a", "start b"]);
  });

  await t.step(
    "deletes every part when ctx.session is set to undefined",
    async () => {
      const a = new MemorySessionStorage<number>();
      const b = new MemorySessionStorage<number>();
      a.write("1", 1);
      b.write("1", 2);
      const bot = createBot<
        Context & SessionFlavor<{ a: number; b: number }>
      >();
      bot.use(session({ type: "multi", a: { storage: a }, b: { storage: b } }));
      bot.on("message", (ctx) => {
        assertEquals([ctx.session.a, ctx.session.b], [1, 2]);
        ctx.session = undefined;
      });
      await bot.handleUpdate(message(1, "reset"));
      assertEquals([a.has("1"), b.has("1")], [false, false]);
    },
  );

  await t.step("writes nothing when a handler throws", async () => {
    const a = spyStorage(new MemorySessionStorage<number>());
    const bot = createBot<Context & SessionFlavor<{ a: number }>>();
    bot.use(session({ type: "multi", a: { storage: a, initial: () => 0 } }));
    bot.on("message", (ctx) => {
      ctx.session.a = 5;
      throw new Error("x");
    });
    await failure(bot.handleUpdate(message(1, "x")));
    assertEquals(a.calls.map(([m]) => m), ["read"]);
  });
});

Deno.test("session() conflict detection", async (t) => {
  await t.step(
    "raises SessionConflictError and keeps the newer value",
    async () => {
      const storage = new MemorySessionStorage<Pizza>();
      const bot = createBot<PizzaContext>();
      // sequential: false, so that only compare-and-set protects the data
      bot.use(session({
        storage,
        initial: () => ({ pizzaCount: 0 }),
        sequential: false,
      }));
      bot.on("message", async (ctx) => {
        ctx.session.pizzaCount++;
        if (ctx.msg.text === "slow") {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      });
      const slow = bot.handleUpdate(message(1, "slow"));
      await bot.handleUpdate(message(1, "fast"));
      const error = await failure(slow);
      assert(error instanceof SessionConflictError);
      assertEquals(error.key, "1");
      assertEquals(storage.read("1"), { pizzaCount: 1 });
    },
  );

  await t.step("reaches bot.catch as a BotError", async () => {
    const storage = new MemorySessionStorage<Pizza>();
    storage.write("1", { pizzaCount: 0 });
    const bot = createBot<PizzaContext>();
    bot.use(session({ storage, sequential: false }));
    bot.on("message", async (ctx) => {
      ctx.session.pizzaCount++;
      // Another process changes the session meanwhile.
      storage.write("1", { pizzaCount: 50 });
      await Promise.resolve();
    });
    await assertRejects(
      bot.handleUpdate(message(1, "x")),
      (error: unknown) =>
        error instanceof BotError &&
        error.error instanceof SessionConflictError,
    );
    assertEquals(storage.read("1"), { pizzaCount: 50 });
  });
});

Deno.test("session() on unusual context objects", async (t) => {
  await t.step("works on a plain object context without a class", async () => {
    const storage = new MemorySessionStorage<Pizza>();
    const middleware = session<Pizza>({
      storage,
      initial: () => ({ pizzaCount: 0 }),
    });
    const ctx = { chatId: 5 } as { chatId: number } & SessionFlavor<Pizza>;
    await middleware(ctx, () => {
      ctx.session.pizzaCount++;
      assertThrows(() => {
        (ctx as { sessionKey?: string }).sessionKey = "x";
      }, TypeError);
      return Promise.resolve();
    });
    assertEquals(ctx.sessionKey, "5");
    assertEquals(storage.read("5"), { pizzaCount: 1 });
    // A plain object gets own properties; Object.prototype stays untouched.
    assert(!("session" in Object.prototype));
    assert(!("sessionKey" in Object.prototype));
  });

  await t.step(
    "explains that grammY's own session() already owns ctx.session",
    async () => {
      const { session: grammySession } = await import("grammy");
      const storage = spyStorage(new MemorySessionStorage<Pizza>());
      const bot = createBot<PizzaContext>();
      bot.use(grammySession({ initial: () => ({ pizzaCount: 100 }) }));
      bot.use(session({ storage, initial: () => ({ pizzaCount: 0 }) }));
      bot.on("message", (ctx) => void ctx.session.pizzaCount++);
      const error = await failure(bot.handleUpdate(message(1, "🍕")));
      assert(error instanceof TypeError);
      assert(error.message.includes("already defined"), error.message);
      assertEquals(storage.calls.map(([m]) => m), ["read"]);
    },
  );

  await t.step(
    "lets grammY's multi session assign ctx.session on the same class",
    async () => {
      const { session: grammySession } = await import("grammy");
      const ours = createBot<PizzaContext>();
      ours.use(session({ initial: () => ({ pizzaCount: 0 }) }));
      await ours.handleUpdate(message(1, "x")); // our accessors on Context
      const theirs = createBot<Context & SessionFlavor<{ a: number }>>();
      theirs.use(grammySession({ type: "multi", a: { initial: () => 1 } }));
      let seen = 0;
      theirs.on("message", (ctx) => void (seen = ctx.session.a));
      await theirs.handleUpdate(message(1, "x"));
      assertEquals(seen, 1);
    },
  );
});
