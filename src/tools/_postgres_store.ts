// The session tools on PostgreSQL: a `postgres://` (or `postgresql://`) URL
// opens a `PostgresStorage` over a pg Pool. The table is the prefix's one
// string (default `["sessions"]`). pg is loaded from npm when a URL asks
// for it, so the tools need it only then. The URL's password is never
// shown: messages name the URL with the password masked.
import type { KvKey } from "../stores/kv/kv_like.ts";
import {
  type PostgresClient,
  PostgresStorage,
} from "../stores/postgres/postgres_storage.ts";

/** Whether `location` is a PostgreSQL URL. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/**
 * `url` with its password replaced by `***`, for messages.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { maskPassword } from "./_postgres_store.ts";
 *
 * assert.equal(
 *   maskPassword("postgres://bot:s3cret@db:5432/app"),
 *   "postgres://bot:***@db:5432/app",
 * );
 * ```
 */
export function maskPassword(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:@/]*):[^@/]*@/i, "$1:***@");
}

interface PgModule {
  Pool: new (config: { connectionString: string }) => PostgresClient & {
    end(): Promise<void>;
    on(event: "error", listener: () => void): unknown;
  };
}

/** The sessions a PostgreSQL URL opens, in the shape of `OpenStore`. */
export async function openPostgres(location: string, prefix: KvKey) {
  const shown = maskPassword(location);
  const password = location.match(/^[a-z]+:\/\/[^:@/]*:([^@/]*)@/i)?.[1];
  const hide = (text: string) =>
    password ? text.replaceAll(password, "***") : text;
  const [table, ...rest] = prefix;
  if (typeof table !== "string" || rest.length > 0) {
    throw new Error(
      `On PostgreSQL --prefix names the table: one string, such as ["sessions"], got ${
        JSON.stringify(prefix.map(String))
      }`,
    );
  }
  // Not a literal, so that only a PostgreSQL URL loads pg.
  const specifier = "npm:pg@^8";
  let pg: PgModule;
  try {
    pg = ((await import(specifier)) as { default: PgModule }).default;
  } catch (error) {
    throw new Error(
      `Cannot load the PostgreSQL client (${specifier}): ${
        (error as Error).message
      }`,
    );
  }
  const pool = new pg.Pool({ connectionString: location });
  pool.on("error", () => {});
  const create = (timeToLive?: number) =>
    PostgresStorage.create<unknown>(pool, {
      table,
      ...(timeToLive === undefined ? {} : { timeToLive, refreshRatio: 1 }),
    }).catch((error) => {
      throw new Error(
        `Cannot open PostgreSQL at ${shown}: ${hide(String(error?.message))}`,
      );
    });
  let storage: PostgresStorage<unknown>;
  try {
    storage = await create();
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  return {
    storage,
    expiring: (timeToLive: number) => later(() => create(timeToLive)),
    location: shown,
    prefix,
    [Symbol.dispose]: () => void pool.end().catch(() => {}),
  };
}

// A store made on first use (`create` is async, `expiring` is not).
function later(
  make: () => Promise<PostgresStorage<unknown>>,
): PostgresStorage<unknown> {
  let made: Promise<PostgresStorage<unknown>> | undefined;
  const get = () => made ??= make();
  const call = (name: string) => async (...args: unknown[]) => {
    const store = await get() as unknown as Record<
      string,
      (...a: unknown[]) => unknown
    >;
    return await store[name]!(...args);
  };
  const list = (name: string) =>
    async function* (): AsyncGenerator<unknown> {
      const store = await get() as unknown as Record<
        string,
        () => AsyncIterable<unknown>
      >;
      yield* store[name]!();
    };
  return {
    read: call("read"),
    write: call("write"),
    delete: call("delete"),
    has: call("has"),
    readWithVersion: call("readWithVersion"),
    compareAndSet: call("compareAndSet"),
    readAllKeys: list("readAllKeys"),
    readAllValues: list("readAllValues"),
    readAllEntries: list("readAllEntries"),
  } as unknown as PostgresStorage<unknown>;
}
