// This module is browser compatible.

/**
 * A Telegram client for tests: {@linkcode OfflineChat} feeds a real grammY
 * bot updates through `bot.handleUpdate` and answers its API calls locally,
 * so a bot's own tests run without a token or a network.
 *
 * @module
 */

/** A Telegram user, as the offline chat sends it. */
export interface OfflineUser {
  /** The user id (stable per name, see {@linkcode offlineUser}). */
  id: number;
  /** Always `false`: a person. */
  is_bot: false;
  /** The name given to {@linkcode offlineUser}. */
  first_name: string;
}

/** The chat a message is sent in: the user's private chat, or a group. */
export type OfflineChatRoom =
  | { id: number; type: "private"; first_name: string }
  | { id: number; type: "group"; title: string };

/** What `getMe` would answer for the bot: `bot.botInfo`. */
export interface OfflineBotInfo {
  /** The bot's user id. */
  id: number;
  /** Always `true`. */
  is_bot: true;
  /** The bot's name. */
  first_name: string;
  /** The bot's username. */
  username: string;
  /** Whether the bot can be added to groups. */
  can_join_groups?: boolean;
  /** Whether the bot sees every group message. */
  can_read_all_group_messages?: boolean;
  /** Whether the bot answers inline queries. */
  supports_inline_queries?: boolean;
  /** Whether the bot can connect to business accounts. */
  can_connect_to_business?: boolean;
  /** Whether the bot has a main web app. */
  has_main_web_app?: boolean;
}

/** A text message update, as the offline chat delivers it. */
export interface OfflineUpdate {
  /** Counts up from 1 per chat client. */
  update_id: number;
  /** The message. */
  message: {
    message_id: number;
    date: number;
    chat: OfflineChatRoom;
    from: OfflineUser;
    text: string;
    entities?: { type: "bot_command"; offset: number; length: number }[];
  };
}

/**
 * An API transformer, as grammY's `bot.api.config.use` takes it (the result
 * is typed `any` because grammY types it per API method).
 */
export type OfflineTransformer = (
  prev: unknown,
  method: string,
  payload: Record<string, unknown>,
  // deno-lint-ignore no-explicit-any
) => Promise<{ ok: true; result: any }>;

/**
 * What the offline chat needs of a bot: a grammY `Bot` has it (typed by
 * shape, so that any copy of grammY fits).
 */
export interface OfflineBot {
  /** Set to {@linkcode OFFLINE_BOT_INFO}: nothing is fetched. */
  botInfo: OfflineBotInfo;
  /** Where the transformer that answers API calls locally is installed. */
  api: { config: { use(transformer: OfflineTransformer): unknown } };
  /** Runs the bot's middleware on one update. */
  handleUpdate(update: OfflineUpdate): Promise<void>;
}

/** Options for {@linkcode OfflineChat}. */
export interface OfflineChatOptions {
  /** Called with every message text the bot sends, as it sends it. */
  onReply?: (text: string, chat: OfflineChatRoom) => void;
  /** The name of the simulated user to start as. Default: `"you"`. */
  user?: string;
}

/** The identity the bot has in offline chats (what `getMe` would return). */
export const OFFLINE_BOT_INFO: OfflineBotInfo = Object.freeze({
  id: 4242,
  is_bot: true,
  first_name: "Offline Bot",
  username: "offline_demo_bot",
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
});

/**
 * A simulated Telegram client for one bot. Each {@linkcode OfflineChat.send}
 * delivers one text message from the current user in the current chat (a
 * private chat unless {@linkcode OfflineChat.enter} picked a group) and
 * resolves to what the bot replied while handling it.
 *
 * Creating one sets `bot.botInfo` to {@linkcode OFFLINE_BOT_INFO} and adds
 * an API transformer that answers every call locally: `sendMessage` is
 * recorded and answered with a made-up message, everything else with
 * `true`. Errors of the bot's middleware reach `send`'s caller.
 *
 * @example Testing a bot's replies
 * ```ts
 * import assert from "node:assert/strict";
 * import { Bot, type Context } from "grammy";
 * import { session, type SessionFlavor } from "../../mod.ts";
 * import { OfflineChat } from "./offline_chat.ts";
 *
 * type MyContext = Context & SessionFlavor<{ pizzas: number }>;
 * const bot = new Bot<MyContext>("offline");
 * bot.use(session({ initial: () => ({ pizzas: 0 }) }));
 * bot.hears("🍕", (ctx) => ctx.session.pizzas++);
 * bot.command("hunger", (ctx) => ctx.reply(`${ctx.session.pizzas} pizzas`));
 *
 * const chat = new OfflineChat(bot);
 * await chat.send("🍕");
 * assert.deepEqual(await chat.send("/hunger"), ["1 pizzas"]);
 * chat.actAs("alice"); // another user, another private chat
 * assert.deepEqual(await chat.send("/hunger"), ["0 pizzas"]);
 * ```
 */
