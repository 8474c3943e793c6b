/**
 * The Deno KV session store: {@linkcode DenoKvStorage} keeps sessions of any
 * size in Deno KV (or in `@deno/kv` on Node.js), with expiry and
 * compare-and-set, so that several processes can share one database.
 *
 * @example A bot that keeps its sessions in Deno KV
 * ```ts
 * import { Bot, type Context } from "grammy";
 * import { session, type SessionFlavor } from "./mod.ts";
 * import { DenoKvStorage } from "./kv.ts";
 *
 * type MyContext = Context & SessionFlavor<{ pizzaCount: number }>;
 * const kv = await Deno.openKv(":memory:");
 * try {
 *   const bot = new Bot<MyContext>("dummy-token", {
 *     botInfo: { id: 1, is_bot: true, first_name: "Pizza", username: "pizza_bot" } as
 *       Bot["botInfo"],
 *   });
 *   bot.use(session({
 *     initial: () => ({ pizzaCount: 0 }),
 *     storage: new DenoKvStorage(kv),
 *   }));
 *   bot.hears(/🍕/, (ctx) => ctx.session.pizzaCount++);
 *
 *   const chat = { id: 42, type: "private" as const, first_name: "Ada" };
 *   const from = { id: 42, is_bot: false, first_name: "Ada" };
 *   await bot.handleUpdate({
 *     update_id: 1,
 *     message: { message_id: 1, date: 0, chat, from, text: "🍕" },
 *   });
 *   console.assert((await kv.get(["sessions", "42"])).value !== null);
 * } finally {
 *   kv.close();
 * }
 * ```
 *
 * @module
 */
export * from "./src/contract/errors.ts";
export * from "./src/stores/kv/deno_kv_storage.ts";
export type {
  KvAtomicLike,
  KvEntryLike,
  KvKey,
  KvKeyPart,
  KvLike,
} from "./src/stores/kv/kv_like.ts";
export type { DenoKvStorageOptions } from "./src/stores/kv/options.ts";
export type { KvSessionInfo } from "./src/stores/kv/reader.ts";
export * from "./src/stores/kv/lease.ts";
