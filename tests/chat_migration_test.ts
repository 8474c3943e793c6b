import type { Context } from "grammy";
import type { Update } from "grammy/types";
import { DenoKvStorage } from "../kv.ts";
import {
  type Enhance,
  enhanceStorage,
  lazySession,
  type LazySessionFlavor,
  MemorySessionStorage,
  moveSession,
  session,
  type SessionFlavor,
  type SessionOptions,
  SessionStorageError,
  type StorageAdapter,
} from "../mod.ts";
import { assertEquals, assertRejects } from "./deps.ts";
import { createBot, mapStorage } from "./_helpers.ts";

interface Counter {
  count: number;
}
const OLD = -4_012_345; // a basic group
const NEW = -1_009_876_543_210; // the supergroup it became
const oldChat = { id: OLD, type: "group", title: "Pizza club" };
const newChat = { id: NEW, type: "supergroup", title: "Pizza club" };

let updateId = 1_000;
function update(chat: object, fields: object): Update {
  const id = updateId++;
  const from = { id: 77, is_bot: false, first_name: "Ada" };
  const message = { message_id: id, date: 1_700_000_000, chat, from };
  return { update_id: id, message: { ...message, ...fields } } as Update;
}
/** The service message Telegram sends to the old group. */
const migrateTo = (): Update => update(oldChat, { migrate_to_chat_id: NEW });
/** The service message Telegram sends to the new supergroup. */
const migrateFrom = (): Update =>
  update(newChat, { migrate_from_chat_id: OLD });
const plus = (chat: object): Update => update(chat, { text: "+" });

interface Store {
  storage: StorageAdapter<Counter>;
  close(): void;
}
const stores: [string, () => Promise<Store>][] = [
  ["MemorySessionStorage", () =>
    Promise.resolve({
      storage: new MemorySessionStorage<Counter>(),
      close() {},
    })],
  ["enhanceStorage over memory", () =>
    Promise.resolve({
      storage: enhanceStorage<Counter>({
        storage: new MemorySessionStorage<Enhance<Counter>>(),
        millisecondsToLive: 3_600_000,
      }),
      close() {},
    })],
  ["DenoKvStorage", async () => {
    const kv = await Deno.openKv(":memory:");
    return { storage: new DenoKvStorage<Counter>(kv), close: () => kv.close() };
  }],
  [
    "a read/write/delete adapter",
    () => Promise.resolve({ storage: mapStorage<Counter>(), close() {} }),
  ],
];

type Extra = Pick<SessionOptions<Counter>, "migrateChats" | "getSessionKey">;
interface Kind {
  name: string;
  /** The stored key of a chat's session. */
  key(chatId: number): string;
  /** A bot that counts "+" and records the count every message sees. */
  bot(storage: StorageAdapter<Counter>, extra: Extra): {
    handle(update: Update): Promise<void>;
    seen: number[];
  };
}
const initial = (): Counter => ({ count: 0 });
const kinds: Kind[] = [{
  name: "session()",
  key: String,
  bot(storage, extra) {
    const bot = createBot<Context & SessionFlavor<Counter>>();
    const seen: number[] = [];
    bot.use(session({ storage, initial, ...extra }));
    bot.on("message", (ctx) => {
      if (ctx.message.text === "+") ctx.session.count++;
      seen.push(ctx.session.count);
    });
    return { handle: (u) => bot.handleUpdate(u), seen };
  },
}, {
  name: "lazySession()",
  key: String,
  bot(storage, extra) {
    const bot = createBot<Context & LazySessionFlavor<Counter>>();
    const seen: number[] = [];
    bot.use(lazySession({ storage, initial, ...extra }));
    bot.on("message", async (ctx) => {
      const data = await ctx.session;
      if (ctx.message.text === "+") data.count++;
      seen.push(data.count);
    });
    return { handle: (u) => bot.handleUpdate(u), seen };
  },
}, {
  name: "multi session()",
  key: (id) => `chat-${id}`,
  bot(storage, extra) {
    type Multi = { chat: Counter; fixed: Counter };
    const bot = createBot<Context & SessionFlavor<Multi>>();
    const seen: number[] = [];
    bot.use(session<Multi, Context>({
      type: "multi",
      chat: { storage, initial, prefix: "chat-", ...extra },
      // A custom key that happens to be the chat id: never moved.
      fixed: {
        storage,
        initial,
        prefix: "fixed-",
        getSessionKey: (ctx) => ctx.chatId?.toString(),
      },
    }));
    bot.on("message", (ctx) => {
      if (ctx.message.text === "+") {
        ctx.session.chat.count++;
        ctx.session.fixed.count++;
      }
      seen.push(ctx.session.chat.count);
    });
    return { handle: (u) => bot.handleUpdate(u), seen };
  },
}];

