/**
 * The guide's "Session Keys": one session per chat (the default).
 *
 * The bot counts the messages it has seen in the current session, so you can
 * watch which messages share one; `/key` shows the session key. In the offline chat, `:as NAME` switches
 * the user and `:in TITLE` moves into a group chat (`:in private` goes back).
 *
 * Run: deno run -A examples/session_key_per_chat.ts
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

// Stores data per chat (default).
export function getSessionKey(ctx: Context): string | undefined {
  // Let all users in a group chat share the same session,
  // but give an independent private one to each user in private chats
  return ctx.chat?.id.toString();
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
