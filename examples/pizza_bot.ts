/**
 * The guide's first example ("Example Usage"): a bot that counts messages
 * containing a pizza emoji 🍕 and tells you your hunger level on `/hunger`.
 * Sessions live in memory, so they are gone when the bot stops (the demo,
 * `deno task demo`, is the same bot on Deno KV).
 *
 * Run: deno run -A examples/pizza_bot.ts (offline chat; set BOT_TOKEN to run
 * it on Telegram).
 *
 * @module
 */
import { Bot, type Context } from "grammy";
import { session, type SessionFlavor } from "../mod.ts";
import { botToken, runBot } from "./_offline_chat.ts";

// Define the shape of our session.
interface SessionData {
  pizzaCount: number;
}

// Flavor the context type to include sessions.
type MyContext = Context & SessionFlavor<SessionData>;

/** Creates the pizza bot of the guide. */
export function createBot(token: string = botToken()): Bot<MyContext> {
  const bot = new Bot<MyContext>(token);

  // Install session middleware, and define the initial session value.
  function initial(): SessionData {
    return { pizzaCount: 0 };
  }
  bot.use(session({ initial }));

  bot.command("hunger", async (ctx) => {
    const count = ctx.session.pizzaCount;
    await ctx.reply(`Your hunger level is ${count}!`);
  });

  bot.hears(/.*🍕.*/, (ctx) => ctx.session.pizzaCount++);

  return bot;
}

// The guide ends with `bot.start()`; this starts it on Telegram if BOT_TOKEN
// is set, or as an offline chat in the terminal otherwise.
if (import.meta.main) await runBot(createBot());
