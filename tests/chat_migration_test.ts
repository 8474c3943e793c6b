import type { Context } from "grammy";
import type { Update } from "grammy/types";
import {
  lazySession,
  type LazySessionFlavor,
  session,
  type SessionFlavor,
  type SessionOptions,
  type StorageAdapter,
} from "../mod.ts";
import { assertEquals, assertThrows } from "./deps.ts";
import { createBot, io } from "./_helpers.ts";
import { type Counter, stores } from "./_stores.ts";

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
/** Whether the handlers of the bots below touch the session at all. */
let touchSession = true;
const kinds: Kind[] = [{
  name: "session()",
  key: String,
  bot(storage, extra) {
    const bot = createBot<Context & SessionFlavor<Counter>>();
    const seen: number[] = [];
    bot.use(session({ storage, initial, ...extra }));
    bot.on("message", (ctx) => {
      if (!touchSession) return;
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
      if (!touchSession) return;
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
      if (!touchSession) return;
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
            touchSession = false;
            try {
              await run(bot, [migrateFrom]);
            } finally {
              touchSession = true;
            }
            assertEquals(await stored(kind), [undefined, 5]);
            assertEquals(bot.seen, []);
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
      await t.step(
        "waits for a running update of the old chat, then moves its result",
        async () => {
          await clear(kinds[0]!);
          await storage.write(`${OLD}`, { count: 1 });
          const bot = createBot<Context & SessionFlavor<Counter>>();
          bot.use(session({ storage, initial }));
          let release = () => {};
          const gate = new Promise<void>((resolve) => release = resolve);
          bot.on("message:text", async (ctx) => {
            ctx.session.count++;
            await gate;
          });
          const slow = bot.handleUpdate(plus(oldChat));
          await io(); // it holds the old chat's lock and has read count 1
          const migrating = bot.handleUpdate(migrateFrom());
          await io();
          release();
          await Promise.all([slow, migrating]);
          assertEquals(await stored(kinds[0]!), [undefined, 2]);
        },
      );

      await t.step(
        "refuses a migrateChats option that is not a boolean",
        () => {
          const options = { storage, migrateChats: "no" as unknown as boolean };
          assertThrows(
            () => session(options),
            /`migrateChats`.*must be a boolean/,
          );
          assertThrows(() => lazySession(options), /`migrateChats`.*boolean/);
        },
      );
    } finally {
      store.close();
    }
  });
}
