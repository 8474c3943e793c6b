// The public PostgreSQL session store: its API and documentation. Each
// method delegates to `_session_table.ts` (which statement, which rows); the
// SQL is in `statements.ts`, the schema `create` ensures in `schema.ts`, the
// value encoding in `codec.ts`, the lease in `lease.ts`, listing in
// `listing.ts`.
import type {
  AcquireLeaseOptions,
  CompareAndSetResult,
  SessionLease,
  StorageAdapter,
  Version,
  VersionedValue,
  WriteOptions,
} from "../../contract/storage_adapter.ts";
import { isRewrite, REWRITE } from "../../contract/_rewrite.ts";
import { type PostgresClient, runnerFor } from "./client.ts";
import { PostgresLease, takeLease } from "./lease.ts";
import {
  type PostgresStorageOptions,
  type ResolvedOptions,
  resolveOptions,
} from "./options.ts";
import { ensureSchema } from "./schema.ts";
import { failure, SessionTable } from "./_session_table.ts";

export type { PgClientLike, PostgresClient, PostgresJsLike } from "./client.ts";
export type { PostgresStorageOptions } from "./options.ts";

const CREATE: unique symbol = Symbol("PostgresStorage.create");

/**
 * Stores sessions in a PostgreSQL table, one row per session: `key`,
 * `value` (the session as JSON text) and `expires_at`. The table of
 * `@grammyjs/storage-psql` is read and written in place, while an old bot
 * still uses it (see `docs/postgres.md`).
 *
 * - Every write is a compare-and-set in one SQL statement: an `UPDATE` that
 *   checks the row's `xmin` (PostgreSQL's own row version, new on every
 *   write, whoever makes it), or an insert if absent. A session changed by
 *   another process since it was read is never overwritten: the session
 *   middleware raises a `SessionConflictError`.
 * - A session JSON keeps exactly is stored as plain JSON; others (Date,
 *   Map, Set, bigint, binary data, `undefined` members, ...) in a tagged
 *   envelope (`codec.ts`).
 * - With `timeToLive`, expired rows are never returned; they are deleted in
 *   bounded batches as the store is used, or by
 *   {@linkcode PostgresStorage.sweepExpired}.
 * - With `lease`, updates of one chat run one at a time across processes.
 *
 * @example With pg
 * ```ts ignore
 * import pg from "pg";
 * import { PostgresStorage } from "@sessionkit/grammy/postgres";
 *
 * const pool = new pg.Pool({ connectionString: Deno.env.get("DATABASE_URL") });
 * const storage = await PostgresStorage.create<{ count: number }>(pool);
 * await storage.write("42", { count: 1 });
 * ```
 *
 * @typeParam S The type of the session data.
 */
export class PostgresStorage<S> implements StorageAdapter<S> {
  /** The table of the sessions. */
  readonly table: string;
  /** Time to live of a session in milliseconds (`undefined`: forever). */
  readonly timeToLive: number | undefined;
  /** The largest value a write accepts, in bytes of UTF-8 text. */
  readonly maxBytes: number;
  /** The schema changes `create` made (SQL), empty if none were needed. */
  readonly schemaChanges: readonly string[];
  /**
   * With the option `lease`: takes the lease of a session key across all
   * processes sharing the table, waiting while another update holds it.
   * The session middleware calls it; the lease is given back in the
   * statement that writes the session, or by `release()`.
   */
  readonly acquireLease?: (
    key: string,
    options?: AcquireLeaseOptions,
  ) => Promise<SessionLease>;
  /** Writes of stored data put back are not held to `maxBytes`. */
  readonly [REWRITE] = true;

  readonly #table: SessionTable;

  /**
   * Use {@linkcode PostgresStorage.create}.
   *
   * @param token Private.
   * @param table Private.
   * @param changes Private.
   */
  private constructor(token: symbol, table: SessionTable, changes: string[]) {
    if (token !== CREATE) {
      throw new TypeError("Use `await PostgresStorage.create(client)`");
    }
    this.#table = table;
    const options: ResolvedOptions = table.options;
    this.table = options.table;
    this.timeToLive = options.timeToLive;
    this.maxBytes = options.maxBytes;
    this.schemaChanges = Object.freeze(changes);
    const ttl = options.leaseTtl;
    if (ttl !== undefined) {
      this.acquireLease = (key, lease) =>
        takeLease(this, table.run, table.leaseSql, key, ttl, lease).catch(
          (error) => {
            throw failure(key, "read", error);
          },
        );
    }
  }

