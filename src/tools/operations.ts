/**
 * The operations of the session tools as functions for scripts: export the
 * sessions of one store, import them into another, or both at once, between
 * any two `StorageAdapter`s (grammY's adapters included) that can list their
 * sessions. The CLI and the inspector page are built on these.
 *
 * @module
 */
import type { StorageAdapter } from "../contract/storage_adapter.ts";
import type { SessionRecord } from "./ndjson.ts";
import { readSessionInfo } from "./session_info.ts";

/**
 * Reads every session of a store, streaming, with its expiry when the store
 * reports it (`readInfo`, as the Deno KV store has).
 *
 * @throws {TypeError} If the store cannot list its sessions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemorySessionStorage } from "../../mod.ts";
 * import { exportSessions } from "./operations.ts";
 *
 * const storage = new MemorySessionStorage<number>();
 * storage.write("a", 1);
 * const records = await Array.fromAsync(exportSessions(storage));
 * assert.deepEqual(records, [{ key: "a", value: 1 }]);
 * ```
 */
export async function* exportSessions<T>(
  storage: StorageAdapter<T>,
): AsyncGenerator<SessionRecord, void, undefined> {
  const hasInfo = typeof (storage as { readInfo?: unknown }).readInfo ===
    "function";
  const withExpiry = async (key: string, value: T): Promise<SessionRecord> => {
    const record: SessionRecord = { key, value };
    if (!hasInfo) return record;
    const expiresAt = (await readSessionInfo(storage, key))?.expiresAt;
    if (expiresAt !== undefined) record.expiresAt = expiresAt;
    return record;
  };
  if (typeof storage.readAllEntries === "function") {
    for await (const [key, value] of storage.readAllEntries()) {
      yield await withExpiry(key, value);
    }
  } else if (typeof storage.readAllKeys === "function") {
    for await (const key of storage.readAllKeys()) {
      const value = await storage.read(key);
      if (value !== undefined) yield await withExpiry(key, value);
    }
  } else {
    throw new TypeError(
      "The storage cannot list its sessions: it has neither readAllEntries nor readAllKeys",
    );
  }
}

/** Options of {@linkcode importSessions}. */
export interface ImportOptions<T> {
  /** Replace sessions that exist already (default: skip them). */
  overwrite?: boolean;
  /**
   * For records with `expiresAt`: a store over the same data that writes
   * with this time to live (ms), e.g.
   * `(ttl) => new DenoKvStorage(kv, { timeToLive: ttl, refreshRatio: 1 })`.
   * Without it, sessions are written without expiry.
   */
  expiring?: (timeToLive: number) => StorageAdapter<T>;
  /** Called after each record, with the report so far. */
  onProgress?: (report: ImportReport) => void;
}

/** What an import did. */
export interface ImportReport {
  /** Keys written, in order. */
  written: string[];
  /** Keys left alone because they exist (without `overwrite`). */
  skipped: string[];
  /** Keys not written because their `expiresAt` has passed. */
  expired: string[];
}

/**
 * Thrown when an import fails part-way: `report` says exactly which keys
 * were written before the failure (each write is whole or not at all), and
 * `cause` is the failure.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ImportError } from "./operations.ts";
 *
 * const error = new ImportError(
 *   { written: ["a"], skipped: [], expired: [] },
 *   new TypeError("line 2: not JSON"),
 * );
 * assert(error.message.includes("1 session was written"));
 * ```
 */
export class ImportError extends Error {
  /** What was done before the failure. */
  readonly report: ImportReport;

  /**
   * Creates the error.
   *
   * @param report What was done before the failure.
   * @param cause The failure.
   */
  constructor(report: ImportReport, cause: unknown) {
    const count = report.written.length;
    super(
      `Import stopped: ${
        cause instanceof Error ? cause.message : String(cause)
      }; ${count} session${count === 1 ? " was" : "s were"} written before`,
      { cause },
    );
    this.name = "ImportError";
    this.report = report;
  }
}

async function writeOne<T>(
  storage: StorageAdapter<T>,
  key: string,
  value: T,
  overwrite: boolean,
): Promise<boolean> {
  const { readWithVersion, compareAndSet } = storage;
  if (readWithVersion === undefined || compareAndSet === undefined) {
    if (!overwrite) {
      const exists = storage.has !== undefined
        ? await storage.has(key)
        : await storage.read(key) !== undefined;
      if (exists) return false;
    }
    await storage.write(key, value);
    return true;
  }
  for (let attempt = 0; attempt < 16; attempt++) {
    const { version } = overwrite
      ? await readWithVersion.call(storage, key)
      : { version: null };
    const result = await compareAndSet.call(storage, key, version, value);
    if (result.ok) return true;
    if (!overwrite) return false;
  }
  throw new Error(
    `session ${JSON.stringify(key)} kept changing while it was written`,
  );
}

/**
 * Writes sessions into a store, one after the other, each with
 * compare-and-set where the store has it: an existing session is skipped (or,
 * with `overwrite`, replaced), a session whose `expiresAt` has passed is not
 * written. A record whose value is `undefined` is refused (writing it would
 * delete the session). On a failure, throws an {@linkcode ImportError} that
 * lists the keys written so far.
 *
 * @example Copying sessions from one store to another
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemorySessionStorage } from "../../mod.ts";
 * import { exportSessions, importSessions } from "./operations.ts";
 *
 * const from = new MemorySessionStorage<{ n: number }>();
 * const to = new MemorySessionStorage<{ n: number }>();
 * from.write("a", { n: 1 });
 * from.write("b", { n: 2 });
 * to.write("b", { n: 3 });
 * const report = await importSessions(to, exportSessions(from));
 * assert.deepEqual(report, { written: ["a"], skipped: ["b"], expired: [] });
 * ```
 */
export async function importSessions<T>(
  storage: StorageAdapter<T>,
  records: AsyncIterable<SessionRecord> | Iterable<SessionRecord>,
  options: ImportOptions<T> = {},
): Promise<ImportReport> {
  const { overwrite = false, expiring, onProgress } = options;
  const report: ImportReport = { written: [], skipped: [], expired: [] };
  try {
    for await (const { key, value, expiresAt } of records) {
      if (value === undefined) {
        // Writing `undefined` deletes; an import never deletes.
        throw new TypeError(
          `session ${
            JSON.stringify(key)
          }: a session cannot be undefined (use delete)`,
        );
      }
      let target = storage;
      if (expiresAt !== undefined) {
        const timeToLive = expiresAt - Date.now();
        if (timeToLive <= 0) {
          report.expired.push(key);
          onProgress?.(report);
          continue;
        }
        if (expiring !== undefined) target = expiring(timeToLive);
      }
      const wrote = await writeOne(target, key, value as T, overwrite);
      (wrote ? report.written : report.skipped).push(key);
      onProgress?.(report);
    }
  } catch (error) {
    throw new ImportError(report, error);
  }
  return report;
}

/**
 * Copies every session of one store into another: `importSessions(to,
 * exportSessions(from), options)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemorySessionStorage } from "../../mod.ts";
 * import { copySessions } from "./operations.ts";
 *
 * const from = new MemorySessionStorage<string>();
 * const to = new MemorySessionStorage<string>();
 * from.write("a", "hello");
 * await copySessions(from, to);
 * assert.equal(to.read("a"), "hello");
 * ```
 */
export function copySessions<T>(
  from: StorageAdapter<T>,
  to: StorageAdapter<T>,
  options: ImportOptions<T> = {},
): Promise<ImportReport> {
  return importSessions(to, exportSessions(from), options);
}
