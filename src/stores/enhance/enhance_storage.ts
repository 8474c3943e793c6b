// This module is browser compatible.

/**
 * Storage enhancement: session migrations and expiry on top of any storage.
 *
 * @module
 */

import type { StorageAdapter } from "../../contract/storage_adapter.ts";
import type { MigrationOptions } from "./_enhance_options.ts";
import { EnhancedStorage } from "./_enhanced_storage.ts";

export type { Enhance } from "./_enhance_value.ts";
export type { Migrations } from "./_migrations.ts";
export type {
  EnhancementOptions,
  MigrationOptions,
} from "./_enhance_options.ts";

/**
 * Adds migrations and expiry to a storage adapter, like grammY's
 * `enhanceStorage`, and reads and writes the same `{ __d, v, e }` records.
 * Values stored before enhancing (without `__d`) are read as data.
 *
 * Different from grammY: the enhanced storage keeps the optional methods of
 * the storage it wraps (`has`, `readAll*`, which skip expired sessions, and
 * compare-and-set), and fractional migration versions work. Since the
 * session middleware writes only changed sessions, a storage that can
 * compare-and-set keeps the sessions of active chats alive by refreshing a
 * session that is read once `refreshRatio` of its time to live passed.
 *
 * A read writes on its own (storing migrated data back, the refresh, the
 * deletion of an expired session) only when the wrapped storage can
 * compare-and-set (`MemorySessionStorage`, `DenoKvStorage`), and then only if
 * nobody wrote the session since it was read. Over any other storage (a
 * grammY adapter such as `@grammyjs/storage-redis`) a read never writes, so
 * it cannot revert what another bot wrote meanwhile: a session that is only
 * read expires `millisecondsToLive` after its last write, and migrations run
 * on each read until the session is written again, as with grammY. The calls
 * a grammY adapter gets are grammY's: `read(key)`, `write(key, value)`,
 * `delete(key)`.
 *
 * @example Migrating `{ pizzaCount }` sessions to `{ pizzas }`
 * ```ts
 * import assert from "node:assert/strict";
 * import { enhanceStorage } from "./enhance_storage.ts";
 * import { MemorySessionStorage } from "../memory/memory_session_storage.ts";
 *
 * const raw = new MemorySessionStorage<any>();
 * raw.write("42", { pizzaCount: 3 }); // written before migrations existed
 * const storage = enhanceStorage<{ pizzas: number; size: string }>({
 *   storage: raw,
 *   migrations: {
 *     1: (old) => ({ pizzas: old.pizzaCount }),
 *     1.5: (old) => ({ ...old, size: "large" }),
 *   },
 *   millisecondsToLive: 60_000,
 * });
 * const session = await storage.read("42");
 * assert(session?.pizzas === 3 && session.size === "large");
 * ```
 *
 * @param options The storage to enhance, migrations, and time to live.
 * @returns A storage adapter for the session data.
 */
export function enhanceStorage<T>(
  options: MigrationOptions<T>,
): StorageAdapter<T> {
  return new EnhancedStorage(options).adapter();
}
