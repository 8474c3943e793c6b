/**
 * The Deno KV session store: sessions of any size up to a limit, replaced
 * atomically, with expiry, listing and compare-and-set.
 *
 * @module
 */
import { checkStorable } from "../_storable.ts";
import type {
  AcquireLeaseOptions,
  CompareAndSetResult,
  SessionLease,
  StorageAdapter,
  Version,
  VersionedValue,
  WriteOptions,
} from "../storage_adapter.ts";
import { MOVE_SESSION } from "../move_session.ts";
import {
  heldLease,
  leaseAcquirer,
  leaseTimeToLive,
  putWithLease,
} from "./_lease_store.ts";
import { registerWriter } from "./commit_extras.ts";
import { moveInOneCommit } from "./move.ts";
import { assertKvHandle, type KvKey, type KvLike } from "./kv_like.ts";
import {
  encodedKeyLength,
  isLive,
  type SessionKeys,
  sessionKeys,
} from "./layout.ts";
import { type DenoKvStorageOptions, resolveOptions } from "./options.ts";
import {
  infoOf,
  type KvSessionInfo,
  listHeads,
  readSession,
} from "./reader.ts";
import { KnownStates, readHead } from "./state.ts";
import {
  put,
  refreshIfDue,
  type RefreshPolicy,
  type WriteContext,
} from "./writer.ts";

