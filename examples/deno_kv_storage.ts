/**
 * Persistent sessions in Deno KV: the guide's full example bot ("Here is a
 * full example bot that you can copy to try it out") with `freeStorage`
 * swapped for `DenoKvStorage`. It counts your messages, and the count
 * survives a restart.
 *
 * Run: deno run -A examples/deno_kv_storage.ts
 * (sessions go to ./sessions-example.kv, or the file named by KV_PATH)
 *
 * @module
 */
import { Bot, type Context } from "grammy";
import { session, type SessionFlavor } from "../mod.ts";
import { DenoKvStorage } from "../kv.ts";
import { botToken, readEnv, runBot } from "./_offline_chat.ts";

// Define the session structure.
interface SessionData {
  count: number;
}
type MyContext = Context & SessionFlavor<SessionData>;

/** Creates the bot, keeping its sessions in `kv` (from `Deno.openKv`). */
export function createBot(
  kv: Deno.Kv,
  token: string = botToken(),
): Bot<MyContext> {
  // Create the bot and register the session middleware.
  const bot = new Bot<MyContext>(token);

  bot.use(session({
    initial: () => ({ count: 0 }),
    // Keys are stored as ["sessions", chatId]; pass `{ prefix: [...] }` as
    // the second argument to use another prefix.
    storage: new DenoKvStorage<SessionData>(kv),
  }));

  // Use persistent session data in update handlers.
  bot.on("message", async (ctx) => {
    ctx.session.count++;
    await ctx.reply(`Message count: ${ctx.session.count}`);
  });

  bot.catch((err) => console.error(err));
  return bot;
}

if (import.meta.main) {
  const path = readEnv("KV_PATH") ?? "sessions-example.kv";
  const kv = await Deno.openKv(path);
  await runBot(createBot(kv), {
    banner: `Sessions are stored in ${path}. Quit with Ctrl-D or Ctrl-C.`,
    onExit: () => kv.close(),
  });
}
