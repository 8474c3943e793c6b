/**
 * `deno task demo`: the guide's pizza bot, with its sessions in a Deno KV file.
 *
 * With no `BOT_TOKEN`, it is an offline chat in the terminal: every line you
 * type is a message from you to the bot in a private chat, and the bot's
 * replies are printed as `bot: ...`. Send 🍕 a few times, then `/hunger`.
 * Quit and start again: the count is still there.
 *
 * With `BOT_TOKEN` set, the same bot runs on Telegram with long polling.
 *
 * Usage: deno task demo [--kv PATH]
 *   --kv PATH   the Deno KV file for the sessions (default: ./pizza-demo.kv,
 *               or the PIZZA_DEMO_KV environment variable)
 *
 * @module
 */
import { Bot, type Context } from "grammy";
import { session, type SessionFlavor } from "../mod.ts";
import { DenoKvStorage } from "../kv.ts";
import { parseArgs } from "node:util";
import { isAbsolute, join } from "node:path";
import { botToken, readEnv, runBot } from "./_offline_chat.ts";

// Define the shape of our session.
interface SessionData {
  pizzaCount: number;
}

// Flavor the context type to include sessions.
type MyContext = Context & SessionFlavor<SessionData>;

/** Creates the pizza bot of the guide, keeping its sessions in `kv`. */
export function createBot(
  kv: Deno.Kv,
  token: string = botToken(),
): Bot<MyContext> {
  const bot = new Bot<MyContext>(token);

  // Install session middleware, and define the initial session value.
  function initial(): SessionData {
    return { pizzaCount: 0 };
  }
  bot.use(session({ initial, storage: new DenoKvStorage<SessionData>(kv) }));

  bot.command("hunger", async (ctx) => {
    const count = ctx.session.pizzaCount;
    await ctx.reply(`Your hunger level is ${count}!`);
  });

  bot.hears(/.*🍕.*/, (ctx) => ctx.session.pizzaCount++);

  // Not in the guide: a first message or anything else gets a hint, so that
  // nobody is left wondering whether the bot heard them.
  const hint = "Send 🍕 to feed me, or /hunger to ask how hungry you are.";
  bot.command("start", async (ctx) => {
    await ctx.reply("Hi! I count the pizzas you send me.");
    await ctx.reply(hint);
  });
  bot.on("message", (ctx) => ctx.reply(hint));

  return bot;
}

const USAGE = "usage: deno task demo [--kv PATH]";

async function main(args: string[]): Promise<number> {
  let path: string;
  try {
    const { values } = parseArgs({
      args,
      options: {
        kv: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    path = values.kv ?? (readEnv("PIZZA_DEMO_KV") || "pizza-demo.kv");
  } catch (error) {
    console.error(`error: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (path === "") {
    console.error("error: the KV path is empty");
    return 2;
  }
  // `deno task` runs in the project folder; resolve relative paths against
  // the folder the user typed the command in.
  const base = readEnv("INIT_CWD") ?? Deno.cwd();
  if (!isAbsolute(path) && path !== ":memory:") path = join(base, path);

  let kv: Deno.Kv;
  try {
    kv = await Deno.openKv(path);
    await kv.get(["sessions"]); // fail now, not at the first message
  } catch (error) {
    console.error(
      `error: cannot open the session database ${path}: ${
        (error as Error).message
      }`,
    );
    return 1;
  }
  const offline = !readEnv("BOT_TOKEN");
  await runBot(createBot(kv), {
    banner: offline
      ? [
        "Pizza bot, offline: every line is a message from you to the bot.",
        "Send 🍕 to feed it, /hunger to ask how hungry you are.",
        `Sessions are stored in ${path} (Deno KV), so counts survive a restart.`,
        "Quit with Ctrl-D (end of input) or Ctrl-C. Set BOT_TOKEN to run it on Telegram.",
      ].join("\n")
      : `Sessions are stored in ${path} (Deno KV).`,
    onExit: () => kv.close(),
  });
  return Deno.exitCode;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
