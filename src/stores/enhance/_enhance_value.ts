// This module is browser compatible.
// The value envelope of `enhanceStorage`: how a session is stored
// (`{ __d, v, e }`, grammY's shape), and its encoding and decoding: expiry,
// the migrations a read runs, and whether a read must write the record back.

import {
  type MigrationList,
  pendingMigrations,
  runMigrations,
} from "./_migrations.ts";

/**
 * How an enhanced storage stores a session: the data in `__d`, the migration
 * version in `v`, and the expiry time (ms since the epoch) in `e`. The same
 * shape as grammY's, so data written by grammY's `enhanceStorage` reads here.
 */
export interface Enhance<T> {
  /** The version of the data (the last migration applied). */
  v?: number;
  /** The session data. */
  __d: T;
  /** When the session expires, in milliseconds since the epoch. */
  e?: number;
}

/** What a stored value means for a read. */
export interface Decoded<T> {
  /** The data after migrations, or undefined if absent or expired. */
  data: T | undefined;
  expired: boolean;
  /**
   * The record to write back, if it needs one: the migrated data (so that
   * migrations run once per session), or the same data with a new expiry.
   */
  rewrite: Enhance<T> | undefined;
}

function isEnhance(value: unknown): value is Enhance<unknown> {
  return typeof value === "object" && value !== null && "__d" in value;
}

/** Encodes and decodes the records of one enhanced storage. */
export class EnhanceCodec<T> {
  constructor(
    /** The time to live, or `undefined` if sessions do not expire. */
    readonly ttl: number | undefined,
    /** After how many ms of its life a read session is refreshed. */
    readonly refreshAfter: number,
    /** The migrations, sorted by version. */
    readonly migrations: MigrationList,
  ) {}

  get #latest(): number | undefined {
    return this.migrations[this.migrations.length - 1]?.[0];
  }

  /** The record of `data`: the latest version, and a new expiry. */
  encode(data: T): Enhance<T> {
    const record: Enhance<T> = { __d: data };
    const latest = this.#latest;
    if (latest !== undefined) record.v = latest;
    if (this.ttl !== undefined) record.e = Date.now() + this.ttl;
    return record;
  }

  /**
   * The record in `raw` (legacy values without `__d` are data), or
   * `undefined` if there is none or it expired.
   */
  live(raw: unknown): Enhance<T> | undefined {
    if (raw === undefined) return undefined;
    const record = (isEnhance(raw) ? raw : { __d: raw }) as Enhance<T>;
    const expired = this.ttl !== undefined && record.e !== undefined &&
      record.e < Date.now();
    return expired ? undefined : record;
  }

  /** What the stored value `raw` means for a read. */
  decode(raw: unknown): Decoded<T> {
    const record = this.live(raw);
    if (record === undefined) {
      return {
        data: undefined,
        expired: raw !== undefined,
        rewrite: undefined,
      };
    }
    const pending = pendingMigrations(this.migrations, record.v);
    if (pending.length > 0) {
      const data = runMigrations(pending, record.__d);
      // Stored back at the latest version, so it is migrated only once.
      return {
        data: data as T,
        expired: false,
        rewrite: this.encode(data as T),
      };
    }
    let rewrite: Enhance<T> | undefined;
    if (this.ttl !== undefined) {
      const now = Date.now();
      const writtenAt = record.e === undefined
        ? -Infinity
        : record.e - this.ttl;
      if (now - writtenAt >= this.refreshAfter) {
        rewrite = { ...record, e: now + this.ttl };
      }
    }
    return { data: record.__d, expired: false, rewrite };
  }
}