export type {
  KvAtomicLike,
  KvEntryLike,
  KvKey,
  KvKeyPart,
  KvLike,
} from "./kv_like.ts";
export type { DenoKvStorageOptions } from "./options.ts";
export type { KvSessionInfo } from "./reader.ts";

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
 *   is killed half-way; chunks of replaced values, and of writers that died,
 *   are deleted by the next write of the key at the latest.
 * - With `timeToLive`, every entry gets KV's `expireIn` and the deadline is
 *   also checked on every read, as KV deletes expired entries late.
 * - Every outcome is decided by KV: each commit checks the versions it was
 *   planned on, so any number of stores (processes, isolates) can share one
 *   KV. Commits that fail with "database is locked" are retried.
 *
 * @example Storing sessions in Deno KV
 * ```ts
 * import assert from "node:assert/strict";
 * import { DenoKvStorage } from "../../kv.ts";
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
  readonly #kv: KvLike;
  readonly #prefix: KvKey;
  readonly #prefixBytes: number;
  readonly #policy: RefreshPolicy;
  readonly #write: WriteContext;

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
   * Creates a store over an open KV handle (which it does not close).
   *
   * @param kv `await Deno.openKv()`, or `openKv()` from `@deno/kv` on
   * Node.js. A promise (a forgotten `await`) or anything without the KV
   * methods throws a `TypeError`.
   * @param options The key prefix, time to live and size limit.
   */
  constructor(kv: KvLike, options: DenoKvStorageOptions = {}) {
    assertKvHandle(kv);
    const resolved = resolveOptions(options);
    this.#kv = kv;
    this.#prefix = resolved.prefix;
    this.#prefixBytes = encodedKeyLength(resolved.prefix);
    this.#policy = resolved;
    this.#write = {
      kv,
      states: new KnownStates(),
      timeToLive: resolved.timeToLive,
      maxBytes: resolved.maxBytes,
    };
    registerWriter(this, async (key, value, expected, extras) => {
      if (value !== undefined) checkStorable(key, value);
      const keys = this.#keys(key);
      return await put(this.#write, { keys, value, expected, extras });
    });
    const leaseTtl = leaseTimeToLive(options.lease);
    if (leaseTtl !== undefined) {
      this.acquireLease = leaseAcquirer(
        kv,
        (key) => this.#keys(key).head,
        leaseTtl,
      );
    }
  }

  /**
   * Reads a session; `undefined` if there is none or it expired.
   *
   * @example
   * ```ts
   * import { DenoKvStorage } from "../../kv.ts";
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
   *
   * @example
   * ```ts
   * import { DenoKvStorage } from "../../kv.ts";
   *
   * const kv = await Deno.openKv(":memory:");
   * const { value, version } = await new DenoKvStorage(kv).readWithVersion("1");
   * console.assert(value === undefined && version === null);
   * kv.close();
   * ```
   */
  async readWithVersion(key: string): Promise<VersionedValue<S>> {
    const keys = this.#keys(key);
    const states = this.#write.states;
    const read = await readSession(this.#kv, keys, (k) => states.set(key, k));
    if (read.value === undefined) return { value: undefined, version: null };
    const version = await refreshIfDue(
      this.#write,
      this.#policy,
      keys,
      read.known,
      read.value,
      read.bytes,
    );
    return { value: read.value as S, version };
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
   * import { DenoKvStorage } from "../../kv.ts";
   *
   * const kv = await Deno.openKv(":memory:");
   * const storage = new DenoKvStorage<Uint8Array>(kv);
   * await storage.write("big", new Uint8Array(1024 * 1024)); // 17 chunks
   * console.assert((await storage.read("big"))?.length === 1024 * 1024);
   * kv.close();
   * ```
   */
  async write(key: string, value: S, options?: WriteOptions): Promise<void> {
    checkStorable(key, value);
    await this.#put(key, value, undefined, options);
  }

  /**
   * Deletes a session and its chunks.
   *
   * @example
   * ```ts
   * import { DenoKvStorage } from "../../kv.ts";
   *
   * const kv = await Deno.openKv(":memory:");
   * const storage = new DenoKvStorage<number>(kv);
   * await storage.write("1", 1);
   * await storage.delete("1");
   * console.assert(!(await storage.has("1")));
   * kv.close();
   * ```
   */
  async delete(key: string, options?: WriteOptions): Promise<void> {
    await this.#put(key, undefined, undefined, options);
  }

  /**
   * Writes (or, with `value` `undefined`, deletes) a session only if its
   * version is still `expected`, the version that
   * {@linkcode DenoKvStorage.readWithVersion} returned (`null`: still absent).
   *
   * @example
   * ```ts
   * import { DenoKvStorage } from "../../kv.ts";
   *
   * const kv = await Deno.openKv(":memory:");
   * const storage = new DenoKvStorage<number>(kv);
   * console.assert((await storage.compareAndSet("1", null, 1)).ok);
   * console.assert(!(await storage.compareAndSet("1", null, 2)).ok);
   * kv.close();
   * ```
   */
  async compareAndSet(
    key: string,
    expected: Version,
    value: S | undefined,
    options?: WriteOptions,
  ): Promise<CompareAndSetResult> {
    if (value !== undefined) checkStorable(key, value);
    return await this.#put(key, value, expected, options);
  }

  // A write with the middleware's lease releases it in the same commit (and
  // is refused if the lease was lost).
  #put(
    key: string,
    value: S | undefined,
    expected: Version | undefined,
    options: WriteOptions | undefined,
  ): Promise<CompareAndSetResult> {
    const keys = this.#keys(key);
    const lease = heldLease(options);
    if (lease === undefined) return put(this.#write, { keys, value, expected });
    return putWithLease(
      lease,
      (extras) => put(this.#write, { keys, value, expected, extras }),
    );
  }

  /**
   * Tells whether a live (not expired) session is stored under `key`.
   *
   * @example
   * ```ts
   * import { DenoKvStorage } from "../../kv.ts";
   *
   * const kv = await Deno.openKv(":memory:");
   * console.assert(!(await new DenoKvStorage(kv).has("1")));
   * kv.close();
   * ```
   */
  async has(key: string): Promise<boolean> {
    const known = await readHead(this.#kv, this.#keys(key));
    return isLive(known.head, Date.now());
  }

  /**
   * Lists the keys of all live sessions, streaming through `kv.list`.
   *
   * @example
   * ```ts
   * import { DenoKvStorage } from "../../kv.ts";
   *
   * const kv = await Deno.openKv(":memory:");
   * const storage = new DenoKvStorage<number>(kv);
   * await storage.write("a", 1);
   * await storage.write("b", 2);
   * const keys = await Array.fromAsync(storage.readAllKeys());
   * console.assert(keys.join() === "a,b");
   * kv.close();
   * ```
   */
  async *readAllKeys(): AsyncGenerator<string, void, undefined> {
    for await (const [key] of listHeads(this.#kv, this.#prefix)) yield key;
  }

  /**
   * Lists the values of all live sessions, streaming through `kv.list`.
   *
   * @example
   * ```ts
   * import { DenoKvStorage } from "../../kv.ts";
   *
   * const kv = await Deno.openKv(":memory:");
   * const storage = new DenoKvStorage<number>(kv);
   * await storage.write("a", 1);
   * console.assert((await Array.fromAsync(storage.readAllValues()))[0] === 1);
   * kv.close();
   * ```
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
   * import { DenoKvStorage } from "../../kv.ts";
   *
   * const kv = await Deno.openKv(":memory:");
   * const storage = new DenoKvStorage<number>(kv);
   * await storage.write("a", 1);
   * for await (const [key, value] of storage.readAllEntries()) {
   *   console.assert(key === "a" && value === 1);
   * }
   * kv.close();
   * ```
   */
  async *readAllEntries(): AsyncGenerator<[key: string, value: S], void> {
    for await (const [key, head] of listHeads(this.#kv, this.#prefix)) {
      if (head.kind === "inline") yield [key, head.value as S];
      else {
        const { value } = await this.readWithVersion(key);
        if (value !== undefined) yield [key, value];
      }
    }
  }

  /**
   * Tells how a live session is stored (size, deadline, chunks) without
   * reading its chunks; `undefined` if there is none.
   *
   * @example
   * ```ts
   * import { DenoKvStorage } from "../../kv.ts";
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
    const { head } = await readHead(this.#kv, this.#keys(key));
    return isLive(head, Date.now()) ? infoOf(key, head) : undefined;
  }

  /**
   * Lists {@linkcode DenoKvStorage.readInfo} of every live session, in key
   * order, without reading any chunk.
   *
   * @example
   * ```ts
   * import { DenoKvStorage } from "../../kv.ts";
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
    for await (const [key, head] of listHeads(this.#kv, this.#prefix)) {
      yield infoOf(key, head);
    }
  }

  /**
   * Used by `moveSession()` and chat migrations: moves a session in one KV
   * commit where it can (see `src/kv/move.ts`); `undefined` where not.
   *
   * @param from The key the session is stored under.
   * @param to The key to move it to.
   * @returns Whether it moved, or `undefined` to use the generic move.
   */
  [MOVE_SESSION](from: string, to: string): Promise<boolean | undefined> {
    return moveInOneCommit(this.#write, this.#keys(from), this.#keys(to));
  }

  #keys(key: string): SessionKeys {
    return sessionKeys(this.#prefix, this.#prefixBytes, key);
  }
}
