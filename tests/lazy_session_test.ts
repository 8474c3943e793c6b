import { BotError, type Context } from "grammy";
import {
  lazySession,
  type LazySessionPromiseFlavor,
  MemorySessionStorage,
  SessionStorageError,
} from "../mod.ts";
import { assert, assertEquals, assertThrows } from "./deps.ts";
import {
  createBot,
  mapStorage,
  message,
  pollAnswer,
  spyStorage,
} from "./_helpers.ts";

interface Stats {
  counter: number;
}
type LazyContext = Context & LazySessionPromiseFlavor<Stats>;

function setup(storage = spyStorage(new MemorySessionStorage<Stats>())) {
  const bot = createBot<LazyContext>();
  bot.use(lazySession({ storage, initial: () => ({ counter: 0 }) }));
  return { bot, storage };
}

Deno.test("lazySession()", async (t) => {
  await t.step(
    "reads and writes nothing when the session is not touched",
    async () => {
      const { bot, storage } = setup();
      let key: string | undefined;
      bot.on("message", (ctx) => void (key = ctx.sessionKey));
      await bot.handleUpdate(message(1, "hi"));
      assertEquals(key, "1");
      assertEquals(storage.calls, []);
    },
  );

  await t.step(
    "gives a promise on first access and reuses the same read",
    async () => {
      const { bot, storage } = setup();
      let first: unknown;
      bot.on("message", async (ctx) => {
        first = ctx.session;
        const a = await ctx.session;
        const b = await ctx.session;
        assert(a === b);
        a.counter++;
      });
      await bot.handleUpdate(message(1, "hi"));
      assert(first instanceof Promise);
      assertEquals(storage.calls.map(([m]) => m), ["read", "write"]);
      assertEquals(await storage.read("1"), { counter: 1 });
    },
  );

  await t.step("skips the read when assigned before reading", async () => {
    const { bot, storage } = setup();
    bot.on("message", (ctx) => void (ctx.session = { counter: 42 }));
    await bot.handleUpdate(message(1, "hi"));
    assertEquals(storage.calls.map(([m]) => m), ["write"]);
    assertEquals(await storage.read("1"), { counter: 42 });
  });

  await t.step("drops a read that finishes after an assignment", async () => {
    let release = () => {};
    let reading = () => {};
    const started = new Promise<void>((resolve) => reading = resolve);
    const inner = mapStorage<Stats>(new Map([["1", { counter: 5 }]]));
    const storage = spyStorage({
      ...inner,
      read: async (key: string) => {
        reading();
        await new Promise<void>((resolve) => release = resolve);
        return inner.read(key);
      },
    });
    const bot = createBot<LazyContext>();
    bot.use(lazySession({ storage }));
    let seen: Stats | undefined;
    bot.on("message", async (ctx) => {
      const pending = ctx.session; // starts the read
      await started;
      ctx.session = { counter: 100 };
      release();
      await pending;
      seen = await ctx.session;
    });
    await bot.handleUpdate(message(1, "hi"));
    assertEquals(seen, { counter: 100 });
    assertEquals(inner.map.get("1"), { counter: 100 });
  });

  await t.step("awaits an assigned promise before writing", async () => {
    const { bot, storage } = setup();
    bot.on("message", (ctx) => {
      ctx.session = new Promise((resolve) =>
        setTimeout(() => resolve({ counter: 7 }), 1)
      );
    });
    await bot.handleUpdate(message(1, "hi"));
    assertEquals(await storage.read("1"), { counter: 7 });
  });

  await t.step(
    "runs the guide's promise assignment without hanging",
    async () => {
      const { bot, storage } = setup();
      await storage.write("1", { counter: 3 });
      storage.reset();
      // The guide's code, in `bot.use`: grammY's filtered context types (as
      // in `bot.command`) keep only the getter type of accessors.
      bot.use((ctx) => {
        // The promise resolves to undefined.
        ctx.session = ctx.session.then((stats) => {
          stats.counter = 0;
        });
      });
      await bot.handleUpdate(message(1, "/reset"));
      // A promise resolving to undefined deletes the session.
      assertEquals(storage.calls.map(([m]) => m), ["read", "delete"]);
      assertEquals(await storage.read("1"), undefined);
    },
  );

  await t.step(
    "writes an assigned promise that resolves to the session",
    async () => {
      const { bot, storage } = setup();
      bot.command("reset", (ctx) => {
        ctx.session = ctx.session.then((stats) => ({ ...stats, counter: 9 }));
      });
      await bot.handleUpdate(message(1, "/reset"));
      assertEquals(await storage.read("1"), { counter: 9 });
    },
  );

  await t.step("skips the write when the session was only read", async () => {
    const { bot, storage } = setup();
    await storage.write("1", { counter: 3 });
    storage.reset();
    let seen = -1;
    bot.on("message", async (ctx) => void (seen = (await ctx.session).counter));
    await bot.handleUpdate(message(1, "hi"));
    assertEquals(seen, 3);
    assertEquals(storage.calls.map(([m]) => m), ["read"]);
  });

  await t.step("does not store an untouched initial value", async () => {
    const { bot, storage } = setup();
    bot.on("message", async (ctx) => void (await ctx.session));
    await bot.handleUpdate(message(1, "hi"));
    assertEquals(storage.calls.map(([m]) => m), ["read"]);
  });

  await t.step(
    "throws with a lazy message when the key is undefined",
    async () => {
      const { bot, storage } = setup();
      const messages: string[] = [];
      bot.use((ctx) => {
        try {
          ctx.session;
        } catch (error) {
          messages.push((error as Error).message);
        }
      });
      await bot.handleUpdate(pollAnswer(1));
      assertEquals(messages, [
        "Cannot access lazy session data because this update does not belong to a chat, so the session key is undefined!",
      ]);
      assertEquals(storage.calls, []);
    },
  );

  await t.step("propagates a failed read and writes nothing", async () => {
    const inner = mapStorage<Stats>(new Map([["1", { counter: 1 }]]));
    const storage = spyStorage({
      ...inner,
      read: () => Promise.reject(new Error("timeout")),
    });
    const bot = createBot<LazyContext>();
    bot.use(lazySession({ storage, initial: () => ({ counter: 0 }) }));
    bot.on("message", async (ctx) => {
      try {
        await ctx.session;
      } catch {
        // A handler that swallows the error must not cause a write.
      }
    });
    const error = await bot.handleUpdate(message(1, "hi")).then(
      () => undefined,
      (e) => e,
    );
    assert(error instanceof BotError);
    assert(error.error instanceof SessionStorageError);
    assertEquals(storage.calls.map(([m]) => m), ["read"]);
    assertEquals(inner.map.get("1"), { counter: 1 });
  });

  await t.step("rejects multi sessions", () => {
    assertThrows(
      () => lazySession({ type: "multi" } as never),
      /Cannot use lazy multi sessions/,
    );
  });
});
