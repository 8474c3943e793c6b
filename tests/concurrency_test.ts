import { BotError, type Context } from "grammy";
import type { Update } from "grammy/types";
import {
  lazySession,
  type LazySessionFlavor,
  MemorySessionStorage,
  session,
  SessionConflictError,
  type SessionFlavor,
  type StorageAdapter,
} from "../mod.ts";
import { sessionLocks } from "../src/middleware/_key_lock.ts";
import { assert, assertEquals } from "./deps.ts";
import {
  createBot,
  io,
  mapStorage,
  message,
  runConcurrently,
  settlesWithin,
} from "./_helpers.ts";

const UPDATES = 2000;
const CHATS = 10;

function updatesFor(chats = CHATS, count = UPDATES): Update[] {
  return Array.from(
    { length: count },
    (_, i) => message(1000 + (i % chats), "+1"),
  );
}

/** A plain adapter whose calls take time, like a remote database. */
function slowStorage<T>(): StorageAdapter<T> & { map: Map<string, T> } {
  const inner = mapStorage<T>();
  return {
    map: inner.map,
    read: async (key) => {
      await io();
      return structuredClone(inner.map.get(key));
    },
    write: async (key, value) => {
      await io();
      inner.map.set(key, structuredClone(value));
    },
    delete: async (key) => {
      await io();
      inner.map.delete(key);
    },
  };
}

interface Counter {
  count: number;
}

