// The work of PostgresStorage's methods on its table: which statement each
// one sends, with which parameters, and what its rows mean. One statement
// per read and one per write (plus, every `sweep.every` writes, one sweep).
import {
  SessionError,
  SessionStorageError,
  SessionValueError,
  type StorageOperation,
} from "../../contract/errors.ts";
import type {
  CompareAndSetResult,
  Version,
  VersionedValue,
} from "../../contract/storage_adapter.ts";
import type { Row, Runner, Statement } from "./client.ts";
import { decodeSession, encodeSession } from "./codec.ts";
import { utf8Length } from "../../values/_utf8.ts";
import type { PostgresLease } from "./lease.ts";
import { listPages } from "./listing.ts";
import type { ResolvedOptions } from "./options.ts";
import { leaseTable } from "./schema.ts";
import {
  type LeaseStatements,
  leaseStatementsFor,
  type Statements,
  statementsFor,
} from "./statements.ts";

/** A `SessionError` as it is, anything else as a `SessionStorageError`. */
export function failure(
  key: string,
  operation: StorageOperation,
  error: unknown,
): Error {
  return error instanceof SessionError
    ? error
    : new SessionStorageError(key, operation, error);
}

/** The sessions table of one store. */
export class SessionTable {
  /** Runs a statement. */
  readonly run: Runner;
  /** The options, resolved. */
  readonly options: ResolvedOptions;
  /** The statements of the sessions table. */
  readonly sql: Statements;
  /** The statements of the lease table. */
  readonly leaseSql: LeaseStatements;
  #writes = 0;

  constructor(run: Runner, options: ResolvedOptions) {
    this.run = run;
    this.options = options;
    const leases = leaseTable(options.table);
    this.sql = statementsFor(options.table, leases);
    this.leaseSql = leaseStatementsFor(leases);
  }

  async #query(
    key: string,
    operation: StorageOperation,
    statement: Statement,
    values: unknown[],
  ): Promise<Row[]> {
    try {
      return await this.run(statement, values);
    } catch (error) {
      throw failure(key, operation, error);
    }
  }

  /** The row of `key`, refreshing its deadline when due. */
  async readWithVersion(key: string): Promise<VersionedValue<unknown>> {
    const now = Date.now();
    const { timeToLive, refreshAfter } = this.options;
    const rows = timeToLive === undefined || refreshAfter === undefined
      ? await this.#query(key, "read", this.sql.read, [key])
      : await this.#query(key, "read", this.sql.readRefresh, [
        key,
        now,
        now + timeToLive,
        Math.floor(now + timeToLive - refreshAfter),
      ]);
    const row = rows[0];
    if (
      row === undefined || typeof row.value !== "string" ||
      (typeof row.expires === "number" && row.expires <= now)
    ) {
      return { value: undefined, version: null };
    }
    try {
      return { value: decodeSession(row.value), version: String(row.version) };
    } catch (error) {
      throw failure(key, "read", error);
    }
  }

  /** The text to store, or a `SessionValueError`. */
  encode(key: string, value: unknown, rewrite: boolean): string {
    if (value === undefined) {
      throw new SessionValueError(key, "the value is undefined");
    }
    const text = encodeSession(key, value);
    const { maxBytes } = this.options;
    if (!rewrite) {
      const bytes = utf8Length(text);
      if (bytes > maxBytes) {
        throw new SessionValueError(
          key,
          `it takes ${bytes} bytes as JSON text, more than maxBytes (${maxBytes})`,
        );
      }
    }
    return text;
  }

  #expires(now: number): number | null {
    const ttl = this.options.timeToLive;
    return ttl === undefined ? null : now + ttl;
  }

  /** A blind upsert. */
  async write(key: string, text: string): Promise<void> {
    const expires = this.#expires(Date.now());
    await this.#query(key, "write", this.sql.write, [key, text, expires]);
    await this.#afterWrite();
  }

  /** A blind delete. */
  async delete(key: string): Promise<void> {
    await this.#query(key, "delete", this.sql.delete, [key]);
  }

  /** Compare-and-set in one statement; see `PostgresStorage`. */
  async compareAndSet(
    key: string,
    expected: Version,
    text: string | undefined,
    lease: PostgresLease | undefined,
  ): Promise<CompareAndSetResult> {
    const operation = text === undefined ? "delete" : "write";
    const now = Date.now();
    let params: unknown[];
    let which: "insert" | "update" | "remove";
    if (text !== undefined) {
      const expires = this.#expires(now);
      which = expected === null ? "insert" : "update";
      params = expected === null
        ? [key, text, expires, now]
        : [key, text, expires, now, expected];
    } else if (expected !== null) {
      which = "remove";
      params = [key, now, expected];
    } else {
      return { ok: !(await this.has(key)), version: null };
    }
    let row: Row | undefined;
    if (lease !== undefined) {
      await lease.settleBeforeWrite();
      [row] = await this.#query(key, operation, this.sql.casLeased[which], [
        ...params,
        lease.owner,
      ]);
      lease.settleAfterWrite(row?.held === 1);
    } else {
      [row] = await this.#query(key, operation, this.sql.cas[which], params);
    }
    const version = row?.version ?? null;
    if (version === null) return { ok: false };
    if (text === undefined) return { ok: true, version: null };
    await this.#afterWrite();
    return { ok: true, version: String(version) };
  }

  async #afterWrite(): Promise<void> {
    const { sweepEvery, sweepBatch, timeToLive } = this.options;
    if (timeToLive === undefined || ++this.#writes % sweepEvery !== 0) return;
    await this.sweep(sweepBatch).catch(() => {});
  }

  /** Whether a live session is stored under `key`. */
  async has(key: string): Promise<boolean> {
    const rows = await this.#query(key, "read", this.sql.has, [
      key,
      Date.now(),
    ]);
    return rows.length > 0;
  }

  /** Deletes at most `limit` expired sessions (and free lease rows). */
  async sweep(limit: number): Promise<number> {
    const now = Date.now();
    const [row] = await this.run(this.sql.sweep, [now, limit]);
    if (this.options.leaseTtl !== undefined) {
      await this.run(this.leaseSql.sweep, [now, limit]);
    }
    return Number(row?.swept ?? 0);
  }

  /** The keys of live sessions, in order, a page at a time. */
  async *keys(): AsyncGenerator<string, void, undefined> {
    const pages = listPages(this.run, this.sql.pageKeys, this.options.table);
    for await (const row of pages) yield String(row.key);
  }

  /** The live sessions, in key order, a page at a time. */
  async *entries(): AsyncGenerator<[string, unknown], void, undefined> {
    const pages = listPages(this.run, this.sql.pageEntries, this.options.table);
    for await (const row of pages) {
      const key = String(row.key);
      let value: unknown;
      try {
        value = decodeSession(String(row.value));
      } catch (error) {
        throw failure(key, "read", error);
      }
      yield [key, value];
    }
  }
}
