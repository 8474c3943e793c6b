/**
 * The guide's "RAM (default)": `MemorySessionStorage`, passed explicitly. It
 * is also what `session()` uses when no storage is given; pass it yourself to
 * set a time to live, or to look at all stored sessions.
 *
 * 🍕 feeds the bot, `/hunger` tells the count, `/chats` tells how many chats
 * have a session. In the offline chat, `:as NAME` switches the user.
 *
 * Run: deno run -A examples/memory_storage.ts
 *
 * @module
 */
import { Bot, type Context } from "grammy";
import { MemorySessionStorage, session, type SessionFlavor } from "../mod.ts";
import { botToken, runBot } from "./_offline_chat.ts";

interface SessionData {
  pizzaCount: number;
}
type MyContext = Context & SessionFlavor<SessionData>;

/** Creates the pizza bot on an explicit memory storage. */
export function createBot(token: string = botToken()): Bot<MyContext> {
  const bot = new Bot<MyContext>(token);

  // Also the default value. `new MemorySessionStorage(60 * 60 * 1000)` would
  // forget a chat's session an hour after its last write.
  const storage = new MemorySessionStorage<SessionData>();
  bot.use(session({
    initial: () => ({ pizzaCount: 0 }),
    storage,
  }));

  bot.command("hunger", async (ctx) => {
    await ctx.reply(`Your hunger level is ${ctx.session.pizzaCount}!`);
  });

  bot.command("chats", async (ctx) => {
    const chats = Array.from(storage.readAllKeys()).length;
    await ctx.reply(`Sessions in memory: ${chats}`);
  });

  bot.hears(/.*🍕.*/, (ctx) => ctx.session.pizzaCount++);

  return bot;
}

if (import.meta.main) await runBot(createBot());
