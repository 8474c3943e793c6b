// The public Deno KV session store: its API and documentation. Each method
// delegates: the set-up is in `_store_setup.ts`, the KV work of reads, writes
// and moves in `_kv_store.ts`, listing in `listing.ts`, how a big session is
// split in `chunked_write.ts` and `layout.ts`, what goes in one commit in
// `commit_plan.ts`, and the retries on "database is locked" in `retry.ts`.
import type {
  AcquireLeaseOptions,
  CompareAndSetResult,
  SessionLease,
  StorageAdapter,
  Version,
  VersionedValue,
  WriteOptions,
} from "../../contract/storage_adapter.ts";
import { MOVE_SESSION } from "../../contract/_move_hook.ts";
import { KNOWN_VERSION } from "../../contract/_known_version.ts";
import { REWRITE } from "../../contract/_rewrite.ts";
import type { KvStore } from "./_kv_store.ts";
import { setUpStore } from "./_store_setup.ts";
import type { KvLike } from "./kv_like.ts";
import type { DenoKvStorageOptions } from "./options.ts";
import type { KvSessionInfo } from "./reader.ts";
import { listEntries, listInfo, listKeys, readInfo } from "./listing.ts";

/**
 * Stores sessions in Deno KV, one head entry per session at
 * `[...prefix, key]` (default prefix `["sessions"]`).
 *
 * - A session that fits one KV value (64 KiB) and has no deadline is stored
 *   as is, like `@grammyjs/storage-denokv` does, so its data is read and
 *   updated in place. Reading costs one KV read, writing one commit.
 * - Larger sessions (up to `maxBytes`, 8 MiB by default) are serialised with
 *   V8 and split into chunks under the head key. Replacing one is atomic:
 *   readers see the whole old value or the whole new one, even if the writer
 *   is killed half-way; chunks of replaced values are deleted by the next
 *   write of the key at the latest, those of a writer that died by the first
 *   write at least 10 s after it started.
 * - With `timeToLive`, every entry gets KV's `expireIn` and the deadline is
 *   also checked on every read, as KV deletes expired entries late.
 * - Every outcome is decided by KV: each commit checks the versions it was
 *   planned on, so any number of stores (processes, isolates) can share one
 *   KV. Commits that fail with "database is locked" are retried.
 *
 * @example Storing sessions in Deno KV
 * ```ts
 * import assert from "node:assert/strict";
 * import { DenoKvStorage } from "../../../kv.ts";
 *
 * const kv = await Deno.openKv(":memory:");
 * const storage = new DenoKvStorage<{ count: number }>(kv, {
 *   timeToLive: 30 * 24 * 60 * 60 * 1000,
 * });
 * await storage.write("42", { count: 1 });
 * assert((await storage.read("42"))?.count === 1);
 * kv.close();
 * ```
 *
 * @typeParam S The type of the session data.
 */
export class DenoKvStorage<S> implements StorageAdapter<S> {
  // What each method does in KV (see `_kv_store.ts`).
  readonly #store: KvStore<S>;

  /**
   * With the option `lease`: takes the lease of a session key across all
   * instances sharing this KV, waiting while another update holds it. The
   * session middleware calls it; the lease is released in the commit of the
   * session's write, or by `release()` when nothing is written.
   */
  readonly acquireLease?: (
    key: string,
    options?: AcquireLeaseOptions,
  ) => Promise<SessionLease>;

  /**
   * Used by `enhanceStorage()`: this store takes the write option that marks
   * stored data put back (a refreshed deadline, a migration on read), which
   * `maxBytes` does not limit.
   */
  readonly [REWRITE] = true;

  /**
   * Creates a store over an open KV handle (which it does not close).
   *
   * @param kv `await Deno.openKv()`, or `openKv()` from `@deno/kv` on
   * Node.js. A promise (a forgotten `await`) or anything without the KV
   * methods throws a `TypeError`.
   * @param options The key prefix, time to live and size limit.
   */
  constructor(kv: KvLike, options: DenoKvStorageOptions = {}) {
    const { store, acquireLease } = setUpStore<S>(this, kv, options);
    this.#store = store;
    if (acquireLease !== undefined) this.acquireLease = acquireLease;
  }

  /**
   * Reads a session; `undefined` if there is none or it expired.
   *
   * @example
   * ```ts
   * import { DenoKvStorage } from "../../../kv.ts";
   *
   * const kv = await Deno.openKv(":memory:");
   * await kv.set(["sessions", "7"], { legacy: true }); // storage-denokv data
   * const storage = new DenoKvStorage<{ legacy: boolean }>(kv);
   * console.assert((await storage.read("7"))?.legacy === true);
   * kv.close();
   * ```
   */
  async read(key: string): Promise<S | undefined> {
    return (await this.readWithVersion(key)).value;
  }

  /**
   * Reads a session with its version (the versionstamp of its head entry),
   * for a later {@linkcode DenoKvStorage.compareAndSet}. Reads the head
   * alone, and the chunks if it refers to any.
   */
  readWithVersion(key: string): Promise<VersionedValue<S>> {
    return this.#store.readWithVersion(key);
  }

