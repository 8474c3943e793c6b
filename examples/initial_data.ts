/**
 * The guide's "Initial Session Data": a function that creates a new object
 * for every new chat, in the long form (`createInitialSessionData`) and in the
 * shorter arrow form (`initial: () => ({ pizzaCount: 0 })`). Both give the
 * same bot: 🍕 feeds it, `/hunger` tells the count.
 *
 * Run: deno run -A examples/initial_data.ts [--short]
 *
 * @module
 */
import { Bot, type Context } from "grammy";
import { session, type SessionFlavor } from "../mod.ts";
import { botToken, runBot } from "./_offline_chat.ts";

interface SessionData {
  pizzaCount: number;
}
type MyContext = Context & SessionFlavor<SessionData>;

/** The long form: a named function that creates the initial session data. */
export function createBot(token: string = botToken()): Bot<MyContext> {
  const bot = new Bot<MyContext>(token);

  // Creates a new object that will be used as initial session data.
  function createInitialSessionData() {
    return {
      pizzaCount: 0,
      // more data here
    };
  }
  bot.use(session({ initial: createInitialSessionData }));

  addHandlers(bot);
  return bot;
}

/** Same but much shorter: the arrow form. */
export function createShortBot(token: string = botToken()): Bot<MyContext> {
  const bot = new Bot<MyContext>(token);

  bot.use(session({ initial: () => ({ pizzaCount: 0 }) }));

  addHandlers(bot);
  return bot;
}

function addHandlers(bot: Bot<MyContext>): void {
  bot.command("hunger", async (ctx) => {
    await ctx.reply(`Your hunger level is ${ctx.session.pizzaCount}!`);
  });
  bot.hears(/.*🍕.*/, (ctx) => ctx.session.pizzaCount++);
}

if (import.meta.main) {
  await runBot(
    Deno.args.includes("--short") ? createShortBot() : createBot(),
  );
}
