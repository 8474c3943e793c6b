// This module is browser compatible.

/**
 * The lazy session middleware.
 *
 * @module
 */

import type {
  LazySessionRequirement,
  SessionMiddleware,
} from "./session_flavor.ts";
import type { SessionContext, SessionOptions } from "./session_options.ts";
import { resolveOptions } from "./_options.ts";
import { attachSession } from "./_context_session.ts";
import { openSinglePart } from "./_single_part.ts";
import { isPromiseLike } from "../contract/_util.ts";

/**
 * Lazy session middleware: like {@linkcode session}, but nothing is read until
 * a handler first accesses `ctx.session`, which then is a promise of the
 * session data. An update that never touches `ctx.session` costs no storage
 * I/O and takes no lock. Later accesses reuse the same read; assigning before
 * reading skips the read; an assigned promise is awaited before it is
 * written, and one that resolves to `undefined` deletes the session (so the
 * guide's `ctx.session = ctx.session.then(...)` works and never hangs).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Bot, type Context } from "grammy";
 * import { lazySession, type LazySessionFlavor } from "../../mod.ts";
 *
 * type MyContext = Context & LazySessionFlavor<{ counter: number }>;
 * const bot = new Bot<MyContext>("dummy-token", {
 *   // Known bot info: nothing is fetched from Telegram.
 *   botInfo: { id: 1, is_bot: true, first_name: "Lazy", username: "lazy_bot" } as
 *     Bot["botInfo"],
 * });
 * bot.use(lazySession({ initial: () => ({ counter: 0 }) }));
 * let seen = -1;
 * bot.on("message", async (ctx) => {
 *   const session = await ctx.session;
 *   seen = ++session.counter;
 * });
 * const chat = { id: 7, type: "private" as const, first_name: "Ada" };
 * const from = { id: 7, is_bot: false, first_name: "Ada" };
 * for (const id of [1, 2, 3]) {
 *   await bot.handleUpdate({
 *     update_id: id,
 *     message: { message_id: id, date: 0, chat, from, text: "hi" },
 *   });
 * }
 * assert(seen === 3);
 * ```
 *
 * @param options The session options (multi sessions cannot be lazy).
 * @returns The middleware to install with `bot.use()`.
 */
export function lazySession<S, C extends SessionContext = SessionContext>(
  options: SessionOptions<S, C> = {},
): SessionMiddleware<C & LazySessionRequirement<S>> {
  const type = (options as { type?: unknown }).type;
  if (type !== undefined && type !== "single") {
    throw new Error(
      'Cannot use lazy multi sessions! Use `session({ type: "multi" })` instead.',
    );
  }
  const resolved = resolveOptions(options);
  return async (ctx, next) => {
    const opened = openSinglePart(resolved, ctx, true);
    const part = isPromiseLike(opened) ? await opened : opened;
    if (part === undefined) {
      await next();
      return;
    }
    attachSession(ctx, part, part.key);
    try {
      await next(); // no catch: a throwing handler writes nothing
      const finished = part.finish();
      if (finished !== undefined) await finished;
    } finally {
      part.release();
    }
  };
}
