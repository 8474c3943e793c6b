/**
 * The terminal chat shared by the demo and the examples: it turns lines of
 * text into Telegram updates for a real grammY `Bot`, through `OfflineChat`
 * from the `./testing` entry, which answers the bot's API calls locally, so
 * nothing leaves the machine and no bot token is needed.
 *
 * With `BOT_TOKEN` set in the environment, {@linkcode runBot} starts the same
 * bot against Telegram with long polling instead.
 *
 * @module
 */
import type { Bot, Context } from "grammy";
import process from "node:process";
import { OfflineChat } from "../testing.ts";
import { lines } from "./_lines.ts";

// grammY's npm build loads node-fetch, which makes Node print a deprecation
// warning about `punycode` on every start: noise in a terminal chat.
(process as { noDeprecation?: boolean }).noDeprecation = true;

/** The token offline bots are created with (it is never sent anywhere). */
export const OFFLINE_TOKEN = "offline";

/**
 * The token to create a bot with: `BOT_TOKEN` from the environment if set,
 * otherwise a placeholder for offline chats.
 */
export function botToken(): string {
  return readEnv("BOT_TOKEN") || OFFLINE_TOKEN;
}

/** Reads an environment variable, or `undefined` if it is unset or not allowed. */
export function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/** Options for {@linkcode runOfflineChat} and {@linkcode runBot}. */
export interface RunOptions {
  /** Lines printed to standard error before the chat starts. */
  banner?: string;
  /** Runs once when the chat ends (end of input, Ctrl-C, or bot stopped). */
  onExit?: () => void | Promise<void>;
  /** Where the lines come from. Default: standard input. */
  input?: ReadableStream<Uint8Array>;
}

const HELP = [
  "Every line is a text message to the bot. Lines starting with / are commands.",
  "  :as NAME    send the next messages as the user NAME (default: you)",
  "  :in TITLE   move into the group chat TITLE (:in private goes back)",
  "  :help       show this help",
].join("\n");

/**
 * Chats with the bot in the terminal: every line of input is one message from
 * the simulated user, every reply is printed to standard output as
 * `bot: TEXT`. A `you> ` prompt is shown when standard input is a terminal.
 * Returns at end of input; Ctrl-C ends the chat too. An update that fails is
 * reported on standard error as one line, and the chat goes on.
 */
export async function runOfflineChat<C extends Context>(
  bot: Bot<C>,
  options: RunOptions = {},
): Promise<void> {
  const interactive = options.input === undefined && Deno.stdin.isTerminal();
  const chat = new OfflineChat(bot, {
    onReply: (text) => console.log(`bot: ${text.replaceAll("\n", "\n     ")}`),
  });
  if (options.banner !== undefined) console.error(options.banner);
  const prompt = (): void => {
    if (interactive) Deno.stdout.writeSync(new TextEncoder().encode("you> "));
  };
  let current: Promise<unknown> = Promise.resolve();
  const stop = onInterrupt(async () => {
    await current.catch(() => {});
    if (interactive) console.log();
    await options.onExit?.();
    Deno.exit(0);
  });
  try {
    prompt();
    for await (const line of lines(options.input ?? Deno.stdin.readable)) {
      if (line.trim() === "") {
        prompt();
        continue;
      }
      const directive = /^:(as|in|help)(?:\s+(.*))?$/.exec(line.trim());
      if (directive !== null) {
        const [, name, argument = ""] = directive;
        if (name === "help") console.error(HELP);
        else if (argument.trim() === "") {
          console.error(`error: :${name} needs a name, e.g. :${name} alice`);
        } else if (name === "as") {
          chat.actAs(argument.trim());
          console.error(`(you are now ${argument.trim()})`);
        } else {
          chat.enter(argument.trim());
          console.error(
            argument.trim() === "private"
              ? "(back in your private chat)"
              : `(now in the group "${argument.trim()}")`,
          );
        }
        prompt();
        continue;
      }
      current = chat.send(line);
      try {
        await current;
      } catch (error) {
        console.error(`error: ${describeError(error)}`);
      }
      prompt();
    }
    if (interactive) console.log();
  } finally {
    stop();
    await options.onExit?.();
  }
}

/**
 * Runs a bot the way the examples do: against Telegram with long polling if
 * `BOT_TOKEN` is set (Ctrl-C stops it; if the bot fails, one `error:` line
 * and exit code 1), otherwise as an offline chat in the terminal
 * ({@linkcode runOfflineChat}).
 */
export async function runBot<C extends Context>(
  bot: Bot<C>,
  options: RunOptions = {},
): Promise<void> {
  if (!readEnv("BOT_TOKEN")) return await runOfflineChat(bot, options);
  if (options.banner !== undefined) console.error(options.banner);
  console.error("Connecting to Telegram (BOT_TOKEN is set)...");
  let polling = false;
  const stop = onInterrupt(async () => {
    if (polling) return await bot.stop();
    // Still connecting: no update is being handled, nothing to wait for.
    await options.onExit?.();
    Deno.exit(0);
  });
  try {
    await bot.start({
      onStart: (me) => {
        polling = true;
        console.error(
          `Running @${me.username} on Telegram with long polling. ` +
            "Stop with Ctrl-C.",
        );
      },
    });
  } catch (error) {
    console.error(`error: ${describeError(error)}`);
    Deno.exitCode = 1;
  } finally {
    stop();
    await options.onExit?.();
  }
}

/** Describes an error in one line, without a stack trace. */
export function describeError(error: unknown): string {
  // grammY wraps middleware errors in a BotError whose `error` is the cause.
  const cause = error instanceof Error && "error" in error &&
      error.error instanceof Error
    ? error.error
    : error;
  const text = cause instanceof Error
    ? `${cause.name}: ${cause.message}`
    : String(cause);
  return text.split("\n")[0] ?? text;
}

/** Calls `handler` on the first Ctrl-C; a second Ctrl-C exits at once. */
function onInterrupt(handler: () => unknown): () => void {
  let called = false;
  const listener = (): void => {
    if (called) Deno.exit(130);
    called = true;
    handler();
  };
  Deno.addSignalListener("SIGINT", listener);
  return () => Deno.removeSignalListener("SIGINT", listener);
}
