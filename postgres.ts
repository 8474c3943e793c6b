/**
 * Sessions in PostgreSQL: `PostgresStorage`, over a `pg` Pool or Client or a
 * postgres.js `sql`, with compare-and-set writes, expiry, listing, a lease
 * across processes, and the table of `@grammyjs/storage-psql` read in place.
 * Runs wherever the client runs (Node.js, Deno, Bun). See
 * `docs/postgres.md`.
 *
 * @example
 * ```ts ignore
 * import pg from "pg";
 * import { session } from "@sessionkit/grammy";
 * import { PostgresStorage } from "@sessionkit/grammy/postgres";
 *
 * const pool = new pg.Pool({ connectionString: Deno.env.get("DATABASE_URL") });
 * const storage = await PostgresStorage.create<{ count: number }>(pool);
 * // bot.use(session({ initial: () => ({ count: 0 }), storage }));
 * ```
 *
 * @module
 */
export {
  type PgClientLike,
  type PostgresClient,
  type PostgresJsLike,
  PostgresStorage,
  type PostgresStorageOptions,
} from "./src/stores/postgres/postgres_storage.ts";
export type {
  AcquireLeaseOptions,
  CompareAndSetResult,
  MaybePromise,
  SessionLease,
  StorageAdapter,
  Version,
  VersionedValue,
  WriteOptions,
} from "./src/contract/storage_adapter.ts";
export * from "./src/contract/errors.ts";
