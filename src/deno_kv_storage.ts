/**
 * The Deno KV session store: sessions of any size up to a limit, replaced
 * atomically, with expiry, listing and compare-and-set.
 *
 * @module
 */
import { deserialize, serialize } from "node:v8";
import { SessionStorageError, SessionValueError } from "./errors.ts";
import type {
  AcquireLeaseOptions,
  CompareAndSetResult,
  SessionLease,
  StorageAdapter,
  Version,
  VersionedValue,
  WriteOptions,
} from "./storage_adapter.ts";
import type { KvLease } from "./kv/lease.ts";
import {
  heldLease,
  leaseAcquirer,
  leaseTimeToLive,
} from "./kv/_lease_store.ts";
import {
  CHILD_KEY_EXTRA_BYTES,
  CommitPlan,
  decodeHead,
  encodedKeyLength,
  encodeInline,
  encodeManifest,
  type Head,
  isKeyTooLarge,
  isLive,
  isNotCloneable,
  isValueTooLarge,
  MAX_KEY_BYTES,
  MAX_VALUE_BYTES,
  newGeneration,
  PENDING_PART,
  type PendingGenerations,
  retryLocked,
  SMALL_RECORD_BYTES,
} from "./_kv_layout.ts";

/** One part of a KV key. Both Deno KV and `@deno/kv` accept these. */
export type KvKeyPart = Uint8Array | string | number | bigint | boolean;

/** A KV key: a list of key parts. */
export type KvKey = readonly KvKeyPart[];

/** An entry as KV returns it; `versionstamp` is `null` if nothing is stored. */
export interface KvEntryLike {
  /** The key of the entry (Deno's key parts may also include symbols). */
  readonly key: readonly unknown[];
  /** The stored value (`null` if nothing is stored). */
  readonly value: unknown;
  /** The version of the stored value, `null` if nothing is stored. */
  readonly versionstamp: string | null;
}

/** The part of KV's atomic operation builder that the store uses. */
export interface KvAtomicLike {
  /** Makes the commit fail unless each key still has the versionstamp. */
  check(
    ...checks: { key: KvKey; versionstamp: string | null }[]
  ): KvAtomicLike;
  /** Stores a value, optionally to be deleted after `expireIn` ms. */
  set(
    key: KvKey,
    value: unknown,
    options?: { expireIn?: number },
  ): KvAtomicLike;
  /** Deletes a key. */
  delete(key: KvKey): KvAtomicLike;
  /** Applies everything at once, or nothing if a check failed. */
  commit(): Promise<{ ok: true; versionstamp: string } | { ok: false }>;
}

/**
 * The part of the Deno KV API that {@linkcode DenoKvStorage} uses, typed
 * structurally: `Deno.openKv()` (a file, `:memory:`, or a KV Connect URL on
 * Deno Deploy) and `openKv()` from the npm package `@deno/kv` on Node.js both
 * fit.
 */
export interface KvLike {
  /** Reads up to 10 keys in one consistent snapshot. */
  getMany(keys: KvKey[]): Promise<KvEntryLike[]>;
  /** Lists the entries under a prefix, in key order. */
  list(
    selector: { prefix: KvKey } | { prefix: KvKey; start: KvKey },
    options?: { batchSize?: number },
  ): AsyncIterable<KvEntryLike>;
  /** Starts an atomic operation. */
  atomic(): KvAtomicLike;
}

/** Options of {@linkcode DenoKvStorage}. */
export interface DenoKvStorageOptions {
  /**
   * The key prefix under which sessions are stored: session `key` lives at
   * `[...prefix, key]`. Defaults to `["sessions"]`, the layout of
   * `@grammyjs/storage-denokv`, so its data is read in place.
   */
  prefix?: KvKey;
  /**
   * Time to live of a session in milliseconds, counted from its last write
   * or refresh. Expired sessions are never returned, and KV deletes them some
   * time after the deadline (`expireIn`). Default: sessions never expire.
   */
  timeToLive?: number;
  /**
   * With `timeToLive`: after which part of it a session that is read is
   * written again with a fresh deadline, so that the sessions of active
   * chats stay alive without a write on every update. From 0 (refresh on
   * every read) to 1 (never refresh on read). Default: 0.5.
   */
  refreshRatio?: number;
  /**
   * The largest session the store accepts, in bytes of V8 serialisation.
   * Larger values are refused with a `SessionValueError` and the stored value
   * stays as it was. Default: 8 MiB.
   */
  maxBytes?: number;
  /**
   * A lease per session key across every process and isolate sharing this
   * KV: updates of one chat run one at a time everywhere, instead of
   * conflicting (see `docs/deploy.md`). `true` for a lease that lasts 10
   * seconds without renewal (a holder that dies frees its key within that),
   * or `{ timeToLive }` in milliseconds. Costs one commit per update that
   * uses its session (two if it writes nothing). Default: off.
   */
  lease?: boolean | { timeToLive?: number };
}