  /**
   * Stores a session, replacing what was there.
   *
   * @throws {SessionValueError} if the value holds a function, a symbol or
   * a class instance, is larger than `maxBytes`, or the key is too long for
   * KV. Nothing was changed.
   *
   * @example
   * ```ts
   * import { DenoKvStorage } from "../../../kv.ts";
   *
   * const kv = await Deno.openKv(":memory:");
   * const storage = new DenoKvStorage<Uint8Array>(kv);
   * await storage.write("big", new Uint8Array(1024 * 1024)); // 17 chunks
   * console.assert((await storage.read("big"))?.length === 1024 * 1024);
   * kv.close();
   * ```
   */
  async write(key: string, value: S, options?: WriteOptions): Promise<void> {
    await this.#store.put(key, value, undefined, options);
  }

  /**
   * Deletes a session and its chunks.
   */
  async delete(key: string, options?: WriteOptions): Promise<void> {
    await this.#store.put(key, undefined, undefined, options);
  }

  /**
   * Writes (or, with `value` `undefined`, deletes) a session only if its
   * version is still `expected`, the version that
   * {@linkcode DenoKvStorage.readWithVersion} returned (`null`: still absent).
   *
   * @example
   * ```ts
   * import { DenoKvStorage } from "../../../kv.ts";
   *
   * const kv = await Deno.openKv(":memory:");
   * const storage = new DenoKvStorage<number>(kv);
   * console.assert((await storage.compareAndSet("1", null, 1)).ok);
   * console.assert(!(await storage.compareAndSet("1", null, 2)).ok);
   * kv.close();
   * ```
   */
  compareAndSet(
    key: string,
    expected: Version,
    value: S | undefined,
    options?: WriteOptions,
  ): Promise<CompareAndSetResult> {
    return this.#store.put(key, value, expected, options);
  }

  /**
   * Tells whether a live (not expired) session is stored under `key`.
   */
  async has(key: string): Promise<boolean> {
    return await this.#store.has(key);
  }

  /**
   * Lists the keys of all live sessions, streaming through `kv.list`.
   */
  async *readAllKeys(): AsyncGenerator<string, void, undefined> {
    yield* listKeys(this.#store.kv, this.#store.prefix);
  }

  /**
   * Lists the values of all live sessions, streaming through `kv.list`.
   */
  async *readAllValues(): AsyncGenerator<S, void, undefined> {
    for await (const [, value] of this.readAllEntries()) yield value;
  }

  /**
   * Lists all live sessions as `[key, value]` pairs, streaming through
   * `kv.list`.
   *
   * @example
   * ```ts
   * import { DenoKvStorage } from "../../../kv.ts";
   *
   * const kv = await Deno.openKv(":memory:");
   * const storage = new DenoKvStorage<number>(kv);
   * await storage.write("a", 1);
   * for await (const [key, value] of storage.readAllEntries()) {
   *   console.assert(key === "a" && value === 1);
   * }
   * // readAllKeys() and readAllValues() list the keys or the values alone.
   * console.assert((await Array.fromAsync(storage.readAllKeys()))[0] === "a");
   * kv.close();
   * ```
   */
  async *readAllEntries(): AsyncGenerator<[key: string, value: S], void> {
    yield* listEntries(
      this.#store.kv,
      this.#store.prefix,
      (key) => this.read(key),
    );
  }

  /**
   * Tells how a live session is stored (size, deadline, chunks) without
   * reading its chunks; `undefined` if there is none.
   *
   * @example
   * ```ts
   * import { DenoKvStorage } from "../../../kv.ts";
   *
   * const kv = await Deno.openKv(":memory:");
   * const storage = new DenoKvStorage<Uint8Array>(kv);
   * await storage.write("big", new Uint8Array(100_000));
   * const info = await storage.readInfo("big");
   * console.assert(info?.chunks === 2 && info.expiresAt === undefined);
   * kv.close();
   * ```
   */
  async readInfo(key: string): Promise<KvSessionInfo | undefined> {
    return await readInfo(this.#store.kv, this.#store.keys(key), key);
  }

  /**
   * Lists {@linkcode DenoKvStorage.readInfo} of every live session, in key
   * order, without reading any chunk.
   *
   * @example
   * ```ts
   * import { DenoKvStorage } from "../../../kv.ts";
   *
   * const kv = await Deno.openKv(":memory:");
   * const storage = new DenoKvStorage<string>(kv);
   * await storage.write("a", "hello");
   * for await (const info of storage.readAllInfo()) {
   *   console.assert(info.key === "a" && info.chunks === 0);
   * }
   * kv.close();
   * ```
   */
  async *readAllInfo(): AsyncGenerator<KvSessionInfo, void, undefined> {
    yield* listInfo(this.#store.kv, this.#store.prefix);
  }

  /**
   * Used by the session middleware: the version of a session as this store
   * last saw it, after its own reads and writes (`undefined` if it does not
   * remember it). A queued update starts from the state the update before
   * it left only while this is still that state's version, so it sees every
   * write made through this store before it started.
   *
   * @param key The session key.
   * @returns The version, `null` if nothing was stored, or `undefined`.
   */
  [KNOWN_VERSION](key: string): Version | undefined {
    return this.#store.knownVersion(key);
  }

  /**
   * Used by `moveSession()` and chat migrations: moves a session in one KV
   * commit (see `src/stores/kv/move.ts`), which also releases the leases the
   * move holds; `undefined` if a session is stored under `to`.
   *
   * @param from The key the session is stored under.
   * @param to The key to move it to.
   * @param options The leases the move holds on both keys.
   * @returns Whether it moved, or `undefined` to use the generic move.
   */
  [MOVE_SESSION](
    from: string,
    to: string,
    options?: { leases?: readonly SessionLease[] },
  ): Promise<boolean | undefined> {
    return this.#store.move(from, to, options?.leases);
  }
}
