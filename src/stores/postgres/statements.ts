// Every SQL statement PostgresStorage sends, built once per table. The
// version of a row is PostgreSQL's own `xmin` (the transaction that wrote
// the row version): it changes on every write, whoever makes it, so an old
// bot's storage-psql upsert is seen as a change too. Times are milliseconds
// since the epoch from the client's clock, in `expires_at` (BIGINT, NULL:
// never expires).
import type { Statement } from "./client.ts";

/** Quotes an identifier for SQL. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

// A short stable name for a statement's text (FNV-1a), so that two stores
// over different tables never share a prepared statement name.
function nameOf(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  }
  return `sessionkit_${hash.toString(16).padStart(8, "0")}_${text.length}`;
}

function statement(text: string): Statement {
  const compact = text.replace(/\s+/g, " ").trim();
  return { text: compact, name: nameOf(compact) };
}

const LIVE = "(expires_at IS NULL OR expires_at > $2::bigint)";

/**
 * The compare-and-set writes, with or without the release of a lease (then
 * the lease's owner is one more parameter, after the others).
 */
export interface WriteStatements {
  /** `$1` key, `$2` value, `$3` expires, `$4` now: insert if absent. */
  insert: Statement;
  /** `$1` key, `$2` value, `$3` expires, `$4` now, `$5` version. */
  update: Statement;
  /** `$1` key, `$2` now, `$3` version. */
  remove: Statement;
}

/** The statements of one table. */
export interface Statements {
  /** `$1` key, `$2` now: the row, expired or not. */
  read: Statement;
  /** `$1` key, `$2` now, `$3` new deadline, `$4` refresh if before. */
  readRefresh: Statement;
  /** `$1` key, `$2` now: whether a live session is stored. */
  has: Statement;
  /** `$1` key, `$2` value, `$3` expires: a blind upsert. */
  write: Statement;
  /** `$1` key. */
  delete: Statement;
  /** Plain compare-and-set writes. */
  cas: WriteStatements;
  /** The same, releasing the lease (`$6` owner) in the same statement. */
  casLeased: WriteStatements;
  /** `$1` after this key (or NULL), `$2` now, `$3` limit: keys in order. */
  pageKeys: Statement;
  /** As `pageKeys`, with values. */
  pageEntries: Statement;
  /** `$1` now, `$2` limit: deletes at most that many expired rows. */
  sweep: Statement;
}

/**
 * Builds the statements of `table` (lease statements: {@linkcode
 * leaseStatements}).
 */
export function statementsFor(table: string, leases: string): Statements {
  const t = quoteIdent(table);
  const l = quoteIdent(leases);
  // `$1` key, `$2` value, `$3` expires, `$4` now.
  const insert = (guard: string) =>
    `INSERT INTO ${t} AS t (key, value, expires_at)
     SELECT $1::varchar, $2::text, $3::bigint ${guard}
     ON CONFLICT (key) DO UPDATE
     SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at
     WHERE t.value IS NULL OR t.expires_at <= $4::bigint
     RETURNING xmin::text AS version`;
  const update = (guard: string) =>
    `UPDATE ${t} SET value = $2::text, expires_at = $3::bigint
     WHERE key = $1::varchar AND xmin = $5::text::xid AND value IS NOT NULL
       AND (expires_at IS NULL OR expires_at > $4::bigint) ${guard}
     RETURNING xmin::text AS version`;
  const remove = (guard: string) =>
    `DELETE FROM ${t}
     WHERE key = $1::varchar AND xmin = $3::text::xid AND value IS NOT NULL
       AND (expires_at IS NULL OR expires_at > $2::bigint) ${guard}
     RETURNING 'deleted' AS version`;
  // The lease is given back in the statement that writes: the write happens
  // only if this update still holds it (`$<owner>` is its owner).
  const leased = (write: string, owner: number) =>
    `WITH released AS (
       UPDATE ${l} SET owner = '', until = 0
       WHERE key = $1::varchar AND owner = $${owner}::text RETURNING 1),
     written AS (${write})
     SELECT (SELECT count(*) FROM released)::int AS held,
            (SELECT version FROM written) AS version`;
  const withLease = "AND EXISTS (SELECT 1 FROM released)";
  const whereLease = "WHERE EXISTS (SELECT 1 FROM released)";
  return {
    read: statement(
      `SELECT value, xmin::text AS version, expires_at::float8 AS expires
       FROM ${t} WHERE key = $1::varchar`,
    ),
    readRefresh: statement(
      `WITH refreshed AS (
         UPDATE ${t} SET expires_at = $3::bigint
         WHERE key = $1::varchar AND value IS NOT NULL
           AND expires_at > $2::bigint AND expires_at <= $4::bigint
         RETURNING value, xmin::text AS version, expires_at::float8 AS expires)
       SELECT * FROM refreshed
       UNION ALL
       SELECT value, xmin::text, expires_at::float8 FROM ${t}
       WHERE key = $1::varchar AND NOT EXISTS (SELECT 1 FROM refreshed)`,
    ),
    has: statement(
      `SELECT 1 AS live FROM ${t}
       WHERE key = $1::varchar AND value IS NOT NULL AND ${LIVE}`,
    ),
    write: statement(
      `INSERT INTO ${t} AS t (key, value, expires_at)
       VALUES ($1::varchar, $2::text, $3::bigint)
       ON CONFLICT (key) DO UPDATE
       SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at`,
    ),
    delete: statement(`DELETE FROM ${t} WHERE key = $1::varchar`),
    cas: {
      insert: statement(insert("")),
      update: statement(update("")),
      remove: statement(remove("")),
    },
    casLeased: {
      insert: statement(leased(insert(whereLease), 5)),
      update: statement(leased(update(withLease), 6)),
      remove: statement(leased(remove(withLease), 4)),
    },
    pageKeys: statement(
      `SELECT key FROM ${t}
       WHERE ($1::varchar IS NULL OR key > $1::varchar)
         AND value IS NOT NULL AND ${LIVE}
       ORDER BY key LIMIT $3::int`,
    ),
    pageEntries: statement(
      `SELECT key, value FROM ${t}
       WHERE ($1::varchar IS NULL OR key > $1::varchar)
         AND value IS NOT NULL AND ${LIVE}
       ORDER BY key LIMIT $3::int`,
    ),
    sweep: statement(
      `WITH swept AS (
         DELETE FROM ${t} WHERE key IN (
           SELECT key FROM ${t} WHERE expires_at <= $1::bigint
           LIMIT $2::int FOR UPDATE SKIP LOCKED)
         AND expires_at <= $1::bigint RETURNING 1)
       SELECT count(*)::int AS swept FROM swept`,
    ),
  };
}

