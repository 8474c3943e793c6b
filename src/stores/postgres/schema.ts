// What `PostgresStorage.create` makes sure of in the database. Every change
// is additive and idempotent, and leaves a table of `@grammyjs/storage-psql`
// usable by an old bot that still writes it:
//
// - the table (`"key" VARCHAR NOT NULL, "value" TEXT`, as storage-psql
//   creates it) if it does not exist, with the column below;
// - a unique index on `key` if the table has none (named as storage-psql
//   names it, so an old bot's `create()` finds it);
// - the column `expires_at BIGINT` (NULL: never expires), added with no
//   default, which PostgreSQL does without rewriting the table; an old
//   bot's `INSERT (key, value)` leaves it NULL and its `SELECT *` gets one
//   more column, which it ignores;
// - with `timeToLive`, a partial index on `expires_at` for sweeping;
// - with `lease`, the table `<table>_leases`.
//
// One catalog query tells what exists; only what is missing is created.
// Several processes starting at once may race on a `CREATE ... IF NOT
// EXISTS`: a failure is checked against the catalog again.
import type { Row, Runner, Statement } from "./client.ts";
import { quoteIdent } from "./statements.ts";

function once(text: string): Statement {
  return { text, name: "" };
}

/** The name of the table of leases of sessions in `table`. */
export function leaseTable(table: string): string {
  return `${table}_leases`;
}

// storage-psql names its index `IDX_<table>` unquoted, which PostgreSQL
// folds to lower case; a table name that is no plain identifier gets ours.
function keyIndexName(table: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(table)
    ? `idx_${table.toLowerCase()}`
    : `${table}_key`;
}

interface Found {
  table: boolean;
  unique: boolean;
  expires: boolean;
  expiryIndex: boolean;
  leases: boolean;
}

async function inspect(run: Runner, table: string): Promise<Found> {
  const [row] = await run(
    once(
      `SELECT to_regclass($1) IS NOT NULL AS table,
        EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a
          ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
          WHERE i.indrelid = to_regclass($1) AND i.indisunique
            AND i.indnatts = 1 AND i.indpred IS NULL AND a.attname = 'key'
        ) AS unique,
        EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass($1)
          AND attname = 'expires_at' AND NOT attisdropped) AS expires,
        to_regclass($2) IS NOT NULL AS expiry_index,
        to_regclass($3) IS NOT NULL AS leases`,
    ),
    [
      quoteIdent(table),
      quoteIdent(`${table}_expires_at`),
      quoteIdent(leaseTable(table)),
    ],
  ) as [Row];
  return {
    table: row.table === true,
    unique: row.unique === true,
    expires: row.expires === true,
    expiryIndex: row.expiry_index === true,
    leases: row.leases === true,
  };
}

/**
 * Creates what is missing for a store over `table`.
 *
 * @returns The changes made (SQL), empty if none were needed.
 */
export async function ensureSchema(
  run: Runner,
  table: string,
  needs: { expiryIndex: boolean; leases: boolean },
): Promise<string[]> {
  const t = quoteIdent(table);
  const steps: [keyof Found, string][] = [
    [
      "table",
      `CREATE TABLE IF NOT EXISTS ${t} ("key" VARCHAR NOT NULL, "value" TEXT, "expires_at" BIGINT)`,
    ],
    [
      "unique",
      `CREATE UNIQUE INDEX IF NOT EXISTS ${
        quoteIdent(keyIndexName(table))
      } ON ${t} ("key")`,
    ],
    [
      "expires",
      `ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS "expires_at" BIGINT`,
    ],
  ];
  if (needs.expiryIndex) {
    steps.push([
      "expiryIndex",
      `CREATE INDEX IF NOT EXISTS ${
        quoteIdent(`${table}_expires_at`)
      } ON ${t} ("expires_at") WHERE "expires_at" IS NOT NULL`,
    ]);
  }
  if (needs.leases) {
    steps.push([
      "leases",
      `CREATE TABLE IF NOT EXISTS ${quoteIdent(leaseTable(table))} (
        "key" VARCHAR PRIMARY KEY, "owner" TEXT NOT NULL,
        "until" BIGINT NOT NULL, "next_owner" TEXT, "next_until" BIGINT,
        "next_since" BIGINT)`,
    ]);
  }
  let found = await inspect(run, table);
  const done: string[] = [];
  for (const [what, sql] of steps) {
    if (found[what]) continue;
    try {
      await run(once(sql), []);
      done.push(sql);
    } catch (error) {
      // Another process may have made it at the same time.
      found = await inspect(run, table);
      if (!found[what]) throw error;
    }
  }
  return done;
}
