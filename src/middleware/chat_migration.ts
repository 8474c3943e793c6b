// This module is browser compatible.

/**
 * Chat migrations: a group that becomes a supergroup gets a new chat id.
 * Detects the service messages (`migrate_to_chat_id` in the old group,
 * `migrate_from_chat_id` in the new supergroup) and moves the sessions of
 * the default key before the session middleware reads them. See
 * `docs/chat_migrations.md`.
 *
 * @module
 */

import type { SessionContext } from "./session_options.ts";
import type { StorageAdapter } from "../contract/storage_adapter.ts";
import { withLocks } from "./move_session.ts";
import { moveHoldingLeases } from "./_move_leases.ts";

/** The ids of a group and of the supergroup it became. */
export interface ChatMigration {
  from: number;
  to: number;
}

interface MigrationMessage {
  chat?: { id?: unknown };
  migrate_to_chat_id?: unknown;
  migrate_from_chat_id?: unknown;
}

function isChatId(value: unknown): value is number {
  return Number.isSafeInteger(value) && value !== 0;
}

/** The migration that the update's service message announces, if any. */
export function chatMigrationOf(ctx: object): ChatMigration | undefined {
  const message = (ctx as { message?: MigrationMessage }).message;
  if (typeof message !== "object" || message === null) return undefined;
  const to = message.migrate_to_chat_id;
  const from = message.migrate_from_chat_id;
  if (to === undefined && from === undefined) return undefined;
  const chat = message.chat?.id;
  if (!isChatId(chat)) return undefined;
  if (to !== undefined) {
    return isChatId(to) && to !== chat ? { from: chat, to } : undefined;
  }
  return isChatId(from) && from !== chat ? { from, to: chat } : undefined;
}

/**
 * The default session key (the chat id) with chat migrations on: the
 * service message in the old group belongs to the new chat's session, so
 * its handlers see the moved session and write nothing under the old id.
 */
export function migratingChatKey(ctx: object): string | undefined {
  const migration = chatMigrationOf(ctx);
  return migration === undefined
    ? (ctx as SessionContext).chatId?.toString()
    : `${migration.to}`;
}

/** What the middleware knows about one session (or multi session part). */
export interface MigrationTarget<S> {
  storage: StorageAdapter<S>;
  /** The key prefix if chats migrate automatically, else `undefined`. */
  migrationPrefix: string | undefined;
  /** How long the move may hold the keys while others wait. */
  lockTimeout: number;
}

/**
 * Called by the session middleware before it takes the key's lock: if the
 * update announces a chat migration, moves the session of each part that
 * migrates automatically, one after another, holding the locks of both keys
 * in this process and, with a storage that has leases, their leases across
 * instances (`_move_leases.ts`). Gives a promise only then.
 */
export function migrateChatIfNeeded(
  ctx: object,
  // deno-lint-ignore no-explicit-any
  targets: readonly MigrationTarget<any>[],
): Promise<void> | undefined {
  if (targets.every((target) => target.migrationPrefix === undefined)) {
    return undefined;
  }
  const migration = chatMigrationOf(ctx);
  if (migration === undefined) return undefined;
  return (async () => {
    for (const { storage, migrationPrefix: prefix, lockTimeout } of targets) {
      if (prefix === undefined) continue;
      const keys = [prefix + migration.from, prefix + migration.to] as const;
      await withLocks(
        storage,
        keys,
        ctx,
        lockTimeout,
        (ownKeys) => moveHoldingLeases(storage, ...keys, ownKeys, lockTimeout),
      );
    }
  })();
}