export class OfflineChat {
  readonly #bot: OfflineBot;
  readonly #onReply: OfflineChatOptions["onReply"];
  readonly #chats = new Map<number, OfflineChatRoom>();
  readonly #messageIds = new Map<number, number>();
  #updateId = 0;
  #user: OfflineUser;
  #group: string | undefined;
  #replies: string[] = [];

  /**
   * Connects to `bot`: its API calls are answered locally from now on.
   *
   * @param bot The bot to talk to (a grammY `Bot`).
   * @param options Who the user is, and a callback for every reply.
   */
  constructor(bot: OfflineBot, options: OfflineChatOptions = {}) {
    this.#bot = bot;
    this.#onReply = options.onReply;
    this.#user = offlineUser(options.user ?? "you");
    bot.botInfo = OFFLINE_BOT_INFO;
    bot.api.config.use(this.#answerLocally);
  }

  /** The simulated user who sends the next message. */
  get user(): OfflineUser {
    return this.#user;
  }

  /** The chat the next message is sent in. */
  get chat(): OfflineChatRoom {
    const chat: OfflineChatRoom = this.#group === undefined
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
   *
   * @param name The user's name.
   */
  actAs(name: string): void {
    this.#user = offlineUser(name);
  }

  /**
   * Moves into the group chat with this title (the same title always gives
   * the same chat id), or back into the current user's private chat with
   * `"private"`.
   *
   * @param group The group's title, or `"private"`.
   */
  enter(group: string): void {
    this.#group = group === "private" ? undefined : group;
  }

  /**
   * Sends one text message from the current user in the current chat and
   * waits until the bot has handled it. Text starting with `/` carries a
   * `bot_command` entity, as Telegram sends it.
   *
   * @param text The message text.
   * @returns The texts the bot sent while handling the message.
   */
  async send(text: string): Promise<string[]> {
    const chat = this.chat;
    const update: OfflineUpdate = {
      update_id: ++this.#updateId,
      message: {
        message_id: this.#nextMessageId(chat.id),
        date: Math.floor(Date.now() / 1000),
        chat,
        from: this.#user,
        text,
      },
    };
    const command = /^\/\S+/.exec(text);
    if (command !== null) {
      update.message.entities = [{
        type: "bot_command",
        offset: 0,
        length: command[0].length,
      }];
    }
    this.#replies = [];
    await this.#bot.handleUpdate(update);
    return this.#replies;
  }

  #nextMessageId(chatId: number): number {
    const id = (this.#messageIds.get(chatId) ?? 0) + 1;
    this.#messageIds.set(chatId, id);
    return id;
  }

  #answerLocally: OfflineTransformer = (_prev, method, payload) => {
    let result: unknown = true;
    if (method === "sendMessage" && "chat_id" in payload) {
      const id = Number(payload.chat_id);
      const chat: OfflineChatRoom = this.#chats.get(id) ??
        { id, type: "private", first_name: "?" };
      const text = "text" in payload ? String(payload.text) : "";
      result = {
        message_id: this.#nextMessageId(chat.id),
        date: Math.floor(Date.now() / 1000),
        chat,
        from: OFFLINE_BOT_INFO,
        text,
      };
      this.#replies.push(text);
      this.#onReply?.(text, chat);
    }
    return Promise.resolve({ ok: true, result });
  };
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
 * The simulated user with this name, as {@linkcode OfflineChat} sends it:
 * the same name always gives the same id. In a private chat the chat id is
 * the user id, so `String(offlineUser("you").id)` is the default session key
 * of the offline chat.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { offlineUser } from "./offline_chat.ts";
 *
 * assert.equal(offlineUser("alice").id, offlineUser("alice").id);
 * assert.notEqual(offlineUser("alice").id, offlineUser("bob").id);
 * ```
 *
 * @param name The user's name.
 * @returns The user.
 */
export function offlineUser(name: string): OfflineUser {
  return {
    id: 100_000 + hash(name) % 900_000_000,
    is_bot: false,
    first_name: name,
  };
}

function groupId(title: string): number {
  return -(1_000_000_000 + hash(title) % 900_000_000);
}
