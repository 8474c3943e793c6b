/**
 * The offline chat harness shared by the demo and the examples: it turns lines
 * of text into Telegram updates, feeds them to a real grammY `Bot` through
 * `bot.handleUpdate`, and answers the bot's API calls locally, so nothing
 * leaves the machine and no bot token is needed.
 *
 * With `BOT_TOKEN` set in the environment, {@linkcode runBot} starts the same
 * bot against Telegram with long polling instead.
 *
 * @module
 */
import type { Bot, Context, Transformer } from "grammy";
import type { Chat, Message, Update, User, UserFromGetMe } from "grammy/types";
import process from "node:process";
import { lines } from "./_lines.ts";

// grammY's npm build loads node-fetch, which makes Node print a deprecation
// warning about `punycode` on every start: noise in a terminal chat.
(process as { noDeprecation?: boolean }).noDeprecation = true;

/** The identity the bot has in offline chats (what `getMe` would return). */
export const OFFLINE_BOT_INFO: UserFromGetMe = {
  id: 4242,
  is_bot: true,
  first_name: "Offline Bot",
  username: "offline_demo_bot",
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
} as UserFromGetMe;

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

/** Options for {@linkcode OfflineChat}. */
export interface OfflineChatOptions {
  /** Called with every message text the bot sends, as it sends it. */
  onReply?: (text: string, chat: Chat) => void;
  /** The name of the simulated user to start as. Default: `"you"`. */
  user?: string;
}

/**
 * A simulated Telegram client for one bot. Each {@linkcode OfflineChat.send}
 * delivers one text message from the current user in the current chat (a
 * private chat unless {@linkcode OfflineChat.enter} picked a group) and
 * returns what the bot replied while handling it.
 *
 * Installing it on a bot sets `bot.botInfo` and adds an API transformer that
 * answers every call locally: `sendMessage` is recorded and returns a
 * made-up `Message`, everything else returns `true`.
 */
export class OfflineChat<C extends Context> {
  readonly #bot: Bot<C>;
  readonly #onReply: ((text: string, chat: Chat) => void) | undefined;
  readonly #chats = new Map<number, Chat>();
  readonly #messageIds = new Map<number, number>();
  #updateId = 0;
  #user: User;
  #group: string | undefined;
  #replies: string[] = [];

  /**
   * @param bot The bot to talk to. Its API calls are answered locally from
   * now on.
   * @param options Who the user is, and a callback for every reply.
   */
  constructor(bot: Bot<C>, options: OfflineChatOptions = {}) {
    this.#bot = bot;
    this.#onReply = options.onReply;
    this.#user = offlineUser(options.user ?? "you");
    bot.botInfo = OFFLINE_BOT_INFO;
    bot.api.config.use(this.#answerLocally);
  }

  /** The simulated user who sends the next message. */
  get user(): User {
    return this.#user;
  }

  /** The chat the next message is sent in. */
  get chat(): Chat.PrivateChat | Chat.GroupChat {
    const chat: Chat.PrivateChat | Chat.GroupChat = this.#group === undefined
      ? {
        id: this.#user.id,
        type: "private",
        first_name: this.#user.first_name,
      }
      : { id: groupId(this.#group), type: "group", title: this.#group };
    this.#chats.set(chat.id, chat);
    return chat;
  }

  /**
   * Switches to another simulated user. The same name always gives the same
   * user id, also across restarts. In a private chat, the chat follows the
   * user.
   */
  actAs(name: string): void {
    this.#user = offlineUser(name);
  }

  /**
   * Moves into the group chat with this title (created on first use; the same
   * title always gives the same chat id), or back into the current user's
   * private chat with `"private"`.
   */
  enter(group: string): void {
    this.#group = group === "private" ? undefined : group;
  }

  /**
   * Sends one text message from the current user in the current chat and
   * waits until the bot has handled it. Text starting with `/` carries a
   * `bot_command` entity, as Telegram sends it.
   *
   * @returns The texts the bot sent while handling the message.
   */
  async send(text: string): Promise<string[]> {
    const chat = this.chat;
    const message: Message.TextMessage & Update.NonChannel = {
      message_id: this.#nextMessageId(chat.id),
      date: Math.floor(Date.now() / 1000),
      chat,
      from: this.#user,
      text,
    };
    const command = /^\/\S+/.exec(text);
    if (command !== null) {
      message.entities = [{
        type: "bot_command",
        offset: 0,
        length: command[0].length,
      }];
    }
    const update: Update = { update_id: ++this.#updateId, message };
    this.#replies = [];
    await this.#bot.handleUpdate(update);
    return this.#replies;
  }

  #nextMessageId(chatId: number): number {
    const id = (this.#messageIds.get(chatId) ?? 0) + 1;
    this.#messageIds.set(chatId, id);
    return id;
  }

  #answerLocally: Transformer = (_prev, method, payload) => {
    // deno-lint-ignore no-explicit-any
    let result: any = true;
    if (method === "sendMessage" && "chat_id" in payload) {
      const chat = this.#chats.get(Number(payload.chat_id)) ??
        { id: Number(payload.chat_id), type: "private", first_name: "?" };
      const text = "text" in payload ? String(payload.text) : "";
      result = {
        message_id: this.#nextMessageId(chat.id),
        date: Math.floor(Date.now() / 1000),
        chat,
        from: OFFLINE_BOT_INFO,
        text,
      } satisfies Message.TextMessage;
      this.#replies.push(text);
      this.#onReply?.(text, chat);
    }
    return Promise.resolve({ ok: true, result });
  };
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

/** A stable positive id for a name (FNV-1a), so ids survive restarts. */
function hash(name: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(name)) {
    h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * The simulated user with this name, as {@linkcode OfflineChat} sends it: the
 * same name always gives the same id. In a private chat, the chat id is the
 * user id, so `String(offlineUser("you").id)` is the default session key of
 * the offline chat.
 */
export function offlineUser(name: string): User {
  return {
    id: 100_000 + hash(name) % 900_000_000,
    is_bot: false,
    first_name: name,
  };
}

function groupId(title: string): number {
  return -(1_000_000_000 + hash(title) % 900_000_000);
}
