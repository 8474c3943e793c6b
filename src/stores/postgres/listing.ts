// Listing pages by key: each page is one statement that starts after the
// last key of the page before (`key > $1 ORDER BY key LIMIT n`, through the
// unique index on `key`), so the table is never loaded whole, and a listing
// that runs while other processes write sees every session that exists
// from its start to its end exactly once.
import { SessionStorageError } from "../../contract/errors.ts";
import type { Row, Runner, Statement } from "./client.ts";

/** Rows per page. */
export const PAGE_SIZE = 500;

/** Yields the rows of `statement` (`$1` after, `$2` now, `$3` limit). */
export async function* listPages(
  run: Runner,
  statement: Statement,
  table: string,
): AsyncGenerator<Row, void, undefined> {
  let after: string | null = null;
  for (;;) {
    let rows: Row[];
    try {
      rows = await run(statement, [after, Date.now(), PAGE_SIZE]);
    } catch (error) {
      throw new SessionStorageError(
        after === null ? `(first page of ${table})` : `(after ${after})`,
        "read",
        error,
      );
    }
    yield* rows;
    if (rows.length < PAGE_SIZE) return;
    after = String(rows[rows.length - 1]!.key);
  }
}
