// What docs/faq.md answers about grammY's plugins, each with a real bot:
// conversations, menus, and runner's concurrent polling.
import { Bot, type Context } from "grammy";
import type { Update } from "grammy/types";
import {
  type Conversation,
  type ConversationFlavor,
  conversations,
  createConversation,
} from "@grammyjs/conversations";
import { Menu, type MenuFlavor } from "@grammyjs/menu";
import { run } from "@grammyjs/runner";
import { MemorySessionStorage, session, type SessionFlavor } from "../mod.ts";
import { assert, assertEquals } from "./deps.ts";
import { createBot, message } from "./_helpers.ts";

interface Pizza {
  pizzaCount: number;
}
const initial = (): Pizza => ({ pizzaCount: 0 });

Deno.test("conversations: the session through conversation.external", async () => {
  type Outer = ConversationFlavor<Context & SessionFlavor<Pizza>>;
  const storage = new MemorySessionStorage<Pizza>();
  const bot = createBot<Outer>();
  bot.use(session({ storage, initial }));
  bot.use(conversations());
  bot.use(createConversation(
    async (conversation: Conversation<Outer, Context>) => {
      // The bot's session, read and changed on the update being handled.
      await conversation.external((ctx) => void (ctx.session.pizzaCount += 10));
      await conversation.wait();
      await conversation.external((ctx) =>
        void (ctx.session.pizzaCount += 100)
      );
    },
    "order",
  ));
  bot.command("order", async (ctx) => {
    ctx.session.pizzaCount++;
    await ctx.conversation.enter("order");
  });
  await bot.handleUpdate(message(5, "/order"));
  assertEquals(storage.read("5"), { pizzaCount: 11 });
  await bot.handleUpdate(message(5, "two margheritas"));
  assertEquals(storage.read("5"), { pizzaCount: 111 });
});

Deno.test("menu: a button that changes the session", async () => {
  type C = Context & SessionFlavor<Pizza> & MenuFlavor;
  const storage = new MemorySessionStorage<Pizza>();
  const bot = new Bot<C>("0:test", { botInfo: createBot().botInfo });
  const sent: { method: string; payload: Record<string, unknown> }[] = [];
  bot.api.config.use((_prev, method, payload) => {
    sent.push({ method, payload: payload as Record<string, unknown> });
    // deno-lint-ignore no-explicit-any
    return Promise.resolve({ ok: true, result: true } as any);
  });
  const menu = new Menu<C>("pizza").text(
    (ctx) => `🍕 × ${ctx.session.pizzaCount}`,
    (ctx) => {
      ctx.session.pizzaCount++;
      ctx.menu.update();
    },
  );
  bot.use(session({ storage, initial }));
  bot.use(menu);
  bot.command("start", (ctx) => ctx.reply("Pizza?", { reply_markup: menu }));
  await bot.handleUpdate(message(6, "/start"));
  const markup = sent[0]!.payload.reply_markup as {
    inline_keyboard: { text: string; callback_data: string }[][];
  };
  const button = markup.inline_keyboard[0]![0]!;
  assertEquals(button.text, "🍕 × 0");
  const tap = (id: number): Update => ({
    update_id: 10_000 + id,
    callback_query: {
      id: `${id}`,
      chat_instance: "6",
      from: { id: 6, is_bot: false, first_name: "User" },
      data: button.callback_data,
      message: {
        message_id: 1,
        date: 0,
        chat: { id: 6, type: "private", first_name: "User" },
        text: "Pizza?",
        reply_markup: markup,
      },
    },
  });
  await bot.handleUpdate(tap(1));
  assertEquals(storage.read("6"), { pizzaCount: 1 });
  const edit = sent.find((s) => s.method === "editMessageReplyMarkup");
  assert(edit !== undefined, sent.map((s) => s.method).join(", "));
});

Deno.test("runner: 40 updates of one chat in flight, none lost", async () => {
  const storage = new MemorySessionStorage<Pizza>();
  const bot = new Bot<Context & SessionFlavor<Pizza>>("0:test", {
    botInfo: createBot().botInfo,
  });
  const updates = Array.from({ length: 40 }, () => message(7, "🍕"));
  let delivered = false;
  bot.api.config.use((_prev, method) => {
    let result: unknown = true;
    if (method === "getUpdates") {
      // One batch, then nothing (after a pause, as long polling would).
      result = delivered ? [] : updates;
      delivered = true;
      if (result !== updates) {
        return new Promise((done) =>
          setTimeout(() => done({ ok: true, result: [] } as never), 20)
        );
      }
    }
    return Promise.resolve({ ok: true, result } as never);
  });
  bot.use(session({ storage, initial }));
  bot.hears(/🍕/, async (ctx) => {
    const seen = ctx.session.pizzaCount;
    await new Promise((done) => setTimeout(done, 1)); // others run meanwhile
    ctx.session.pizzaCount = seen + 1;
  });
  const runner = run(bot);
  try {
    for (let i = 0; i < 500 && storage.read("7")?.pizzaCount !== 40; i++) {
      await new Promise((done) => setTimeout(done, 10));
    }
  } finally {
    await runner.stop();
  }
  assertEquals(storage.read("7"), { pizzaCount: 40 });
});
