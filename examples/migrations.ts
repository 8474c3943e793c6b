/**
 * Migrations and expiry with `enhanceStorage`: the session shape changed
 * twice since the bot's first version, and sessions of chats that stay quiet
 * for an hour expire.
 *
 * - version 0 (no version stored, written by the first bot): `{ pizzaCount }`
 * - version 1: `{ pizzas }`
 * - version 2 (current): `{ pizzas, favorite }`
 *
 * Offline, the chat starts with a version 0 session `{ pizzaCount: 3 }`
 * already stored for you, so `/hunger` shows the migrated value.
 * 🍕 feeds the bot, `/favorite NAME` sets your favorite pizza.
 *
 * Run: deno run -A examples/migrations.ts
 *
 * @module
 */
import { Bot, type Context } from "grammy";
import {
  type Enhance,
  enhanceStorage,
  MemorySessionStorage,
  session,
  type SessionFlavor,
  type StorageAdapter,
} from "../mod.ts";
import { offlineUser } from "../testing.ts";
import { botToken, runBot } from "./_offline_chat.ts";

/** The current (version 2) shape of the session. */
export interface SessionData {
  pizzas: number;
  favorite: string | null;
}
type MyContext = Context & SessionFlavor<SessionData>;

/** One hour: sessions of chats that stay quiet this long are forgotten. */
export const TIME_TO_LIVE = 60 * 60 * 1000;

/** Creates the bot on top of `storage`, which holds enhanced values. */
export function createBot(
  storage: StorageAdapter<Enhance<SessionData>> = new MemorySessionStorage<
    Enhance<SessionData>
  >(),
  token: string = botToken(),
): Bot<MyContext> {
  const bot = new Bot<MyContext>(token);

  bot.use(session({
    initial: (): SessionData => ({ pizzas: 0, favorite: null }),
    storage: enhanceStorage<SessionData>({
      storage,
      migrations: {
        // Version 0 -> 1: rename `pizzaCount` to `pizzas`.
        1: (old: { pizzaCount: number }) => ({ pizzas: old.pizzaCount }),
        // Version 1 -> 2: add `favorite`.
        2: (old: { pizzas: number }) => ({ ...old, favorite: null }),
      },
      millisecondsToLive: TIME_TO_LIVE,
    }),
  }));

  bot.command("hunger", async (ctx) => {
    const { pizzas, favorite } = ctx.session;
    await ctx.reply(
      `Your hunger level is ${pizzas}!` +
        (favorite === null ? "" : ` Your favorite is ${favorite}.`),
    );
  });

  bot.command("favorite", async (ctx) => {
    ctx.session.favorite = ctx.match || null;
    await ctx.reply(`Noted: ${ctx.session.favorite ?? "no favorite"}.`);
  });

  bot.hears(/.*🍕.*/, (ctx) => ctx.session.pizzas++);

  return bot;
}

if (import.meta.main) {
  const storage = new MemorySessionStorage<Enhance<SessionData>>();
  // What the first version of the bot stored for you: no version, old shape.
  const legacy = { pizzaCount: 3 };
  await storage.write(
    String(offlineUser("you").id),
    legacy as unknown as Enhance<SessionData>,
  );
  await runBot(createBot(storage), {
    banner: "A version 0 session { pizzaCount: 3 } is stored for you. " +
      "Try /hunger, 🍕, /favorite margherita.",
  });
}
