// The middleware lifecycle at its edges (issue 9): late access from
// background work, promise assignments written with the read's version, the
// same update queued twice, lockTimeout, and duplicated session middleware.
import type { Context } from "grammy";
import {
  lazySession,
  type LazySessionPromiseFlavor,
  MemorySessionStorage,
  session,
  type SessionFlavor,
} from "../mod.ts";
import { DenoKvStorage } from "../kv.ts";
import { assert, assertEquals } from "./deps.ts";
import {
  createBot,
  io,
  mapStorage,
  message,
  runConcurrently,
  settlesWithin,
} from "./_helpers.ts";

interface Counter {
  count: number;
}
type Lazy = Context & LazySessionPromiseFlavor<Counter>;
type Strict = Context & SessionFlavor<Counter>;
const initial = (): Counter => ({ count: 0 });

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

Deno.test("late access after the update finished", async (t) => {
  await t.step("lazy: a clear error, and the chat is not blocked", async () => {
    const storage = new MemorySessionStorage<Counter>();
    const bot = createBot<Lazy>();
    bot.use(lazySession({ storage, initial }));
    let background: Promise<unknown> | undefined;
    bot.command("bg", (ctx) => {
      background = (async () => {
        await io();
        (await ctx.session).count++;
      })().then(() => undefined, (error) => error);
    });
    bot.command("inc", async (ctx) => void (await ctx.session).count++);
    await bot.handleUpdate(message(1, "/bg"));
    const late = await background;
    assertEquals(errorName(late), "SessionLateAccessError");
    assert(/await/i.test(String((late as Error).message)));
    await settlesWithin(bot.handleUpdate(message(1, "/inc")), 5000);
    assertEquals(storage.read("1"), { count: 1 });
  });

  await t.step("lazy: a late assignment is refused too", async () => {
    const storage = new MemorySessionStorage<Counter>();
    const bot = createBot<Lazy>();
    bot.use(lazySession({ storage, initial }));
    let late: unknown;
    const done = new Promise<void>((resolve) => {
      bot.command("bg", (ctx) => {
        setTimeout(() => {
          try {
            ctx.session = Promise.resolve({ count: 9 });
          } catch (error) {
            late = error;
          }
          resolve();
        }, 0);
      });
    });
    bot.command("inc", async (ctx) => void (await ctx.session).count++);
    await bot.handleUpdate(message(2, "/bg"));
    await done;
    assertEquals(errorName(late), "SessionLateAccessError");
    await settlesWithin(bot.handleUpdate(message(2, "/inc")), 5000);
    assertEquals(storage.read("2"), { count: 1 });
  });

  await t.step(
    "strict: late reads work, a late assignment throws",
    async () => {
      const storage = new MemorySessionStorage<Counter>();
      const bot = createBot<Strict>();
      bot.use(session({ storage, initial }));
      let read: unknown;
      let late: unknown;
      const done = new Promise<void>((resolve) => {
        bot.command("bg", (ctx) => {
          ctx.session.count = 5;
          setTimeout(() => {
            read = ctx.session.count;
            try {
              ctx.session = { count: 9 };
            } catch (error) {
              late = error;
            }
            resolve();
          }, 0);
        });
      });
      await bot.handleUpdate(message(3, "/bg"));
      await done;
      assertEquals(read, 5);
      assertEquals(errorName(late), "SessionLateAccessError");
      assertEquals(storage.read("3"), { count: 5 });
    },
  );
});

Deno.test("ctx.session = ctx.session.then(...) writes with the read's version", async (t) => {
  const increment = (ctx: Lazy) => {
    ctx.session = ctx.session.then(async (s) => {
      await io();
      return { count: s.count + 1 };
    });
  };

  await t.step(
    "two bots on one KV file: every increment counted or reported",
    async () => {
      const path = await Deno.makeTempFile({ suffix: ".kv" });
      const kvs = [await Deno.openKv(path), await Deno.openKv(path)];
      try {
        const bots = kvs.map((kv) => {
          const bot = createBot<Lazy>();
          bot.use(
            lazySession({ storage: new DenoKvStorage<Counter>(kv), initial }),
          );
          bot.on("message", increment);
          return bot;
        });
        const runs = bots.map((bot) =>
          runConcurrently(
            bot as never,
            Array.from({ length: 20 }, () => message(4, "+1")),
            4,
          )
        );
        const errors = (await Promise.all(runs)).flat();
        assert(errors.every((e) => errorName(e) === "SessionConflictError"));
        const stored = await new DenoKvStorage<Counter>(kvs[0]!).read("4");
        assertEquals(stored!.count + errors.length, 40);
      } finally {
        for (const kv of kvs) kv.close();
        await Deno.remove(path).catch(() => {});
      }
    },
  );

  await t.step(
    "sequential: false: every increment counted or reported",
    async () => {
      const storage = new MemorySessionStorage<Counter>();
      const bot = createBot<Lazy>();
      bot.use(lazySession({ storage, initial, sequential: false }));
      bot.on("message", increment);
      const errors = await runConcurrently(
        bot as never,
        Array.from({ length: 30 }, () => message(5, "+1")),
        8,
      );
      assert(errors.length > 0, "the test must provoke conflicts");
      assert(errors.every((e) => errorName(e) === "SessionConflictError"));
      assertEquals(storage.read("5")!.count + errors.length, 30);
    },
  );

  await t.step(
    "a read that ends after an assignment is dropped, its version kept",
    async () => {
      const storage = new MemorySessionStorage<Counter>();
      storage.write("8", { count: 3 });
      const bot = createBot<Lazy>();
      bot.use(lazySession({ storage, initial, sequential: false }));
      bot.hears("set", (ctx) => {
        void ctx.session; // the read starts
        ctx.session = Promise.resolve({ count: 10 });
      });
      bot.hears("race", async (ctx) => {
        const read = ctx.session;
        ctx.session = Promise.resolve({ count: 20 });
        await read; // the read ends after the assignment
        storage.write("8", { count: 99 }); // a concurrent change
      });
      await bot.handleUpdate(message(8, "set"));
      assertEquals(storage.read("8"), { count: 10 });
      const error = await bot.handleUpdate(message(8, "race")).then(
        () => undefined,
        (e) => e.error,
      );
      assertEquals(errorName(error), "SessionConflictError");
      assertEquals(storage.read("8"), { count: 99 });
    },
  );

  await t.step(
    "an assignment before any read is a plain replacement",
    async () => {
      const storage = new MemorySessionStorage<Counter>();
      storage.write("6", { count: 3 });
      const bot = createBot<Lazy>();
      bot.use(lazySession({ storage, initial }));
      bot.on("message", (ctx) => {
        ctx.session = Promise.resolve({ count: 10 });
      });
      await bot.handleUpdate(message(6, "set"));
      assertEquals(storage.read("6"), { count: 10 });
    },
  );
});

Deno.test("the same update queued twice for one key is no deadlock", async () => {
  const storage = mapStorage<Counter>();
  const bot = createBot<Lazy>();
  bot.use(lazySession({ storage, initial }));
  bot.use((ctx, next) => {
    void ctx.session;
    return next();
  });
  bot.use(lazySession({ storage, initial }));
  bot.on("message", async (ctx) => {
    const data = await ctx.session;
    await io();
    data.count++;
  });
  const errors = await settlesWithin(
    runConcurrently(
      bot as never,
      Array.from({ length: 50 }, () => message(7, "+1")),
    ),
    20_000,
  );
  assertEquals(errors, []);
  assertEquals(storage.map.get("7"), { count: 50 });
});
