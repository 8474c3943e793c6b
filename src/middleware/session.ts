// This module is browser compatible.

/**
 * The strict session middleware, single and multi.
 *
 * @module
 */

import type { SessionFlavor, SessionMiddleware } from "./session_flavor.ts";
import type {
  MultiSessionOptions,
  SessionContext,
  SessionOptions,
} from "./session_options.ts";
import { resolveOptions } from "./_options.ts";
import {
  attachSession,
  claimSession,
  updateOwner,
} from "./_context_session.ts";
import { PropertySession } from "./_property_session.ts";
import { openSinglePart } from "./_single_part.ts";
import { isPromiseLike } from "../contract/_util.ts";
import { migrateChatIfNeeded } from "./chat_migration.ts";

/**
 * Session middleware: gives every update the session data of its chat on
 * `ctx.session`, read from storage before your handlers run and written back
 * after they finish, like grammY's built-in `session()` (same options, same
 * behaviour), with these guarantees on top:
 *
 * - updates with the same session key run one after another in this process,
 *   and with a compare-and-set storage (the memory store, `DenoKvStorage`) a
 *   concurrent change from another process raises a `SessionConflictError`
 *   instead of being overwritten;
 * - a session that did not change is not written, an untouched `initial()`
 *   value is not stored, and deleting an absent session does nothing;
 * - if a handler throws, nothing is written.
 *
 * Set `ctx.session` to `null` or `undefined` to delete the session. Pass
 * `{ type: "multi", a: {...}, b: {...} }` for a session whose properties are
 * stored separately, each with its own options.
 *
 * @example The pizza counter from the grammY guide
 * ```ts
 * import assert from "node:assert/strict";
 * import { Bot, type Context } from "grammy";
 * import { session, type SessionFlavor } from "../../mod.ts";
 *
 * interface SessionData {
 *   pizzaCount: number;
 * }
 * type MyContext = Context & SessionFlavor<SessionData>;
 *
 * const bot = new Bot<MyContext>("dummy-token", {
 *   // Known bot info: nothing is fetched from Telegram.
 *   botInfo: { id: 1, is_bot: true, first_name: "Pizza", username: "pizza_bot" } as
 *     Bot["botInfo"],
 * });
 * bot.use(session({ initial: () => ({ pizzaCount: 0 }) }));
 * bot.hears(/🍕/, (ctx) => ctx.session.pizzaCount++);
 * let count = -1;
 * bot.on("message", (ctx) => {
 *   count = ctx.session.pizzaCount;
 * });
 *
 * const chat = { id: 42, type: "private" as const, first_name: "Ada" };
 * const from = { id: 42, is_bot: false, first_name: "Ada" };
 * const message = (text: string, id: number) => ({
 *   update_id: id,
 *   message: { message_id: id, date: 0, chat, from, text },
 * });
 * await bot.handleUpdate(message("🍕", 1));
 * await bot.handleUpdate(message("🍕🍕", 2));
 * await bot.handleUpdate(message("hello", 3));
 * assert(count === 2);
 * ```
 *
 * @param options The session options; for multi sessions, one options object
 * per property.
 * @returns The middleware to install with `bot.use()`.
 */
export function session<S, C extends SessionContext = SessionContext>(
  options?: SessionOptions<S, C> | MultiSessionOptions<S, C>,
): SessionMiddleware<C & SessionFlavor<S>> {
  if ((options as { type?: unknown } | undefined)?.type === "multi") {
    return strictMultiSession(
      options as Record<string, SessionOptions<unknown>>,
    ) as SessionMiddleware<C & SessionFlavor<S>>;
  }
  return strictSingleSession(options as SessionOptions<S, C> | undefined);
}

function strictSingleSession<S, C extends SessionContext>(
  options: SessionOptions<S, C> | undefined,
): SessionMiddleware<C & SessionFlavor<S>> {
  const resolved = resolveOptions(options);
  return async (ctx, next) => {
    const opened = openSinglePart(resolved, ctx, false);
    const part = isPromiseLike(opened) ? await opened : opened;
    if (part === undefined) {
      await next();
      return;
    }
    if (part.key === undefined) {
      attachSession(ctx, part, part.key);
      await next();
      return;
    }
    try {
      const locked = part.lock();
      if (locked !== undefined) await locked;
      const loaded = part.load();
      if (loaded !== undefined) await loaded;
      attachSession(ctx, part, part.key);
      await next(); // no catch: a throwing handler writes nothing
      const finished = part.finish();
      if (finished !== undefined) await finished;
    } finally {
      part.release();
    }
  };
}

function strictMultiSession(
  options: Record<string, SessionOptions<unknown>>,
): SessionMiddleware<SessionContext> {
  const parts = Object.keys(options)
    .filter((prop) => prop !== "type")
    .map((prop) =>
      [
        prop,
        resolveOptions(
          options[prop],
          `options of the multi session property "${prop}"`,
        ),
      ] as const
    );
  const migrationTargets = parts.map(([, resolved]) => resolved);
  return async (ctx, next) => {
    const migrating = migrateChatIfNeeded(ctx, migrationTargets); // chat_migration.ts
    if (migrating !== undefined) await migrating;
    const owner = updateOwner(ctx);
    claimSession(ctx, "multi", undefined);
    const data = {};
    Object.defineProperty(ctx, "session", {
      value: data,
      writable: true,
      enumerable: true,
      configurable: true,
    });
    const sessions = parts.map(([prop, resolved]) =>
      new PropertySession(resolved, data, prop, false, owner)
    );
    const keys = await Promise.all(
      sessions.map((part) => part.options.getSessionKey(ctx)),
    );
    sessions.forEach((part, i) => part.key = keys[i]);
    try {
      // A consistent order across updates keeps two updates from each holding
      // a lock the other one needs. Key, then property: the same order in
      // every process, so that leases (taken by `lock()` even for parts with
      // `sequential: false`) are taken in one order everywhere.
      const ordered = sessions
        .filter((part) => part.key !== undefined)
        .sort((a, b) => compareParts(a.key!, a.prop, b.key!, b.prop));
      for (const part of ordered) {
        const locked = part.lock();
        if (locked !== undefined) await locked;
      }
      await Promise.all(sessions.map((part) => part.load()));
      for (const part of sessions) part.install();
      await next(); // no catch: a throwing handler writes nothing
      if ((ctx as { session?: unknown }).session == null) {
        for (const part of sessions) part.clear();
      }
      // A part that held its key too long fails the update before any part
      // writes: the update writes nothing.
      for (const part of sessions) {
        const timedOut = part.timedOut();
        if (timedOut !== undefined) throw timedOut;
      }
      // Every part finishes, even after another part failed at once: a
      // write under way keeps its key until it ends (`finally` below).
      const results = await Promise.allSettled(
        sessions.map((part) => {
          try {
            return part.finish();
          } catch (error) {
            return Promise.reject(error);
          }
        }),
      );
      const failed = results.find((result) => result.status === "rejected");
      if (failed !== undefined) throw failed.reason;
    } finally {
      for (const part of sessions) part.release();
    }
  };
}

function compareParts(
  keyA: string,
  propA: string,
  keyB: string,
  propB: string,
): number {
  if (keyA !== keyB) return keyA < keyB ? -1 : 1;
  return propA < propB ? -1 : propA > propB ? 1 : 0;
}
