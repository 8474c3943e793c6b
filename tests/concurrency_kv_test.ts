// Concurrent updates in one process on Deno KV: 2000 updates, 32 in flight,
// 10 chats, through a real bot, on a KV file and on `:memory:`. Every
// increment must be counted and no update may fail.
import type { Context } from "grammy";
import type { Update } from "grammy/types";
import {
  lazySession,
  type LazySessionFlavor,
  session,
  SessionConflictError,
  type SessionFlavor,
} from "../mod.ts";
import { DenoKvStorage } from "../kv.ts";
import { sessionLocks } from "../src/middleware/_key_lock.ts";
import { assert, assertEquals } from "./deps.ts";
import { createBot, io, message, runConcurrently } from "./_helpers.ts";

const UPDATES = 2000;
const CHATS = 10;

interface Counter {
  count: number;
}

function updatesFor(): Update[] {
  return Array.from(
    { length: UPDATES },
    (_, i) => message(1000 + (i % CHATS), "+1"),
  );
}

/** Sums the counters stored under `prefix`. */
async function storedSum(kv: Deno.Kv, prefix: string): Promise<number> {
  const storage = new DenoKvStorage<Counter | number>(kv, {
    prefix: [prefix],
  });
  let sum = 0;
  for await (const value of storage.readAllValues()) {
    sum += typeof value === "number" ? value : value.count;
  }
  return sum;
}

/** Runs `body` on a KV file that is removed afterwards, then on `:memory:`. */
async function onEachKv(
  t: Deno.TestContext,
  name: string,
  body: (kv: Deno.Kv) => Promise<void>,
): Promise<void> {
  await t.step(`${name} (KV file)`, async () => {
    const path = await Deno.makeTempFile({ suffix: ".kv" });
    try {
      const kv = await Deno.openKv(path);
      try {
        await body(kv);
      } finally {
        kv.close();
      }
    } finally {
      await Deno.remove(path);
    }
  });
  await t.step(`${name} (:memory:)`, async () => {
    const kv = await Deno.openKv(":memory:");
    try {
      await body(kv);
    } finally {
      kv.close();
    }
  });
}

Deno.test("concurrent updates in one process on Deno KV", async (t) => {
  await onEachKv(t, "strict sessions count every increment", async (kv) => {
    const storage = new DenoKvStorage<Counter>(kv, { prefix: ["strict"] });
    const bot = createBot<Context & SessionFlavor<Counter>>();
    bot.use(session({ storage, initial: () => ({ count: 0 }) }));
    bot.on("message", async (ctx) => {
      const seen = ctx.session.count;
      await io();
      ctx.session.count = seen + 1;
    });
    const errors = await runConcurrently(bot as never, updatesFor());
    assertEquals(errors, []);
    for (let chat = 0; chat < CHATS; chat++) {
      assertEquals(await storage.read(`${1000 + chat}`), {
        count: UPDATES / CHATS,
      });
    }
    assertEquals(sessionLocks.size, 0);
  });

  await onEachKv(t, "lazy sessions count every increment", async (kv) => {
    const storage = new DenoKvStorage<Counter>(kv, { prefix: ["lazy"] });
    const bot = createBot<Context & LazySessionFlavor<Counter>>();
    bot.use(lazySession({ storage, initial: () => ({ count: 0 }) }));
    bot.on("message", async (ctx) => {
      const session = await ctx.session;
      const seen = session.count;
      await io();
      session.count = seen + 1;
    });
    const errors = await runConcurrently(bot as never, updatesFor());
    assertEquals(errors, []);
    assertEquals(await storedSum(kv, "lazy"), UPDATES);
    for (let chat = 0; chat < CHATS; chat++) {
      assertEquals(await storage.read(`${1000 + chat}`), {
        count: UPDATES / CHATS,
      });
    }
    assertEquals(sessionLocks.size, 0);
  });

  await onEachKv(t, "multi sessions count every increment", async (kv) => {
    const bot = createBot<
      Context & SessionFlavor<{ chat: number; user: number }>
    >();
    bot.use(session({
      type: "multi",
      chat: {
        storage: new DenoKvStorage<number>(kv, { prefix: ["chats"] }),
        initial: () => 0,
      },
      user: {
        storage: new DenoKvStorage<number>(kv, { prefix: ["users"] }),
        initial: () => 0,
        getSessionKey: (ctx) => ctx.from?.id.toString(),
      },
    }));
    bot.on("message", async (ctx) => {
      const { chat, user } = ctx.session;
      await io();
      ctx.session.chat = chat + 1;
      ctx.session.user = user + 1;
    });
    // 10 group chats, 7 users writing in all of them.
    const updates = Array.from(
      { length: UPDATES },
      (_, i) =>
        message(-(i % 10) - 1, "+1", { from: i % 7, chatType: "group" }),
    );
    const errors = await runConcurrently(bot as never, updates);
    assertEquals(errors, []);
    assertEquals(await storedSum(kv, "chats"), UPDATES);
    assertEquals(await storedSum(kv, "users"), UPDATES);
    assertEquals(sessionLocks.size, 0);
  });

  await onEachKv(
    t,
    "without serialisation every increment is counted or reported",
    async (kv) => {
      // What several processes do to each other, in one process.
      const storage = new DenoKvStorage<Counter>(kv, { prefix: ["racy"] });
      const bot = createBot<Context & SessionFlavor<Counter>>();
      bot.use(session({
        storage,
        initial: () => ({ count: 0 }),
        sequential: false,
      }));
      bot.on("message", async (ctx) => {
        const seen = ctx.session.count;
        await io();
        ctx.session.count = seen + 1;
      });
      const errors = await runConcurrently(bot as never, updatesFor());
      for (const error of errors) {
        assert(error instanceof SessionConflictError, String(error));
      }
      assert(errors.length > 0, "the workload should have raced");
      assertEquals(await storedSum(kv, "racy") + errors.length, UPDATES);
    },
  );
});
