// The options of PostgresStorage, and their checks.
import { leaseTimeToLive } from "../../contract/_lease_option.ts";
import {
  checkRefreshRatio,
  checkTimeToLive,
} from "../../contract/_option_checks.ts";

/** Options of `PostgresStorage.create`. */
export interface PostgresStorageOptions {
  /**
   * The table of the sessions. Default: `"sessions"`, the default of
   * `@grammyjs/storage-psql`, whose table is read and written in place.
   */
  table?: string;
  /**
   * Time to live of a session in milliseconds, counted from its last write
   * or refresh. Expired sessions are never returned, and are deleted in
   * batches (see `sweep`). Default: sessions never expire.
   */
  timeToLive?: number;
  /**
   * With `timeToLive`: after which part of it a session that is read gets a
   * fresh deadline (in the statement that reads it), so that the sessions
   * of active chats stay alive without a write on every update. From 0 to 1
   * (never refresh on read). Default: 0.5.
   */
  refreshRatio?: number;
  /**
   * The largest session a write accepts, in bytes of the UTF-8 text stored
   * in the `value` column. Larger values are refused with a
   * `SessionValueError` and nothing is written. Default: 8 MiB.
   */
  maxBytes?: number;
  /**
   * A lease per session key across every process sharing the table:
   * updates of one chat run one at a time everywhere instead of
   * conflicting. `true` for a lease of 10 seconds without renewal (a holder
   * that dies frees its key within that), or `{ timeToLive }` in
   * milliseconds. Creates the table `<table>_leases`. Default: off.
   */
  lease?: boolean | { timeToLive?: number };
  /**
   * Whether statements are prepared once per connection, by name (pg's
   * `name`, postgres.js's `prepare`). Set `false` behind pgbouncer in
   * transaction mode, where named prepared statements break. Default: true.
   */
  prepare?: boolean;
  /**
   * Sweeping expired rows as the store is used: after every `every` writes
   * of this store, one statement deletes at most `batch` expired rows.
   * `false`: only `sweepExpired()` deletes them (call it from a job).
   * Default: `{ every: 100, batch: 200 }` with a `timeToLive`.
   */
  sweep?: false | { every?: number; batch?: number };
}

/** The options with their defaults applied, checked. */
export interface ResolvedOptions {
  table: string;
  timeToLive: number | undefined;
  /** Age after which a read refreshes the deadline (`undefined`: never). */
  refreshAfter: number | undefined;
  maxBytes: number;
  leaseTtl: number | undefined;
  prepare: boolean;
  sweepEvery: number;
  sweepBatch: number;
}

const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;

function positiveInteger(name: string, value: unknown): number {
  if (!(Number.isSafeInteger(value) && (value as number) > 0)) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return value as number;
}

/** Applies defaults to `options` and throws on invalid ones. */
export function resolveOptions(
  options: PostgresStorageOptions,
): ResolvedOptions {
  const {
    table = "sessions",
    timeToLive,
    refreshRatio = 0.5,
    maxBytes = DEFAULT_MAX_BYTES,
    prepare = true,
    sweep = {},
  } = options;
  if (typeof table !== "string" || table === "" || table.includes("\0")) {
    throw new TypeError(`table must be a non-empty table name, got ${table}`);
  }
  checkTimeToLive(timeToLive);
  checkRefreshRatio(refreshRatio);
  return {
    table,
    timeToLive: timeToLive === undefined ? undefined : Math.ceil(timeToLive),
    refreshAfter: timeToLive === undefined || refreshRatio >= 1
      ? undefined
      : timeToLive * refreshRatio,
    maxBytes: positiveInteger("maxBytes", maxBytes),
    leaseTtl: leaseTimeToLive(options.lease),
    prepare: prepare !== false,
    sweepEvery: sweep === false
      ? Infinity
      : positiveInteger("sweep.every", sweep.every ?? 100),
    sweepBatch: sweep === false
      ? 0
      : positiveInteger("sweep.batch", sweep.batch ?? 200),
  };
}