/** The statements of the lease table. */
export interface LeaseStatements {
  /**
   * `$1` key, `$2` owner, `$3` now, `$4` until, `$5` waiting since, `$6` how
   * long a claim outlives the lease: takes a free lease, or claims the next
   * turn of a held one, if no older waiter has claimed it.
   */
  take: Statement;
  /** `$1` key: the lease row. */
  peek: Statement;
  /** `$1` key, `$2` owner, `$3` until. */
  renew: Statement;
  /** `$1` key, `$2` owner. */
  release: Statement;
  /** `$1` now, `$2` limit: deletes free rows with no live claim. */
  sweep: Statement;
}

/** Builds the statements of the lease table `leases`. */
export function leaseStatementsFor(leases: string): LeaseStatements {
  const l = quoteIdent(leases);
  const free = "l.until <= $3::bigint";
  return {
    take: statement(
      `INSERT INTO ${l} AS l (key, owner, until)
       VALUES ($1::varchar, $2::text, $4::bigint)
       ON CONFLICT (key) DO UPDATE SET
         owner = CASE WHEN ${free} THEN $2::text ELSE l.owner END,
         until = CASE WHEN ${free} THEN $4::bigint ELSE l.until END,
         next_owner = CASE WHEN ${free} THEN NULL ELSE $2::text END,
         next_until = CASE WHEN ${free} THEN NULL
           ELSE GREATEST(l.until, $3::bigint) + $6::bigint END,
         next_since = CASE WHEN ${free} THEN NULL ELSE $5::bigint END
       WHERE l.next_owner IS NULL OR l.next_until <= $3::bigint
         OR l.next_owner = $2::text OR l.next_since > $5::bigint
         OR (l.next_since = $5::bigint AND l.next_owner > $2::text)
       RETURNING owner = $2::text AS taken`,
    ),
    peek: statement(
      `SELECT owner, until::float8 AS until, next_owner,
         next_until::float8 AS next_until, next_since::float8 AS next_since
       FROM ${l} WHERE key = $1::varchar`,
    ),
    renew: statement(
      `UPDATE ${l} SET until = $3::bigint
       WHERE key = $1::varchar AND owner = $2::text RETURNING 1 AS ok`,
    ),
    release: statement(
      `UPDATE ${l} SET owner = '', until = 0
       WHERE key = $1::varchar AND owner = $2::text`,
    ),
    sweep: statement(
      `WITH swept AS (
         DELETE FROM ${l} WHERE key IN (
           SELECT key FROM ${l} WHERE until <= $1::bigint
             AND (next_until IS NULL OR next_until <= $1::bigint)
           LIMIT $2::int FOR UPDATE SKIP LOCKED)
         AND until <= $1::bigint RETURNING 1)
       SELECT count(*)::int AS swept FROM swept`,
    ),
  };
}
