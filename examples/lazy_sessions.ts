/**
 * The guide's "Lazy Sessions": `ctx.session` is a promise of the session data,
 * and the storage is read only when a handler touches it. Includes the
 * promise-assignment form of `/reset` from the guide:
 * `ctx.session = ctx.session.then((stats) => { stats.counter = 0; })`. That
 * promise resolves to `undefined`, so it deletes the session, and the next
 * access starts again from `initial`, with the counter at 0. Calling
 * `ctx.session.then` needs the context typed with `LazySessionPromiseFlavor`
 * (with `LazySessionFlavor`, typed as grammY's, `ctx.session` may be the data
 * itself, so only `await ctx.session` type-checks).
 *
 * Every text message counts; `/settings` shows the counter, `/reset` resets it,
 * `/ping` answers without touching the session (no read, no write).
 *
 * Run: deno run -A examples/lazy_sessions.ts
 *
 * @module
 */
import { Bot, type Context } from "grammy";
import {
  lazySession,
  type LazySessionPromiseFlavor,
  MemorySessionStorage,
  type StorageAdapter,
} from "../mod.ts";
import { botToken, runBot } from "./_offline_chat.ts";

interface SessionData {
  counter: number;
}
type MyContext = Context & LazySessionPromiseFlavor<SessionData>;

/** Creates the bot; pass a storage to watch its reads and writes. */
export function createBot(
  storage: StorageAdapter<SessionData> = new MemorySessionStorage<
    SessionData
  >(),
  token: string = botToken(),
): Bot<MyContext> {
  const bot = new Bot<MyContext>(token);

  bot.use(lazySession({ initial: () => ({ counter: 0 }), storage }));

  // Lazy sessions
  bot.command("settings", async (ctx) => {
    // `promise` is a Promise of the session data, and
    const promise = ctx.session;
    // `session` is the session data
    const session = await ctx.session;
    await promise;
    await ctx.reply(`The counter is at ${session.counter}.`);
  });

  // `ctx: MyContext`: grammY's filtered context type (`CommandContext`) keeps
  // only the getter type of `ctx.session`, which rejects this assignment.
  bot.command("reset", async (ctx: MyContext) => {
    // Much shorter than having to `await ctx.session` first:
    ctx.session = ctx.session.then((stats) => {
      stats.counter = 0;
    });
    await ctx.reply("Counter reset.");
  });

  bot.command("ping", (ctx) => ctx.reply("pong"));

  bot.on("message:text", async (ctx) => {
    const stats = await ctx.session;
    stats.counter++;
    await ctx.reply(`Counted: ${stats.counter}`);
  });

  return bot;
}

if (import.meta.main) await runBot(createBot());
