/**
 * The guide's "Session Keys": one session per user in each chat.
 *
 * The bot counts the messages it has seen in the current session, so you can
 * watch which messages share one; `/key` shows the session key. In the offline chat, `:as NAME` switches
 * the user and `:in TITLE` moves into a group chat (`:in private` goes back).
 *
 * Run: deno run -A examples/session_key_per_user_chat.ts
 *
 * @module
 */
import { Bot, type Context } from "grammy";
import { session, type SessionFlavor } from "../mod.ts";
import { botToken, runBot } from "./_offline_chat.ts";

interface SessionData {
  messages: number;
}
type MyContext = Context & SessionFlavor<SessionData>;

// Stores data per user-chat combination.
export function getSessionKey(ctx: Context): string | undefined {
  // Give every user their one personal session storage per chat with the bot
  // (an independent session for each group and their private chat)
  return ctx.from === undefined || ctx.chat === undefined
    ? undefined
    : `${ctx.from.id}/${ctx.chat.id}`;
}

/** Creates a bot whose sessions are keyed by {@linkcode getSessionKey}. */
export function createBot(token: string = botToken()): Bot<MyContext> {
  const bot = new Bot<MyContext>(token);

  bot.use(session({ getSessionKey, initial: () => ({ messages: 0 }) }));

  bot.command("key", async (ctx) => {
    await ctx.reply(`Your session key here: ${ctx.sessionKey}`);
  });

  bot.on("message:text", async (ctx) => {
    ctx.session.messages++;
    await ctx.reply(`Messages in this session: ${ctx.session.messages}`);
  });

  return bot;
}

if (import.meta.main) await runBot(createBot());