/** Runs `updates` one after another. */
async function run(
  bot: ReturnType<Kind["bot"]>,
  updates: (() => Update)[],
): Promise<void> {
  for (const next of updates) await bot.handle(next());
}

for (const [storeName, open] of stores) {
  Deno.test(`chat migrations on ${storeName}`, async (t) => {
    const store = await open();
    const { storage } = store;
    const clear = async (kind: Kind) => {
      const fixed = [`fixed-${OLD}`, `fixed-${NEW}`];
      for (const key of [kind.key(OLD), kind.key(NEW), ...fixed, "a", "b"]) {
        await storage.delete(key);
      }
    };
    const stored = async (kind: Kind) => [
      (await storage.read(kind.key(OLD)))?.count,
      (await storage.read(kind.key(NEW)))?.count,
    ];
    try {
      for (const kind of kinds) {
        const orders = [[migrateTo, migrateFrom], [migrateFrom, migrateTo]];
        for (const order of orders) {
          const first = order[0] === migrateTo ? "old" : "new";
          await t.step(
            `${kind.name} moves the session, ${first} chat's message first`,
            async () => {
              await clear(kind);
              const bot = kind.bot(storage, {});
              await run(bot, [() => plus(oldChat), () => plus(oldChat)]);
              await run(bot, [...order, () => plus(newChat)]);
              assertEquals(await stored(kind), [undefined, 3]);
              // The service messages already see the moved session.
              assertEquals(bot.seen, [1, 2, 2, 2, 3]);
              if (kind.name !== "multi session()") return;
              // The part with a custom key stays where it was.
              const fixed = [`fixed-${OLD}`, `fixed-${NEW}`];
              const counts = fixed.map(async (k) =>
                (await storage.read(k))?.count
              );
              assertEquals(await Promise.all(counts), [2, 1]);
            },
          );
        }
        await t.step(
          `${kind.name} ignores repeated service messages`,
          async () => {
            await clear(kind);
            const bot = kind.bot(storage, {});
            await run(bot, [() => plus(oldChat), migrateTo, migrateTo]);
            await run(bot, [() => plus(newChat), migrateFrom, migrateTo]);
            assertEquals(await stored(kind), [undefined, 2]);
          },
        );
        await t.step(
          `${kind.name} moves once when both messages arrive at once`,
          async () => {
            await clear(kind);
            const bot = kind.bot(storage, {});
            await run(bot, [() => plus(oldChat)]);
            const updates = [migrateTo, migrateFrom, migrateTo, migrateFrom];
            await Promise.all(updates.map((u) => bot.handle(u())));
            assertEquals(await stored(kind), [undefined, 1]);
          },
        );
        await t.step(
          `${kind.name} moves even if no handler touches the session`,
          async () => {
            await clear(kind);
            await storage.write(kind.key(OLD), { count: 5 });
            const bot = kind.bot(storage, {});
            await run(bot, [migrateFrom]);
            assertEquals(await stored(kind), [undefined, 5]);
          },
        );
        await t.step(
          `${kind.name} never overwrites a session under the new id, and keeps the old one`,
          async () => {
            for (const order of orders) {
              await clear(kind);
              await storage.write(kind.key(OLD), { count: 2 });
              await storage.write(kind.key(NEW), { count: 100 });
              const bot = kind.bot(storage, {});
              await run(bot, [...order, () => plus(newChat)]);
              assertEquals(await stored(kind), [2, 101]);
            }
          },
        );
        await t.step(
          `${kind.name} moves nothing with migrateChats: false`,
          async () => {
            await clear(kind);
            const bot = kind.bot(storage, { migrateChats: false });
            await run(bot, [() => plus(oldChat), migrateTo, migrateFrom]);
            await run(bot, [() => plus(newChat)]);
            assertEquals(await stored(kind), [1, 1]);
          },
        );
        await t.step(
          `${kind.name} moves nothing with a custom key function`,
          async () => {
            await clear(kind);
            const getSessionKey = (ctx: { chatId?: number | undefined }) =>
              ctx.chatId?.toString();
            const bot = kind.bot(storage, { getSessionKey });
            await run(bot, [() => plus(oldChat), migrateTo, migrateFrom]);
            assertEquals(await stored(kind), [1, undefined]);
            if (kind.name !== "multi session()") return;
            assertEquals((await storage.read(`fixed-${OLD}`))?.count, 1);
          },
        );
      }

      await t.step("moveSession() moves a session between keys", async () => {
        await storage.write("a", { count: 1 });
        assertEquals(await moveSession(storage, "a", "b"), true);
        assertEquals([await storage.read("a"), await storage.read("b")], [
          undefined,
          { count: 1 },
        ]);
        // Nothing left to move.
        assertEquals(await moveSession(storage, "a", "b"), false);
        assertEquals(await storage.read("b"), { count: 1 });
      });

      await t.step(
        "moveSession() keeps both when the target exists",
        async () => {
          await storage.write("a", { count: 1 });
          await storage.write("b", { count: 5 });
          assertEquals(await moveSession(storage, "a", "b"), false);
          assertEquals([await storage.read("a"), await storage.read("b")], [
            { count: 1 },
            { count: 5 },
          ]);
        },
      );

      await t.step("moveSession() completes an interrupted move", async () => {
        // What a crash between creating the copy and deleting the original
        // leaves behind.
        await storage.write("a", { count: 3 });
        await storage.write("b", { count: 3 });
        assertEquals(await moveSession(storage, "a", "b"), true);
        assertEquals([await storage.read("a"), await storage.read("b")], [
          undefined,
          { count: 3 },
        ]);
      });

      await t.step(
        "moveSession() refuses bad input, changing nothing",
        async () => {
          await storage.write("a", { count: 1 });
          await storage.delete("b");
          const bad: [unknown, unknown, unknown, RegExp][] = [
            [storage, 1, "b", /key to move from must be a string, got number/],
            [
              storage,
              "a",
              null,
              /"a".*key to move to must be a string, got null/,
            ],
            [storage, "a", "a", /Cannot move session "a" to itself/],
            [
              { read: 1 },
              "a",
              "b",
              /"a".*storage must have read, write and delete/,
            ],
          ];
          for (const [s, from, to, message] of bad) {
            await assertRejects(
              // deno-lint-ignore no-explicit-any
              () => moveSession(s as any, from as any, to as any),
              (error: Error) =>
                error instanceof TypeError && message.test(error.message),
            );
          }
          assertEquals([await storage.read("a"), await storage.read("b")], [
            { count: 1 },
            undefined,
          ]);
        },
      );
    } finally {
      store.close();
    }
  });
}

