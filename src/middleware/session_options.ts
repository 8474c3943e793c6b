// This module is browser compatible.

/**
 * The options of {@linkcode session} and {@linkcode lazySession}.
 *
 * @module
 */

import type {
  MaybePromise,
  StorageAdapter,
} from "../contract/storage_adapter.ts";
import type { SessionContext } from "./session_context.ts";

// Defined in its own module; re-exported here, where it always was.
export type { SessionContext };

/**
 * Options of a session (or of one part of a multi session).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SessionOptions } from "./session_options.ts";
 *
 * const options: SessionOptions<{ count: number }> = {
 *   initial: () => ({ count: 0 }),
 *   prefix: "user-",
 *   getSessionKey: (ctx) => ctx.chatId?.toString(),
 * };
 * assert(options.prefix === "user-");
 * ```
 */
export interface SessionOptions<S, C extends SessionContext = SessionContext> {
  /** `"single"` (the default) for one session per key. */
  type?: "single";
  /**
   * Creates the session data for a key that has none stored. Called anew for
   * each such update, so return a new object every time. An initial value
   * that the handlers leave unchanged is not written to storage.
   */
  initial?: () => S;
  /** Prepended to every session key (only when the key is defined). */
  prefix?: string;
  /**
   * Computes the session key of an update. The default is the chat id
   * (`ctx.chatId?.toString()`). Return `undefined` for updates that have no
   * session.
   */
  getSessionKey?: (ctx: Omit<C, "session">) => MaybePromise<string | undefined>;
  /** Where sessions are kept. Default: a new `MemorySessionStorage`. */
  storage?: StorageAdapter<S>;
  /**
   * Run updates that share a session key one after another in this process
   * (default `true`), while updates with different keys run in parallel. Set
   * it to `false` if you already serialise updates elsewhere, for example
   * with grammY runner's `sequentialize`.
   */
  sequential?: boolean;
  /**
   * The longest time in milliseconds (default 30,000) an update may hold its
   * session key while other updates of that key wait. When it runs out, the
   * next update goes ahead, and the update that held the key writes nothing:
   * it fails with a `SessionLockTimeoutError` when it finishes (its changes
   * are reported, never stored over newer data). Any positive number counts,
   * also beyond the 24.8 days one timer can wait; `Infinity` waits forever.
   */
  lockTimeout?: number;
  /**
   * Move the session when Telegram turns a group into a supergroup with a
   * new chat id (default `true`; only with the default key function, and
   * per part in multi sessions). A session already stored under the new id
   * is never overwritten. Set it to `false` to keep sessions where they are;
   * with a custom `getSessionKey`, use `moveSession` in your own handler.
   */
  migrateChats?: boolean;
}

/**
 * Options of a multi session: `type: "multi"` and one
 * {@linkcode SessionOptions} object per property of the session data. Each
 * part has its own storage, initial value, key function and prefix.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MultiSessionOptions } from "./session_options.ts";
 *
 * const options: MultiSessionOptions<{ chat: number; user: string }> = {
 *   type: "multi",
 *   chat: { initial: () => 0 },
 *   user: { initial: () => "", prefix: "user-" },
 * };
 * assert(options.type === "multi");
 * ```
 */
export type MultiSessionOptions<
  S,
  C extends SessionContext = SessionContext,
> // deno-lint-ignore no-explicit-any
 = S extends Record<string, any>
  ? { type: "multi" } & { [K in keyof S]: SessionOptions<S[K], C> }
  : never;
