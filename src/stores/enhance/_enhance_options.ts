// This module is browser compatible.
// The options of `enhanceStorage()`, and their checks: what is refused and
// with which error, and what the time to live and the refresh ratio mean for
// a read.

import type { StorageAdapter } from "../../contract/storage_adapter.ts";
import type { Enhance } from "./_enhance_value.ts";
import {
  type MigrationList,
  type Migrations,
  sortMigrations,
} from "./_migrations.ts";
import { checkRefreshRatio } from "../../contract/_option_checks.ts";

/** Options of {@linkcode enhanceStorage}. */
export interface MigrationOptions<T> {
  /** The storage to enhance. */
  storage: StorageAdapter<Enhance<T>>;
  /**
   * Migrations to apply when a session of an older version is read. With a
   * storage that can compare-and-set (`MemorySessionStorage`,
   * `DenoKvStorage`), the migrated session is stored back at the latest
   * version when it is read, so each session is migrated once; with any
   * other storage, it is migrated on each read until it is next written, as
   * with grammY. Migrations get a copy of the data.
   */
  migrations?: Migrations;
  /** How long a session lives after it was last written or refreshed. */
  millisecondsToLive?: number;
  /**
   * After which part of `millisecondsToLive` a session that is read is
   * written again with a new expiry, so that sessions of active chats stay
   * alive without a write on every update. A number from 0 (refresh on every
   * read) to 1 (never refresh on read). Default: 0.5. Only a storage that
   * can compare-and-set is refreshed on a read: over any other, a read never
   * writes, and the next write of the session renews its expiry.
   */
  refreshRatio?: number;
}

/** The same as {@linkcode MigrationOptions}. */
export type EnhancementOptions<T> = MigrationOptions<T>;

/** The checked options of one enhanced storage. */
export interface Enhancement<T> {
  storage: StorageAdapter<Enhance<T>>;
  /** The time to live, or `undefined` if sessions do not expire. */
  ttl: number | undefined;
  /** After how many ms of its life a read session is refreshed. */
  refreshAfter: number;
  migrations: MigrationList;
}

/** Checks `options`: a `TypeError` or `RangeError` names what is wrong. */
export function checkOptions<T>(options: MigrationOptions<T>): Enhancement<T> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("enhanceStorage needs an options object");
  }
  const { storage, migrations, millisecondsToLive, refreshRatio = 0.5 } =
    options;
  if (
    typeof storage?.read !== "function" ||
    typeof storage.write !== "function" ||
    typeof storage.delete !== "function"
  ) {
    throw new TypeError(
      "enhanceStorage needs a `storage` with read, write and delete methods",
    );
  }
  if (
    millisecondsToLive !== undefined &&
    !(typeof millisecondsToLive === "number" && millisecondsToLive > 0)
  ) {
    throw new RangeError(
      `millisecondsToLive must be a positive number, got ${millisecondsToLive}`,
    );
  }
  checkRefreshRatio(refreshRatio);
  const ttl = millisecondsToLive === Infinity ? undefined : millisecondsToLive;
  return {
    storage,
    ttl,
    // A ratio of 1 never refreshes on read, even at the very last moment.
    refreshAfter: refreshRatio === 1 ? Infinity : (ttl ?? 0) * refreshRatio,
    migrations: sortMigrations(migrations),
  };
}
