// This module is browser compatible.

/**
 * Sessions for grammY bots: a drop-in replacement for grammY's built-in
 * session plugin (`session`, `lazySession`, `MemorySessionStorage`,
 * `enhanceStorage`, `StorageAdapter`) that does not lose updates under
 * concurrency, does not write sessions that did not change, and expires sessions
 * for real. The Deno KV store for sessions of any size, `DenoKvStorage`, is
 * in the `./kv` entry point, so that this one runs on every runtime grammY
 * runs on (browsers and Cloudflare Workers included).
 *
 * @example The pizza counter from the grammY guide
 * ```ts
 * import { Bot, type Context } from "grammy";
 * import { session, type SessionFlavor } from "./mod.ts";
 *
 * type MyContext = Context & SessionFlavor<{ pizzaCount: number }>;
 * const bot = new Bot<MyContext>("dummy-token", {
 *   // Known bot info: nothing is fetched from Telegram.
 *   botInfo: { id: 1, is_bot: true, first_name: "Pizza", username: "pizza_bot" } as
 *     Bot["botInfo"],
 * });
 * bot.use(session({ initial: () => ({ pizzaCount: 0 }) }));
 * bot.hears(/🍕/, (ctx) => ctx.session.pizzaCount++);
 *
 * const chat = { id: 42, type: "private" as const, first_name: "Ada" };
 * const from = { id: 42, is_bot: false, first_name: "Ada" };
 * await bot.handleUpdate({
 *   update_id: 1,
 *   message: { message_id: 1, date: 0, chat, from, text: "🍕" },
 * });
 * ```
 *
 * @module
 */
export * from "./src/middleware/session.ts";
export * from "./src/middleware/lazy_session.ts";
export type * from "./src/middleware/session_flavor.ts";
export type * from "./src/middleware/session_options.ts";
export type * from "./src/middleware/session_context.ts";
export type * from "./src/contract/storage_adapter.ts";
export * from "./src/stores/enhance/enhance_storage.ts";
export * from "./src/stores/memory/memory_session_storage.ts";
export * from "./src/contract/errors.ts";
export {
  moveSession,
  type MoveSessionOptions,
} from "./src/middleware/move_session.ts";