  /**
   * Creates a store over `client` and makes sure the table has what it
   * needs (see `docs/postgres.md`: every change is additive).
   *
   * @param client A `pg` `Pool` or connected `Client`, or a postgres.js
   * `sql`. Anything else rejects with a `TypeError` naming what it got.
   * @param options The table, time to live, lease, size limit and more.
   * @returns The store.
   *
   * @example
   * ```ts ignore
   * import postgres from "postgres";
   * import { PostgresStorage } from "@sessionkit/grammy/postgres";
   *
   * const sql = postgres(Deno.env.get("DATABASE_URL")!);
   * const storage = await PostgresStorage.create(sql, { lease: true });
   * ```
   *
   * @example What is not a client is refused
   * ```ts
   * import assert from "node:assert/strict";
   * import { PostgresStorage } from "../../../postgres.ts";
   *
   * const url = "postgres://localhost/bot";
   * const error = await PostgresStorage.create(url as never).catch((e) => e);
   * assert(error instanceof TypeError);
   * assert(error.message.startsWith("PostgresStorage got a string"));
   * ```
   */
  static async create<S>(
    client: PostgresClient,
    options: PostgresStorageOptions = {},
  ): Promise<PostgresStorage<S>> {
    const resolved = resolveOptions(options);
    const run = runnerFor(client, resolved.prepare);
    let changes: string[];
    try {
      changes = await ensureSchema(run, resolved.table, {
        expiryIndex: resolved.timeToLive !== undefined,
        leases: resolved.leaseTtl !== undefined,
      });
    } catch (error) {
      throw new Error(
        `PostgresStorage could not prepare the table "${resolved.table}": ${
          (error as Error)?.message ?? error
        }`,
        { cause: error },
      );
    }
    return new PostgresStorage<S>(
      CREATE,
      new SessionTable(run, resolved),
      changes,
    );
  }

  /** Reads a session; `undefined` if there is none or it expired. */
  async read(key: string): Promise<S | undefined> {
    return (await this.readWithVersion(key)).value;
  }

  /**
   * Reads a session with its version (the row's `xmin`), in one statement
   * (which also refreshes the deadline when due).
   */
  async readWithVersion(key: string): Promise<VersionedValue<S>> {
    return await this.#table.readWithVersion(key) as VersionedValue<S>;
  }

  #ownLease(options: WriteOptions | undefined): PostgresLease | undefined {
    const lease = options?.lease;
    return lease instanceof PostgresLease && lease.maker === this
      ? lease
      : undefined;
  }

  /**
   * Stores a session, replacing what was there (one upsert).
   *
   * @throws {SessionValueError} if the value cannot be stored or is larger
   * than `maxBytes`. Nothing was written.
   */
  async write(key: string, value: S, options?: WriteOptions): Promise<void> {
    const text = this.#table.encode(key, value, isRewrite(options));
    const lease = this.#ownLease(options);
    await lease?.settleBeforeWrite();
    await this.#table.write(key, text);
    await lease?.release().catch(() => {});
  }

  /** Deletes a session. */
  async delete(key: string, options?: WriteOptions): Promise<void> {
    const lease = this.#ownLease(options);
    await lease?.settleBeforeWrite();
    await this.#table.delete(key);
    await lease?.release().catch(() => {});
  }

  /**
   * Writes (or, with `value` `undefined`, deletes) a session only if its
   * version is still `expected` (`null`: still absent), in one statement.
   * With this store's lease among the options, the same statement gives the
   * lease back, and writes only if the update still holds it.
   *
   * @throws {SessionValueError} as {@linkcode PostgresStorage.write}.
   */
  async compareAndSet(
    key: string,
    expected: Version,
    value: S | undefined,
    options?: WriteOptions,
  ): Promise<CompareAndSetResult> {
    const text = value === undefined
      ? undefined
      : this.#table.encode(key, value, isRewrite(options));
    return await this.#table.compareAndSet(
      key,
      expected,
      text,
      this.#ownLease(options),
    );
  }

  /** Tells whether a live (not expired) session is stored under `key`. */
  async has(key: string): Promise<boolean> {
    return await this.#table.has(key);
  }

  /**
   * Deletes at most `limit` expired sessions in one statement (and as many
   * free lease rows in another); call it from a job to sweep a table that is
   * rarely written. The store also sweeps as it is used (option `sweep`).
   *
   * @param limit The most rows deleted.
   * @returns How many expired sessions were deleted.
   */
  async sweepExpired(limit = 1000): Promise<number> {
    return await this.#table.sweep(limit);
  }

  /** Lists the keys of all live sessions, in key order, a page at a time. */
  async *readAllKeys(): AsyncGenerator<string, void, undefined> {
    yield* this.#table.keys();
  }

  /** Lists the values of all live sessions, in key order. */
  async *readAllValues(): AsyncGenerator<S, void, undefined> {
    for await (const [, value] of this.#table.entries()) yield value as S;
  }

  /** Lists all live sessions as `[key, value]` pairs, in key order. */
  async *readAllEntries(): AsyncGenerator<[key: string, value: S], void> {
    yield* this.#table.entries() as AsyncGenerator<[string, S]>;
  }
}
