/**
 * Multi sessions: `session({ type: "multi", ... })` gives each property of
 * `ctx.session` its own storage, initial value and session key. Here `chat`
 * is shared by everyone in a chat, and `user` follows a user across chats.
 *
 * 🍕 counts for both; `/stats` shows the two counts. In the offline chat,
 * `:as NAME` switches the user and `:in TITLE` moves into a group chat.
 *
 * Run: deno run -A examples/multi_sessions.ts
 *
 * @module
 */
import { Bot, type Context } from "grammy";
import { MemorySessionStorage, session, type SessionFlavor } from "../mod.ts";
import { botToken, runBot } from "./_offline_chat.ts";

interface ChatData {
  pizzaCount: number;
}
interface UserData {
  pizzasEaten: number;
}
interface SessionData {
  chat: ChatData;
  user: UserData;
}
type MyContext = Context & SessionFlavor<SessionData>;

/** Creates the bot with a per-chat and a per-user part of the session. */
export function createBot(token: string = botToken()): Bot<MyContext> {
  const bot = new Bot<MyContext>(token);

  bot.use(session({
    type: "multi",
    // Per chat, with the default key and the default (memory) storage.
    chat: {
      initial: () => ({ pizzaCount: 0 }),
    },
    // Per user, in a storage of its own, under keys like "user-424242".
    user: {
      initial: () => ({ pizzasEaten: 0 }),
      getSessionKey: (ctx) => ctx.from?.id.toString(),
      prefix: "user-",
      storage: new MemorySessionStorage<UserData>(),
    },
  }));

  bot.command("stats", async (ctx) => {
    await ctx.reply(
      `Pizzas in this chat: ${ctx.session.chat.pizzaCount}. ` +
        `Pizzas you ate: ${ctx.session.user.pizzasEaten}.`,
    );
  });

  bot.hears(/.*🍕.*/, (ctx) => {
    ctx.session.chat.pizzaCount++;
    ctx.session.user.pizzasEaten++;
  });

  return bot;
}

if (import.meta.main) await runBot(createBot());