/** The state of one session key: the head and the pending record. */
interface State {
  /** The physical versionstamp of the head (`null` if absent). */
  vs: string | null;
  head: Head;
  /** The versionstamp of the pending record (`null` if absent). */
  pendingVs: string | null;
  pending: PendingGenerations;
}

type Outcome =
  | { ok: true; version: string | null }
  | { ok: false }
  | { retry: State };

const ANY: unique symbol = Symbol("any version");
type Expected = Version | typeof ANY;

const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;
const LIST_BATCH_SIZE = 500;
const CACHE_SIZE = 1024;
/** How often one write starts over because others changed the key. */
const MAX_ATTEMPTS = 32;
/** How often a read retries when chunks vanish under it (a replacement). */
const MAX_READ_ATTEMPTS = 16;
const MISSING: unique symbol = Symbol("missing chunk");

function logicalVersion(state: State): Version {
  return isLive(state.head, Date.now()) ? state.vs : null;
}

function hasPendingIn(pending: PendingGenerations): boolean {
  for (const _ in pending) return true;
  return false;
}

function hasPending(state: State): boolean {
  return hasPendingIn(state.pending);
}

function pendingBytes(pending: PendingGenerations): number {
  return SMALL_RECORD_BYTES + 64 * Object.keys(pending).length;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Stores sessions in Deno KV, one head entry per session at
 * `[...prefix, key]` (default prefix `["sessions"]`).
 *
 * - A session that fits one KV value (64 KiB) and has no deadline is stored
 *   as is, exactly like `@grammyjs/storage-denokv` does, so data written by
 *   that adapter is read and updated in place and you can switch back. It
 *   costs one KV read to read and one commit to write.
 * - Larger sessions (up to `maxBytes`, 8 MiB by default) are serialised with
 *   V8 and split into chunks under the head key. Replacing one is atomic:
 *   readers see the whole old value or the whole new one, even if the writer
 *   is killed half-way; chunks of replaced values, and of writers that died,
 *   are deleted by the next write of the key at the latest.
 * - With `timeToLive`, every entry gets KV's `expireIn` and the deadline is
 *   also checked on every read, as KV deletes expired entries late.
 * - `readWithVersion` and `compareAndSet` use KV versionstamps, so the
 *   session middleware detects when another process changed a session.
 * - Commits that fail with "database is locked" (several processes on one
 *   KV file) are retried with backoff.
 *
 * @example Storing sessions in Deno KV
 * ```ts
 * import assert from "node:assert/strict";
 * import { DenoKvStorage } from "../kv.ts";
 *
 * const kv = await Deno.openKv(":memory:");
 * try {
 *   const storage = new DenoKvStorage<{ count: number }>(kv, {
 *     timeToLive: 30 * 24 * 60 * 60 * 1000,
 *   });
 *   await storage.write("42", { count: 1 });
 *   assert((await storage.read("42"))?.count === 1);
 * } finally {
 *   kv.close();
 * }
 * ```
 *
 * @typeParam S The type of the session data.
 */
export class DenoKvStorage<S> implements StorageAdapter<S> {
  readonly #kv: KvLike;
  readonly #prefix: KvKey;
  readonly #prefixBytes: number;
  readonly #timeToLive: number | undefined;
  readonly #maxBytes: number;
  readonly #refreshAfter: number | undefined;
  /** Last known state per key: saves the read before a write. */
  readonly #cache = new Map<string, State>();

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
   * Creates a store over an open KV handle.
   *
   * @param kv An open KV handle: `await Deno.openKv()`, or `openKv()` from
   * `@deno/kv` on Node.js. The store does not close it.
   * @param options The key prefix, time to live and size limit.
   */
  constructor(kv: KvLike, options: DenoKvStorageOptions = {}) {
    const {
      prefix = ["sessions"],
      timeToLive,
      maxBytes = DEFAULT_MAX_BYTES,
      refreshRatio = 0.5,
    } = options;
    if (!Array.isArray(prefix)) {
      throw new TypeError("The prefix must be an array of KV key parts");
    }
    if (
      timeToLive !== undefined &&
      !(typeof timeToLive === "number" && timeToLive > 0 &&
        Number.isFinite(timeToLive))
    ) {
      throw new RangeError(
        `timeToLive must be a positive number of milliseconds, got ${timeToLive}`,
      );
    }
    if (
      typeof refreshRatio !== "number" || !(refreshRatio >= 0) ||
      refreshRatio > 1
    ) {
      throw new RangeError(
        `refreshRatio must be a number from 0 to 1, got ${refreshRatio}`,
      );
    }
    if (!(Number.isSafeInteger(maxBytes) && maxBytes > 0)) {
      throw new RangeError(
        `maxBytes must be a positive integer, got ${maxBytes}`,
      );
    }
    this.#kv = kv;
    this.#prefix = [...prefix];
    this.#prefixBytes = encodedKeyLength(this.#prefix);
    this.#timeToLive = timeToLive;
    this.#maxBytes = maxBytes;
    this.#refreshAfter = timeToLive === undefined || refreshRatio >= 1
      ? undefined
      : timeToLive * refreshRatio;
    const leaseTtl = leaseTimeToLive(options.lease);
    if (leaseTtl !== undefined) {
      this.acquireLease = leaseAcquirer(
        kv,
        (key) => this.#headKey(key),
        leaseTtl,
      );
    }
  }

  /**
   * Reads a session; `undefined` if there is none or it expired.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DenoKvStorage } from "../kv.ts";
   *
   * const kv = await Deno.openKv(":memory:");
   * try {
   *   await kv.set(["sessions", "7"], { legacy: true });
   *   const storage = new DenoKvStorage<{ legacy: boolean }>(kv);
   *   assert((await storage.read("7"))?.legacy === true);
   * } finally {
   *   kv.close();
   * }
   * ```
   */
  async read(key: string): Promise<S | undefined> {
    return (await this.readWithVersion(key)).value;
  }

  /**
   * Reads a session with its version (the versionstamp of its head entry),
   * for a later {@linkcode DenoKvStorage.compareAndSet}.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DenoKvStorage } from "../kv.ts";
   *
   * const kv = await Deno.openKv(":memory:");
   * try {
   *   const storage = new DenoKvStorage<number>(kv);
   *   const { value, version } = await storage.readWithVersion("1");
   *   assert(value === undefined && version === null);
   * } finally {
   *   kv.close();
   * }
   * ```
   */
  async readWithVersion(key: string): Promise<VersionedValue<S>> {
    const head = this.#headKey(key);
    let state = await this.#readState(key, head);
    for (let attempt = 1;; attempt++) {
      if (!isLive(state.head, Date.now())) {
        return { value: undefined, version: null };
      }
      if (state.head.kind === "inline") {
        return await this.#refresh(
          key,
          state.head,
          state.head.value as S,
          state.vs,
        );
      }
      if (state.head.kind !== "chunked") throw new Error("unreachable");
      const value = await this.#readChunks(key, state.head);
      if (value !== MISSING) {
        return await this.#refresh(key, state.head, value as S, state.vs);
      }
      // A chunk vanished: either a writer replaced the value meanwhile (then
      // the head changed, read again) or the stored data is damaged.
      const again = await this.#readState(key, head);
      if (again.vs === state.vs) {
        throw new Error(
          `Session "${key}" is damaged in Deno KV: a chunk of generation ${state.head.gen} is missing`,
        );
      }
      if (attempt >= MAX_READ_ATTEMPTS) {
        throw new Error(
          `Session "${key}" was replaced ${attempt} times while it was being read`,
        );
      }
      state = again;
    }
  }

  // With a time to live: writes a session that was read again with a fresh
  // deadline once `refreshRatio` of its time to live has passed (checked
  // against the version read, so a newer value is never overwritten).
  async #refresh(
    key: string,
    head: Exclude<Head, { kind: "none" }>,
    value: S,
    version: Version,
  ): Promise<VersionedValue<S>> {
    const ttl = this.#timeToLive;
    const after = this.#refreshAfter;
    if (ttl === undefined || after === undefined) return { value, version };
    const now = Date.now();
    const writtenAt = head.expires === undefined
      ? -Infinity
      : head.expires - ttl;
    if (now - writtenAt < after) return { value, version };
    const result = await this.#put(key, value, version);
    return { value, version: result.ok ? result.version : version };
  }

  /**
   * Stores a session, replacing what was there.
   *
   * @throws {SessionValueError} if the value cannot be serialised, is larger
   * than `maxBytes`, or the key is too long for KV. Nothing was changed.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DenoKvStorage } from "../kv.ts";
   *
   * const kv = await Deno.openKv(":memory:");
   * try {
   *   const storage = new DenoKvStorage<Uint8Array>(kv);
   *   await storage.write("big", new Uint8Array(1024 * 1024)); // 16 chunks
   *   assert((await storage.read("big"))?.length === 1024 * 1024);
   * } finally {
   *   kv.close();
   * }
   * ```
   */
  async write(key: string, value: S, options?: WriteOptions): Promise<void> {
    await this.#put(key, value, ANY, heldLease(options));
  }

  /**
   * Deletes a session and its chunks.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DenoKvStorage } from "../kv.ts";
   *
   * const kv = await Deno.openKv(":memory:");
   * try {
   *   const storage = new DenoKvStorage<number>(kv);
   *   await storage.write("1", 1);
   *   await storage.delete("1");
   *   assert(!(await storage.has("1")));
   * } finally {
   *   kv.close();
   * }
   * ```
   */
  async delete(key: string, options?: WriteOptions): Promise<void> {
    await this.#put(key, undefined, ANY, heldLease(options));
  }

  /**
   * Writes (or, with `value` `undefined`, deletes) a session only if its
   * version is still `expected`, the version that
   * {@linkcode DenoKvStorage.readWithVersion} returned (`null`: still absent).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DenoKvStorage } from "../kv.ts";
   *
   * const kv = await Deno.openKv(":memory:");
   * try {
   *   const storage = new DenoKvStorage<number>(kv);
   *   const first = await storage.compareAndSet("1", null, 1);
   *   assert(first.ok);
   *   const second = await storage.compareAndSet("1", null, 2);
   *   assert(!second.ok); // someone wrote it since
   * } finally {
   *   kv.close();
   * }
   * ```
   */
  compareAndSet(
    key: string,
    expected: Version,
    value: S | undefined,
    options?: WriteOptions,
  ): Promise<CompareAndSetResult> {
    return this.#put(key, value, expected, heldLease(options));
  }

  /**
   * Tells whether a live (not expired) session is stored under `key`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DenoKvStorage } from "../kv.ts";
   *
   * const kv = await Deno.openKv(":memory:");
   * try {
   *   const storage = new DenoKvStorage<number>(kv);
   *   assert(!(await storage.has("1")));
   * } finally {
   *   kv.close();
   * }
   * ```
   */
  async has(key: string): Promise<boolean> {
    const state = await this.#readState(key, this.#headKey(key));
    return isLive(state.head, Date.now());
  }

  /**
   * Lists the keys of all live sessions, streaming through `kv.list`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DenoKvStorage } from "../kv.ts";
   *
   * const kv = await Deno.openKv(":memory:");
   * try {
   *   const storage = new DenoKvStorage<number>(kv);
   *   await storage.write("a", 1);
   *   await storage.write("b", 2);
   *   const keys = await Array.fromAsync(storage.readAllKeys());
   *   assert(keys.join() === "a,b");
   * } finally {
   *   kv.close();
   * }
   * ```
   */
  async *readAllKeys(): AsyncGenerator<string, void, undefined> {
    for await (const [key] of this.#listHeads()) yield key;
  }

  /**
   * Lists the values of all live sessions, streaming through `kv.list`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DenoKvStorage } from "../kv.ts";
   *
   * const kv = await Deno.openKv(":memory:");
   * try {
   *   const storage = new DenoKvStorage<number>(kv);
   *   await storage.write("a", 1);
   *   const values = await Array.fromAsync(storage.readAllValues());
   *   assert(values[0] === 1);
   * } finally {
   *   kv.close();
   * }
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
   * import assert from "node:assert/strict";
   * import { DenoKvStorage } from "../kv.ts";
   *
   * const kv = await Deno.openKv(":memory:");
   * try {
   *   const storage = new DenoKvStorage<number>(kv);
   *   await storage.write("a", 1);
   *   for await (const [key, value] of storage.readAllEntries()) {
   *     assert(key === "a" && value === 1);
   *   }
   * } finally {
   *   kv.close();
   * }
   * ```
   */
  async *readAllEntries(): AsyncGenerator<[key: string, value: S], void> {
    for await (const [key, head] of this.#listHeads()) {
      if (head.kind === "inline") {
        yield [key, head.value as S];
        continue;
      }
      const { value } = await this.readWithVersion(key);
      if (value !== undefined) yield [key, value];
    }
  }

  // Keys and reading

  #headKey(key: string): KvKey {
    if (typeof key !== "string") {
      throw new TypeError(
        `Session keys must be strings, but got ${
          key === null ? "null" : typeof key
        }`,
      );
    }
    const head = [...this.#prefix, key];
    const bytes = this.#prefixBytes + encodedKeyLength([key]);
    if (bytes + CHILD_KEY_EXTRA_BYTES > MAX_KEY_BYTES) {
      throw new SessionValueError(
        key,
        `the key is ${bytes} bytes long as a Deno KV key (with the prefix); with the suffix of its chunk keys it would exceed KV's limit of ${MAX_KEY_BYTES} bytes, so keys must stay under ${
          MAX_KEY_BYTES - CHILD_KEY_EXTRA_BYTES - this.#prefixBytes
        } bytes`,
      );
    }
    return head;
  }

  #keyBytes(head: KvKey): number {
    return encodedKeyLength(head);
  }

  async #readState(key: string, head: KvKey): Promise<State> {
    const [headEntry, pendingEntry] = await retryLocked(() =>
      this.#kv.getMany([head, [...head, PENDING_PART]])
    );
    const present = headEntry?.versionstamp != null;
    const state: State = {
      vs: present ? headEntry.versionstamp : null,
      head: decodeHead(headEntry?.value, present),
      pendingVs: pendingEntry?.versionstamp ?? null,
      pending: (pendingEntry?.versionstamp != null &&
          typeof pendingEntry.value === "object" &&
          pendingEntry.value !== null)
        ? pendingEntry.value as PendingGenerations
        : {},
    };
    this.#remember(key, state);
    return state;
  }

  #remember(key: string, state: State): void {
    // Only versions and the layout are kept, never the session data itself.
    const kept = state.head.kind === "inline"
      ? { ...state, head: { ...state.head, value: undefined } }
      : state;
    this.#cache.delete(key);
    this.#cache.set(key, kept);
    if (this.#cache.size > CACHE_SIZE) {
      const oldest = this.#cache.keys().next();
      if (!oldest.done) this.#cache.delete(oldest.value);
    }
  }

  async #readChunks(
    key: string,
    head: Extract<Head, { kind: "chunked" }>,
  ): Promise<unknown> {
    const keys: KvKey[] = [];
    for (let i = 0; i < head.count; i++) {
      keys.push([...this.#prefix, key, head.gen, i]);
    }
    const batches: Promise<KvEntryLike[]>[] = [];
    for (let i = 0; i < keys.length; i += 10) {
      const batch = keys.slice(i, i + 10);
      batches.push(retryLocked(() => this.#kv.getMany(batch)));
    }
    const bytes = new Uint8Array(head.bytes);
    let offset = 0;
    for (const entries of await Promise.all(batches)) {
      for (const entry of entries) {
        const chunk = entry.value;
        if (!(chunk instanceof Uint8Array)) return MISSING;
        if (offset + chunk.length > bytes.length) return MISSING;
        bytes.set(chunk, offset);
        offset += chunk.length;
      }
    }
    if (offset !== bytes.length) return MISSING;
    try {
      return deserialize(bytes);
    } catch (error) {
      throw new Error(
        `Session "${key}" is damaged in Deno KV: its chunks do not deserialise (${
          describe(error)
        })`,
        { cause: error },
      );
    }
  }

  async *#listHeads(): AsyncGenerator<[string, Head]> {
    const prefix = this.#prefix;
    let start: KvKey | undefined;
    restart: for (;;) {
      const selector = start === undefined ? { prefix } : { prefix, start };
      for await (
        const entry of this.#kv.list(selector, { batchSize: LIST_BATCH_SIZE })
      ) {
        if (entry.key.length !== prefix.length + 1) continue; // chunk, record
        const key = entry.key[prefix.length];
        if (typeof key !== "string") continue;
        const head = decodeHead(entry.value, true);
        const live = isLive(head, Date.now());
        if (live) yield [key, head];
        if (head.kind === "chunked") {
          // Skip its chunks without transferring them: list anew from the
          // first key after every child key of this head.
          start = [...prefix, key + "\0"];
          continue restart;
        }
      }
      return;
    }
  }

  // Writing

  #cached(key: string, expected: Expected): State | undefined {
    const state = this.#cache.get(key);
    if (state === undefined) return undefined;
    if (expected === ANY || logicalVersion(state) === expected) return state;
    return undefined;
  }

  #deadline(): number | undefined {
    return this.#timeToLive === undefined
      ? undefined
      : Date.now() + this.#timeToLive;
  }

  async #commit(plan: CommitPlan, lease?: KvLease): Promise<
    { ok: true; versionstamp: string } | { ok: false }
  > {
    if (lease === undefined || !lease.held) {
      return await retryLocked(() => plan.build(this.#kv).commit());
    }
    // The lease goes with the write: both happen, or neither (and a lost
    // lease refuses the write with a SessionLeaseLostError).
    await lease.pause();
    const result = await retryLocked(() => {
      const atomic = plan.build(this.#kv);
      lease.addRelease(atomic);
      return atomic.commit();
    });
    await lease.settle(result);
    return result;
  }

  async #put(
    key: string,
    value: S | undefined,
    expected: Expected,
    lease?: KvLease,
  ): Promise<CompareAndSetResult> {
    const head = this.#headKey(key);
    let state = this.#cached(key, expected) ??
      await this.#readState(key, head);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (expected !== ANY && logicalVersion(state) !== expected) {
        return { ok: false };
      }
      if (hasPending(state)) {
        // Chunks that no head refers to: reclaim them first.
        state = await this.#reclaim(key, head, state, () => true);
        continue;
      }
      const outcome = value === undefined
        ? await this.#commitDelete(key, head, state, lease)
        : await this.#commitValue(key, head, state, value, expected, lease);
      if ("retry" in outcome) {
        state = outcome.retry;
        continue;
      }
      return outcome;
    }
    throw new SessionStorageError(
      key,
      value === undefined ? "delete" : "write",
      new Error(
        `the session kept changing under this write (${MAX_ATTEMPTS} attempts)`,
      ),
    );
  }

  /**
   * Adds to `plan` the removal of the chunks `state.head` refers to. If they
   * do not fit, the generation goes to the returned pending record instead
   * (marked for deletion, reclaimed after the commit).
   */
  #disposeOld(
    head: KvKey,
    state: State,
    plan: CommitPlan,
    pending: PendingGenerations,
  ): PendingGenerations {
    const old = state.head;
    if (old.kind !== "chunked") return pending;
    const keys: KvKey[] = [];
    for (let i = 0; i < old.count; i++) keys.push([...head, old.gen, i]);
    if (plan.deleteAll(keys, this.#keyBytes(head) + CHILD_KEY_EXTRA_BYTES)) {
      return pending;
    }
    return { ...pending, [old.gen]: { n: old.count, del: 0 } };
  }

  /** Adds the write of the pending record (or its removal) to `plan`. */
  #planPending(
    head: KvKey,
    state: State,
    plan: CommitPlan,
    pending: PendingGenerations,
  ): boolean {
    const pendingKey = [...head, PENDING_PART];
    const bytes = this.#keyBytes(pendingKey);
    if (!plan.check(pendingKey, state.pendingVs, bytes)) return false;
    if (Object.keys(pending).length === 0) {
      return plan.deleteAll([pendingKey], bytes);
    }
    return plan.set(
      pendingKey,
      pending,
      bytes,
      pendingBytes(pending),
      undefined,
    );
  }

  async #afterCommit(
    key: string,
    head: KvKey,
    next: State,
  ): Promise<void> {
    this.#remember(key, next);
    if (hasPending(next)) await this.#reclaim(key, head, next, () => true);
  }

  async #commitDelete(
    key: string,
    head: KvKey,
    state: State,
    lease: KvLease | undefined,
  ): Promise<Outcome> {
    if (state.head.kind === "none") return { ok: true, version: null };
    const headBytes = this.#keyBytes(head);
    const plan = new CommitPlan();
    plan.check(head, state.vs, headBytes);
    plan.deleteAll([head], headBytes);
    const pending = this.#disposeOld(head, state, plan, state.pending);
    const touched = pending !== state.pending;
    if (touched && !this.#planPending(head, state, plan, pending)) {
      throw new Error("unreachable: a delete always fits one commit");
    }
    const result = await this.#commit(plan, lease);
    if (!result.ok) return { retry: await this.#readState(key, head) };
    await this.#afterCommit(key, head, {
      vs: null,
      head: { kind: "none" },
      pendingVs: touched ? result.versionstamp : state.pendingVs,
      pending,
    });
    return { ok: true, version: null };
  }

  async #commitValue(
    key: string,
    head: KvKey,
    state: State,
    value: S,
    expected: Expected,
    lease: KvLease | undefined,
  ): Promise<Outcome> {
    const expires = this.#deadline();
    const stored = encodeInline(value, expires);
    const headBytes = this.#keyBytes(head);
    const plan = new CommitPlan();
    plan.check(head, state.vs, headBytes);
    plan.set(head, stored, headBytes, MAX_VALUE_BYTES, this.#timeToLive);
    const pending = this.#disposeOld(head, state, plan, state.pending);
    const touched = pending !== state.pending;
    if (touched && !this.#planPending(head, state, plan, pending)) {
      throw new Error("unreachable: an inline write always fits one commit");
    }
    let result;
    try {
      // Chunked writes release the lease afterwards, in a commit of its own
      // (their commits may be full); their compare-and-set still holds.
      result = await this.#commit(plan, lease);
    } catch (error) {
      if (isValueTooLarge(error)) {
        return await this.#writeChunked(key, head, state, value, expected);
      }
      throw this.#valueError(key, error);
    }
    if (!result.ok) return { retry: await this.#readState(key, head) };
    await this.#afterCommit(key, head, {
      vs: result.versionstamp,
      head: { kind: "inline", value, expires },
      pendingVs: touched ? result.versionstamp : state.pendingVs,
      pending,
    });
    return { ok: true, version: result.versionstamp };
  }

  #valueError(key: string, error: unknown): unknown {
    if (isNotCloneable(error)) {
      return new SessionValueError(
        key,
        `Deno KV cannot serialise the value (${describe(error)})`,
        { cause: error },
      );
    }
    if (isKeyTooLarge(error)) {
      return new SessionValueError(
        key,
        `the key is too long for Deno KV (${describe(error)})`,
        { cause: error },
      );
    }
    return error;
  }

  /** Writes a value too large for one KV value as a new chunk generation. */
  async #writeChunked(
    key: string,
    head: KvKey,
    state: State,
    value: S,
    expected: Expected,
  ): Promise<Outcome> {
    let serialised: Uint8Array;
    try {
      serialised = serialize(value);
    } catch (error) {
      throw this.#valueError(key, error);
    }
    const bytes = new Uint8Array(
      serialised.buffer,
      serialised.byteOffset,
      serialised.byteLength,
    );
    if (bytes.byteLength > this.#maxBytes) {
      throw new SessionValueError(
        key,
        `the value is ${bytes.byteLength} bytes long when serialised, more than the limit of ${this.#maxBytes} bytes (option maxBytes)`,
      );
    }
    const expires = this.#deadline();
    const count = Math.ceil(bytes.byteLength / MAX_VALUE_BYTES);
    const gen = newGeneration();
    const manifest = encodeManifest(gen, count, bytes.byteLength, expires);
    const headBytes = this.#keyBytes(head);
    const chunkBytes = headBytes + CHILD_KEY_EXTRA_BYTES;
    const chunk = (i: number) =>
      bytes.subarray(i * MAX_VALUE_BYTES, (i + 1) * MAX_VALUE_BYTES);
    const expireIn = (): number | undefined =>
      expires === undefined ? undefined : Math.max(1, expires - Date.now());
    const written: Head = {
      kind: "chunked",
      gen,
      count,
      bytes: bytes.byteLength,
      expires,
    };

    // Small enough for one commit: chunks, head and old chunks at once.
    {
      const plan = new CommitPlan();
      plan.check(head, state.vs, headBytes);
      plan.set(head, manifest, headBytes, SMALL_RECORD_BYTES, expireIn());
      let fits = true;
      for (let i = 0; i < count && fits; i++) {
        const part = chunk(i);
        fits = plan.set(
          [...head, gen, i],
          part,
          chunkBytes,
          part.byteLength,
          expireIn(),
        );
      }
      const pending = this.#disposeOld(head, state, plan, state.pending);
      const touched = pending !== state.pending;
      if (fits && (!touched || this.#planPending(head, state, plan, pending))) {
        const result = await this.#commit(plan);
        if (!result.ok) return { retry: await this.#readState(key, head) };
        await this.#afterCommit(key, head, {
          vs: result.versionstamp,
          head: written,
          pendingVs: touched ? result.versionstamp : state.pendingVs,
          pending,
        });
        return { ok: true, version: result.versionstamp };
      }
    }

    // Several commits: register the generation in the pending record with
    // the first chunks, write the rest, then switch the head in one checked
    // commit. Every commit checks the head and the pending record, so a
    // writer learns at once if another one replaced the value or reclaimed
    // this generation; a reader never sees a generation before the switch.
    const pendingKey = [...head, PENDING_PART];
    const pendingKeyBytes = this.#keyBytes(pendingKey);
    let current = state;
    let registered = false;
    let next = 0;
    for (let failures = 0; failures < MAX_ATTEMPTS;) {
      const plan = new CommitPlan();
      plan.check(head, current.vs, headBytes);
      let pending = current.pending;
      let upTo = next;
      const switching = next >= count;
      if (!switching) {
        if (registered) {
          plan.check(pendingKey, current.pendingVs, pendingKeyBytes);
        } else {
          pending = { ...pending, [gen]: { n: count } };
          this.#planPending(head, current, plan, pending);
        }
        for (;;) {
          const part = chunk(upTo);
          if (
            upTo >= count ||
            !plan.set(
              [...head, gen, upTo],
              part,
              chunkBytes,
              part.length,
              expireIn(),
            )
          ) break;
          upTo++;
        }
      } else {
        plan.set(head, manifest, headBytes, SMALL_RECORD_BYTES, expireIn());
        pending = { ...current.pending };
        delete pending[gen];
        pending = this.#disposeOld(head, current, plan, pending);
        this.#planPending(head, current, plan, pending);
      }
      const result = await this.#commit(plan);
      if (result.ok) {
        if (switching) {
          await this.#afterCommit(key, head, {
            vs: result.versionstamp,
            head: written,
            pendingVs: hasPendingIn(pending) ? result.versionstamp : null,
            pending,
          });
          return { ok: true, version: result.versionstamp };
        }
        if (!registered) {
          registered = true;
          current = { ...current, pendingVs: result.versionstamp, pending };
        }
        next = upTo;
        continue;
      }
      // A check failed: find out what changed.
      failures++;
      const fresh = await this.#readState(key, head);
      const mine = fresh.pending[gen];
      if (registered && (mine === undefined || mine.del !== undefined)) {
        // A later writer of this key reclaimed this generation to write its
        // own value. A compare-and-set reports the conflict; a plain write is
        // ordered before that writer's (retrying would let the two writers
        // abort each other forever).
        return expected === ANY
          ? { ok: true, version: fresh.vs }
          : { ok: false };
      }
      if (expected !== ANY && logicalVersion(fresh) !== expected) {
        if (registered) await this.#reclaim(key, head, fresh, (g) => g === gen);
        return { ok: false };
      }
      if (!registered && hasPending(fresh)) return { retry: fresh };
      current = fresh;
    }
    throw new SessionStorageError(
      key,
      "write",
      new Error(
        `the session kept changing under this write (${MAX_ATTEMPTS} attempts)`,
      ),
    );
  }

  /**
   * Deletes the chunks of the generations in the pending record that
   * `select` picks, and removes them from the record, commit by commit.
   * Returns the state after.
   */
  async #reclaim(
    key: string,
    head: KvKey,
    state: State,
    select: (gen: string) => boolean,
  ): Promise<State> {
    const chunkBytes = this.#keyBytes(head) + CHILD_KEY_EXTRA_BYTES;
    let current = state;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const targets = Object.entries(current.pending).filter(([gen]) =>
        select(gen)
      );
      if (targets.length === 0) return current;
      const plan = new CommitPlan();
      const rest: PendingGenerations = { ...current.pending };
      // At most this many deletes, so that the record always fits too.
      let room = Math.min(900, Math.floor(600_000 / (2 * chunkBytes)));
      for (const [gen, info] of targets) {
        const from = info.del ?? 0;
        const upTo = Math.min(info.n, from + room);
        const keys: KvKey[] = [];
        for (let i = from; i < upTo; i++) keys.push([...head, gen, i]);
        plan.deleteAll(keys, chunkBytes);
        room -= keys.length;
        if (upTo >= info.n) delete rest[gen];
        else {
          rest[gen] = { n: info.n, del: upTo };
          break;
        }
      }
      if (!this.#planPending(head, current, plan, rest)) {
        throw new Error("unreachable: the pending record always fits");
      }
      const result = await this.#commit(plan);
      if (result.ok) {
        const empty = Object.keys(rest).length === 0;
        current = {
          ...current,
          pendingVs: empty ? null : result.versionstamp,
          pending: rest,
        };
        this.#remember(key, current);
        attempt = -1;
      } else {
        current = await this.#readState(key, head);
      }
    }
    return current;
  }
}