Deno.test("concurrent updates in one process", async (t) => {
  await t.step(
    "strict sessions count every increment (memory store)",
    async () => {
      const storage = new MemorySessionStorage<Counter>();
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
        assertEquals(storage.read(`${1000 + chat}`), {
          count: UPDATES / CHATS,
        });
      }
      assertEquals(sessionLocks.size, 0);
    },
  );

  await t.step(
    "strict sessions count every increment (slow plain adapter)",
    async () => {
      const storage = slowStorage<Counter>();
      const bot = createBot<Context & SessionFlavor<Counter>>();
      bot.use(session({ storage, initial: () => ({ count: 0 }) }));
      bot.on("message", (ctx) => void ctx.session.count++);
      const errors = await runConcurrently(bot as never, updatesFor(10, 400));
      assertEquals(errors, []);
      const total = [...storage.map.values()].reduce((n, s) => n + s.count, 0);
      assertEquals(total, 400);
    },
  );

  await t.step(
    "without serialisation a plain adapter loses updates (control)",
    async () => {
      // Shows that the workload above really races: this is grammY's behaviour.
      const storage = slowStorage<Counter>();
      const bot = createBot<Context & SessionFlavor<Counter>>();
      bot.use(session({
        storage,
        initial: () => ({ count: 0 }),
        sequential: false,
      }));
      bot.on("message", (ctx) => void ctx.session.count++);
      const errors = await runConcurrently(bot as never, updatesFor(10, 400));
      assertEquals(errors, []);
      const total = [...storage.map.values()].reduce((n, s) => n + s.count, 0);
      assert(total < 400, `expected lost updates, counted ${total}`);
    },
  );

  await t.step(
    "without serialisation compare-and-set reports every lost increment",
    async () => {
      const storage = new MemorySessionStorage<Counter>();
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
      assert(errors.every((error) => error instanceof SessionConflictError));
      let counted = 0;
      for (let chat = 0; chat < CHATS; chat++) {
        counted += storage.read(`${1000 + chat}`)?.count ?? 0;
      }
      assertEquals(counted + errors.length, UPDATES);
      assert(errors.length > 0, "the workload should have raced");
    },
  );

  await t.step("lazy sessions count every increment", async () => {
    const storage = new MemorySessionStorage<Counter>();
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
    for (let chat = 0; chat < CHATS; chat++) {
      assertEquals(storage.read(`${1000 + chat}`), { count: UPDATES / CHATS });
    }
    assertEquals(sessionLocks.size, 0);
  });

  await t.step("multi sessions count every increment", async () => {
    const chats = new MemorySessionStorage<number>();
    const users = new MemorySessionStorage<number>();
    const bot = createBot<
      Context & SessionFlavor<{ chat: number; user: number }>
    >();
    bot.use(session({
      type: "multi",
      chat: { storage: chats, initial: () => 0 },
      user: {
        storage: users,
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
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    assertEquals(sum(chats.readAllValues()), UPDATES);
    assertEquals(sum(users.readAllValues()), UPDATES);
    assertEquals(sessionLocks.size, 0);
  });

  await t.step(
    "a handler that throws does not block the next update for its key",
    async () => {
      const storage = new MemorySessionStorage<Counter>();
      const bot = createBot<Context & SessionFlavor<Counter>>();
      bot.use(session({ storage, initial: () => ({ count: 0 }) }));
      bot.hears("boom", () => {
        throw new Error("boom");
      });
      bot.on("message", (ctx) => void ctx.session.count++);
      const results = await settlesWithin(
        Promise.allSettled([
          bot.handleUpdate(message(1, "boom")),
          bot.handleUpdate(message(1, "+1")),
          bot.handleUpdate(message(1, "+1")),
        ]),
        20_000,
      );
      assertEquals(results.map((r) => r.status), [
        "rejected",
        "fulfilled",
        "fulfilled",
      ]);
      assertEquals(storage.read("1"), { count: 2 });
      assertEquals(sessionLocks.size, 0);
    },
  );

  await t.step(
    "runs different keys in parallel and the same key in order",
    async () => {
      const storage = new MemorySessionStorage<Counter>();
      const bot = createBot<Context & SessionFlavor<Counter>>();
      bot.use(session({ storage, initial: () => ({ count: 0 }) }));
      const log: string[] = [];
      let releaseFirst = () => {};
      const gate = new Promise<void>((resolve) => releaseFirst = resolve);
      bot.on("message", async (ctx) => {
        log.push(`start ${ctx.chatId} ${ctx.msg.text}`);
        if (ctx.msg.text === "first") await gate;
        log.push(`end ${ctx.chatId} ${ctx.msg.text}`);
      });
      const first = bot.handleUpdate(message(1, "first"));
      const second = bot.handleUpdate(message(1, "second"));
      const other = bot.handleUpdate(message(2, "other"));
      await other; // a different chat is not blocked by chat 1
      assertEquals(log, ["start 1 first", "start 2 other", "end 2 other"]);
      releaseFirst();
      await Promise.all([first, second]);
      assertEquals(log.slice(3), [
        "end 1 first",
        "start 1 second",
        "end 1 second",
      ]);
    },
  );

  await t.step(
    "takes no lock for a lazy session that is not touched",
    async () => {
      const storage = new MemorySessionStorage<Counter>();
      const bot = createBot<Context & LazySessionFlavor<Counter>>();
      bot.use(lazySession({ storage, initial: () => ({ count: 0 }) }));
      let releaseFirst = () => {};
      const gate = new Promise<void>((resolve) => releaseFirst = resolve);
      bot.hears("slow", async (ctx) => {
        (await ctx.session).count++;
        await gate;
      });
      bot.on("message", () => {});
      const slow = bot.handleUpdate(message(1, "slow"));
      await settlesWithin(bot.handleUpdate(message(1, "untouched")), 20_000);
      releaseFirst();
      await slow;
      assertEquals(storage.read("1"), { count: 1 });
    },
  );

  await t.step(
    "nested sessions with keys in opposite orders do not deadlock",
    async () => {
      // Outer session per chat, inner per user, in one storage: update A holds
      // "1" and needs "2", update B holds "2" and needs "1".
      const storage = new MemorySessionStorage<Counter>();
      type Nested = Context & SessionFlavor<Counter> & { inner?: Counter };
      const bot = createBot<Nested>();
      bot.use(session({ storage, initial: () => ({ count: 0 }) }));
      bot.use(async (ctx, next) => {
        await io();
        ctx.session.count++;
        await next();
      });
      const inner = session<Counter, Nested>({
        storage,
        initial: () => ({ count: 0 }),
        getSessionKey: (ctx) => ctx.from?.id.toString(),
      });
      // The inner session runs on a context derived from the outer one (a
      // second session on the same context object is refused).
      bot.use(async (ctx, next) => {
        const derived = Object.create(ctx) as Nested;
        await inner(derived, async () => {
          derived.session.count += 10;
          await io();
          await next();
        });
      });
      const results = await settlesWithin(
        Promise.allSettled([
          bot.handleUpdate(message(1, "x", { from: 2 })),
          bot.handleUpdate(message(2, "x", { from: 1 })),
        ]),
        20_000,
      );
      // Both finished; whatever could not be serialised was reported, never
      // silently lost.
      for (const result of results) {
        if (result.status === "rejected") {
          assert(result.reason instanceof BotError);
          assert(result.reason.error instanceof SessionConflictError);
        }
      }
      assertEquals(sessionLocks.size, 0);
    },
  );

  await t.step(
    "nested lazy sessions waiting for two keys at once do not deadlock",
    async () => {
      // A cycle that forms when a lock is handed over: `w1` queues for chat 2
      // behind `z` and then asks for user 3, held by `w2`, which queues for
      // chat 2 behind `w1`. When `z` releases chat 2, `w1` holds it and waits
      // for `w2`, which waits for `w1`.
      const storage = new MemorySessionStorage<Counter>();
      type Nested = Context & LazySessionFlavor<Counter>;
      const bot = createBot<Nested>();
      const initial = () => ({ count: 0 });
      bot.use(lazySession({ storage, initial }));
      const inner = lazySession<Counter, Nested>({
        storage,
        initial,
        getSessionKey: (ctx) => ctx.from?.id.toString(),
      });
      let releaseZ = () => {};
      const gateZ = new Promise<void>((resolve) => releaseZ = resolve);
      let releaseW1 = () => {};
      const gateW1 = new Promise<void>((resolve) => releaseW1 = resolve);
      bot.use(async (ctx, next) => {
        const outer = ctx.session; // not awaited yet
        const text = ctx.msg?.text;
        if (text === "z") {
          (await outer).count++;
          await gateZ;
          return;
        }
        if (text === "w1") await gateW1;
        if (text === "w2") await outer;
        const derived = Object.create(ctx) as Nested;
        await inner(derived, async () => {
          const [chat, user] = await Promise.all([outer, derived.session]);
          chat.count++;
          user.count++;
          await next();
        });
      });
      const z = bot.handleUpdate(message(2, "z", { from: 9 }));
      await io();
      const w1 = bot.handleUpdate(message(2, "w1", { from: 3 }));
      await io();
      const w2 = bot.handleUpdate(message(3, "w2", { from: 2 }));
      await io();
      releaseW1();
      await io();
      releaseZ();
      const results = await settlesWithin(
        Promise.allSettled([z, w1, w2]),
        20_000,
      );
      for (const result of results) {
        if (result.status === "rejected") {
          assert(result.reason instanceof BotError);
          assert(result.reason.error instanceof SessionConflictError);
        }
      }
      assertEquals(sessionLocks.size, 0);
    },
  );

  await t.step(
    "nested lazy sessions waiting for the same key at once do not hang",
    async () => {
      // In a private chat, a chat session and a user session have the same
      // key. Both ask for its lock while `z` holds it.
      const storage = new MemorySessionStorage<Counter>();
      type Nested = Context & LazySessionFlavor<Counter>;
      const bot = createBot<Nested>();
      const initial = () => ({ count: 0 });
      bot.use(lazySession({ storage, initial }));
      const inner = lazySession<Counter, Nested>({
        storage,
        initial,
        getSessionKey: (ctx) => ctx.from?.id.toString(),
      });
      let releaseZ = () => {};
      const gateZ = new Promise<void>((resolve) => releaseZ = resolve);
      bot.use(async (ctx, next) => {
        const outer = ctx.session; // not awaited yet
        if (ctx.msg?.text === "z") {
          (await outer).count++;
          await gateZ;
          return;
        }
        const derived = Object.create(ctx) as Nested;
        await inner(derived, async () => {
          const user = derived.session;
          const [chat] = await Promise.all([outer, user]);
          chat.count++;
          await next();
        });
      });
      const z = bot.handleUpdate(message(2, "z"));
      await io();
      const w = bot.handleUpdate(message(2, "w"));
      await io();
      releaseZ();
      const results = await settlesWithin(Promise.allSettled([z, w]), 20_000);
      assertEquals(results.map((r) => r.status), ["fulfilled", "fulfilled"]);
      assertEquals(storage.read("2"), { count: 2 });
      assertEquals(sessionLocks.size, 0);
    },
  );

  await t.step(
    "multi sessions with overlapping keys in opposite orders do not deadlock",
    async () => {
      const storage = new MemorySessionStorage<number>();
      const bot = createBot<
        Context & SessionFlavor<{ a: number; b: number }>
      >();
      bot.use(session({
        type: "multi",
        a: { storage, initial: () => 0 },
        b: {
          storage,
          initial: () => 0,
          getSessionKey: (ctx) => ctx.from?.id.toString(),
        },
      }));
      bot.on("message", async (ctx) => {
        await io();
        ctx.session.a++;
      });
      const updates = Array.from(
        { length: 200 },
        (_, i) =>
          i % 2 === 0
            ? message(1, "x", { from: 2, chatType: "group" })
            : message(2, "x", { from: 1, chatType: "group" }),
      );
      const errors = await settlesWithin(
        runConcurrently(bot as never, updates),
        20_000,
      );
      assert(errors.every((error) => error instanceof SessionConflictError));
      assertEquals(sessionLocks.size, 0);
    },
  );
});
