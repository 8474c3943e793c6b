// This module is browser compatible.

/**
 * Context flavors: the types that add `ctx.session` to a grammY context.
 *
 * @module
 */

import type { MaybePromise } from "../contract/storage_adapter.ts";

/**
 * Adds strict session data to a context type: `ctx.session` is the session
 * data itself. Use it with {@linkcode session}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SessionFlavor } from "./session_flavor.ts";
 *
 * interface SessionData {
 *   pizzaCount: number;
 * }
 * // With grammY: `type MyContext = Context & SessionFlavor<SessionData>;`
 * type MyContext = { chatId?: number } & SessionFlavor<SessionData>;
 * const read = (ctx: MyContext): number => ctx.session.pizzaCount;
 * assert(typeof read === "function");
 * ```
 */
export type SessionFlavor<S> = {
  /**
   * The session data of this update. Assign `null` or `undefined` to delete
   * the session. Reading or assigning throws if the update has no session
   * key (for example, a poll update when the key is the chat id).
   */
  get session(): S;
  /** Replaces the session data; `null` or `undefined` deletes it. */
  set session(session: S | null | undefined);
  /**
   * The session key of this update (with its prefix), or `undefined` if the
   * update has none. Computed once, before your handlers run. Not set by
   * multi sessions, whose parts each have their own key.
   */
  readonly sessionKey?: string | undefined;
};

/**
 * Adds lazy session data to a context type: `ctx.session` gives the session
 * data, read from storage only when it is first accessed. Use it with
 * {@linkcode lazySession}. It is typed as grammY's is (`MaybePromise<S>`), so
 * every program grammY's flavor accepts compiles with it too, such as
 * `ctx.session = { counter: 0 }` in a `bot.command` handler. At run time the
 * getter always gives a promise: to call `ctx.session.then(...)` without an
 * `await`, flavor the context with {@linkcode LazySessionPromiseFlavor}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { LazySessionFlavor } from "./session_flavor.ts";
 *
 * interface SessionData {
 *   counter: number;
 * }
 * type MyContext = { chatId?: number } & LazySessionFlavor<SessionData>;
 * const read = async (ctx: MyContext): Promise<number> =>
 *   (await ctx.session).counter;
 * const reset = (ctx: MyContext): void => {
 *   ctx.session = { counter: 0 };
 * };
 * assert(typeof read === "function" && typeof reset === "function");
 * ```
 */
export type LazySessionFlavor<S> = {
  /**
   * The session data, or a promise of it: `await` it for reads and writes;
   * every access gives the same data. (With this module it is always a
   * promise.)
   */
  get session(): MaybePromise<S>;
  /**
   * Replaces the session data with a value or a promise of one. `null`, or
   * `undefined`, or a promise resolving to either (or to nothing) deletes
   * the session.
   */
  set session(session: MaybePromise<S | null | undefined | void>);
  /** The session key of this update, as for {@linkcode SessionFlavor}. */
  readonly sessionKey?: string | undefined;
};

/**
 * Lazy session data typed as what {@linkcode lazySession} gives at run time:
 * always a promise, so `ctx.session.then(...)` type-checks. An opt-in
 * alternative to {@linkcode LazySessionFlavor}, with one cost: grammY's
 * filtered handlers (`bot.on`, `bot.command`, ...) see a property of one
 * type, the getter's, so there a plain value cannot be assigned (assign
 * `Promise.resolve(value)`, or use {@linkcode LazySessionFlavor}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { LazySessionPromiseFlavor } from "./session_flavor.ts";
 *
 * type MyContext =
 *   & { chatId?: number }
 *   & LazySessionPromiseFlavor<{ counter: number }>;
 * const reset = (ctx: MyContext): void => {
 *   ctx.session = ctx.session.then((stats) => {
 *     stats.counter = 0;
 *   });
 * };
 * assert(typeof reset === "function");
 * ```
 */
export type LazySessionPromiseFlavor<S> = {
  /** A promise of the session data (the same one until an assignment). */
  get session(): Promise<S>;
  /** As for {@linkcode LazySessionFlavor}. */
  set session(session: MaybePromise<S | null | undefined | void>);
  /** The session key of this update, as for {@linkcode SessionFlavor}. */
  readonly sessionKey?: string | undefined;
};

/**
 * What {@linkcode lazySession} asks of the bot's context type: a `session`
 * that reads as the session data or a promise of it. Our
 * {@linkcode LazySessionFlavor} and {@linkcode LazySessionPromiseFlavor}, and
 * grammY's flavor have it, so each works with either middleware, while
 * session data of the wrong type is still refused.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type {
 *   LazySessionFlavor,
 *   LazySessionRequirement,
 * } from "./session_flavor.ts";
 *
 * type Data = { counter: number };
 * // grammY's lazy flavor types the getter as `Data | Promise<Data>`.
 * type GrammyStyle = { readonly session: Data | Promise<Data> };
 * const fits = (ctx: LazySessionRequirement<Data>): unknown => ctx.session;
 * const ours = (ctx: LazySessionFlavor<Data>): unknown => fits(ctx);
 * const theirs = (ctx: GrammyStyle): unknown => fits(ctx);
 * assert(typeof ours === "function" && typeof theirs === "function");
 * ```
 */
export interface LazySessionRequirement<S> {
  /** The session data, or a promise of it. */
  readonly session: MaybePromise<S>;
}

/**
 * The middleware function that {@linkcode session} and {@linkcode lazySession}
 * return. It fits grammY's `bot.use()` (it is a grammY `MiddlewareFn`) without
 * importing grammY.
 */
export type SessionMiddleware<C> = (
  ctx: C,
  next: () => Promise<void>,
) => Promise<void>;