Deno.test("moveSession() with compare-and-set", async (t) => {
  await t.step(
    "moves the newest value if the old one changes meanwhile",
    async () => {
      const inner = new MemorySessionStorage<Counter>();
      let interfered = false;
      const storage: StorageAdapter<Counter> = {
        read: (key) => inner.read(key),
        write: (key, value) => inner.write(key, value),
        delete: (key) => inner.delete(key),
        readWithVersion: (key) => inner.readWithVersion(key),
        compareAndSet: (key, expected, value) => {
          const result = inner.compareAndSet(key, expected, value);
          // Another process writes the old key right after our copy.
          if (key === "b" && !interfered) {
            interfered = true;
            inner.write("a", { count: 9 });
          }
          return result;
        },
      };
      inner.write("a", { count: 1 });
      assertEquals(await moveSession(storage, "a", "b"), true);
      assertEquals([inner.read("a"), inner.read("b")], [undefined, {
        count: 9,
      }]);
    },
  );

  await t.step("a failed delete leaves a copy, never a loss", async () => {
    const inner = new MemorySessionStorage<Counter>();
    const storage: StorageAdapter<Counter> = {
      read: (key) => inner.read(key),
      write: (key, value) => inner.write(key, value),
      delete: (key) => inner.delete(key),
      readWithVersion: (key) => inner.readWithVersion(key),
      compareAndSet: (key, expected, value) => {
        if (value === undefined) throw new Error("disk on fire");
        return inner.compareAndSet(key, expected, value);
      },
    };
    inner.write("a", { count: 1 });
    await assertRejects(
      () => moveSession(storage, "a", "b"),
      (error: Error) =>
        error instanceof SessionStorageError && error.key === "a" &&
        error.operation === "delete" && /disk on fire/.test(error.message),
    );
    assertEquals([inner.read("a"), inner.read("b")], [{ count: 1 }, {
      count: 1,
    }]);
    // The next service message finishes the move.
    assertEquals(await moveSession(inner, "a", "b"), true);
    assertEquals([inner.read("a"), inner.read("b")], [undefined, { count: 1 }]);
  });
});
