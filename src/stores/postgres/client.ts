// The PostgreSQL clients PostgresStorage accepts, typed by what it calls
// (neither is a dependency), and one way to run a statement on either.

/**
 * A `pg` (node-postgres) `Pool` or connected `Client`: anything with
 * `query({ text, values, name })` answering `{ rows, rowCount }`.
 */
export interface PgClientLike {
  /** Runs one statement (`name`: as a named prepared statement). */
  query(config: {
    text: string;
    values?: unknown[];
    name?: string;
  }): Promise<{ rows: unknown[]; rowCount?: number | null }>;
}

/**
 * A postgres.js `sql` (the function `postgres(url)` returns): what is used
 * of it is `sql.unsafe(text, parameters, { prepare })`.
 */
export interface PostgresJsLike {
  /** Runs one statement with parameters. */
  unsafe(
    query: string,
    parameters?: never[],
    options?: { prepare?: boolean },
  ): PromiseLike<unknown>;
}

/** The clients `PostgresStorage.create` accepts. */
export type PostgresClient = PgClientLike | PostgresJsLike;

/** One row, by column name. */
export type Row = Record<string, unknown>;

/** A statement with a stable name, for prepared statements. */
export interface Statement {
  /** The SQL text, with `$1`-style parameters. */
  text: string;
  /** A name unique to the text (used when preparing; `""`: never prepared). */
  name: string;
}

/** Runs one statement; resolves to its rows. */
export type Runner = (
  statement: Statement,
  values: unknown[],
) => Promise<Row[]>;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value !== "object" && typeof value !== "function") {
    return `a ${typeof value}`;
  }
  const name = (value as { constructor?: { name?: unknown } }).constructor
    ?.name;
  return typeof name === "string" && name !== "" && name !== "Object" &&
      name !== "Function"
    ? `a ${name}`
    : typeof value === "function"
    ? "a function without unsafe()"
    : "an object without query()";
}

const EXPECTED =
  "a pg Pool or connected Client (npm:pg), or a postgres.js sql (npm:postgres)";

/**
 * Tells which client `client` is and gives a runner over it; anything else
 * is a `TypeError` naming what it got.
 *
 * @param client What the user passed.
 * @param prepare Whether statements are prepared (named) on the server.
 */
export function runnerFor(client: unknown, prepare: boolean): Runner {
  if (
    client instanceof Promise ||
    typeof (client as { then?: unknown } | null)?.then === "function"
  ) {
    throw new TypeError(
      `PostgresStorage got a Promise, expected ${EXPECTED}: did you forget await?`,
    );
  }
  if (
    typeof client === "function" &&
    typeof (client as { unsafe?: unknown }).unsafe === "function"
  ) {
    const sql = client as unknown as PostgresJsLike;
    return async (statement, values) =>
      await sql.unsafe(statement.text, values as never[], {
        prepare: prepare && statement.name !== "",
      }) as Row[];
  }
  if (
    typeof client === "object" && client !== null &&
    typeof (client as { query?: unknown }).query === "function"
  ) {
    const pg = client as PgClientLike;
    return async (statement, values) => {
      const config = prepare && statement.name !== ""
        ? { text: statement.text, values, name: statement.name }
        : { text: statement.text, values };
      return (await pg.query(config)).rows as Row[];
    };
  }
  throw new TypeError(
    `PostgresStorage got ${describe(client)}, expected ${EXPECTED}`,
  );
}
