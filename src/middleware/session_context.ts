// This module is browser compatible.

/**
 * What the session middleware knows of a context object, described
 * structurally: the fields of grammY's `Context` that a session key is made
 * of. No grammY type is imported, not even for types, so any copy of grammY
 * (npm, deno.land/x, JSR, another version) fits.
 *
 * @module
 */

/**
 * The parts of a Telegram user that session keys are made of. grammY's
 * `User` has them.
 */
export interface SessionUser {
  /** The user's (or bot's) unique id. */
  readonly id: number;
  /** Whether the user is a bot. */
  readonly is_bot?: boolean | undefined;
  /** The user's first name. */
  readonly first_name?: string | undefined;
  /** The user's username, without the `@`. */
  readonly username?: string | undefined;
  /** The IETF language tag of the user's client. */
  readonly language_code?: string | undefined;
}

/**
 * The parts of a Telegram chat that session keys are made of. Every kind of
 * grammY's `Chat` has them.
 */
export interface SessionChat {
  /** The chat's unique id. */
  readonly id: number;
  /** `"private"`, `"group"`, `"supergroup"` or `"channel"`. */
  readonly type: string;
  /** The title of a group, supergroup or channel. */
  readonly title?: string | undefined;
  /** The username of the chat, without the `@`. */
  readonly username?: string | undefined;
  /** Whether a supergroup has topics. */
  readonly is_forum?: boolean | undefined;
}

/**
 * The parts of a Telegram message that session keys are made of. grammY's
 * `ctx.msg` has them.
 */
export interface SessionMessage {
  /** The id of the message in its chat. */
  readonly message_id: number;
  /** The forum topic (or thread) the message belongs to. */
  readonly message_thread_id?: number | undefined;
  /** When the message was sent, in seconds since the epoch. */
  readonly date: number;
  /** The chat of the message. */
  readonly chat: SessionChat;
  /** The sender, if the message was sent by a user. */
  readonly from?: SessionUser | undefined;
  /** The text of a text message. */
  readonly text?: string | undefined;
}

/**
 * What the session middleware needs from a context object, and what a
 * `getSessionKey` function can use without naming a context type: grammY's
 * `Context` (from npm, deno.land/x or JSR) has all of it, so a middleware
 * built outside `bot.use()` types `ctx.from`, `ctx.chat` and the rest, and
 * any copy of grammY works without type clashes. The default session key is
 * `ctx.chatId`.
 *
 * @example A key function written before the bot exists
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SessionContext } from "./session_context.ts";
 *
 * const perUser = (ctx: SessionContext): string | undefined =>
 *   ctx.from?.id.toString();
 * assert(perUser({ from: { id: 7 } }) === "7");
 * assert(perUser({ chatId: 7 }) === undefined);
 * ```
 */
export interface SessionContext {
  /** The update itself (grammY's `ctx.update`). */
  readonly update?: { readonly update_id: number } | undefined;
  /** The chat this update belongs to, if any (grammY's `ctx.chatId`). */
  readonly chatId?: number | undefined;
  /** The chat of this update, if any (grammY's `ctx.chat`). */
  readonly chat?: SessionChat | undefined;
  /** Who sent this update, if anyone (grammY's `ctx.from`). */
  readonly from?: SessionUser | undefined;
  /** The chat that sent a message on behalf of a chat (`ctx.senderChat`). */
  readonly senderChat?: SessionChat | undefined;
  /** The message of this update, if any (grammY's `ctx.msg`). */
  readonly msg?: SessionMessage | undefined;
  /** The id of that message (grammY's `ctx.msgId`). */
  readonly msgId?: number | undefined;
  /** The inline message of a callback query (`ctx.inlineMessageId`). */
  readonly inlineMessageId?: string | undefined;
  /** The business connection of this update (`ctx.businessConnectionId`). */
  readonly businessConnectionId?: string | undefined;
}
