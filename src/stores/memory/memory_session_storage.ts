// This module is browser compatible.

/**
 * The in-memory session store.
 *
 * @module
 */

import { SessionValueError } from "../../contract/errors.ts";
import type {
  CompareAndSetResult,
  StorageAdapter,
  Version,
  VersionedValue,
} from "../../contract/storage_adapter.ts";
import { copyStorable, deepClone } from "../../values/_clone.ts";
import {
  registerStoredReader,
  type StoredRead,
} from "../../contract/_stored_read.ts";
import { isExpired, sweepEntries, touchEntry } from "./_memory_expiry.ts";
import {
  type MemorySessionStorageOptions,
  memoryStoreSettings,
} from "./_memory_options.ts";

export type { MemorySessionStorageOptions } from "./_memory_options.ts";

/** One stored session. */
export interface MemorySessionEntry<S> {
  /** A private copy of the session data. */
  session: S;
  /** When the entry expires (ms since the epoch), if it has a time to live. */
  expires?: number;
  /** Changes on every write; used for compare-and-set. */
  version: string;
}

/**
 * Keeps sessions in memory, like grammY's `MemorySessionStorage`, but behaves
 * like a database:
 *
 * - values are copied in on write and out on read, so a handler that throws
 *   after mutating its session leaves no trace, and two chats never share an
 *   object;
 * - a value the store cannot keep as it is fails at write time with a
 *   `SessionValueError` naming the key, the path to the part and what it is:
 *   functions, symbols, class instances (which would come back as plain
 *   objects without their methods), platform objects such as promises, and
 *   values nested more than 1000 levels deep. Plain objects, arrays
 *   (sparse ones cost what they hold), `Date`, `RegExp`, `Map`, `Set`,
 *   binary data, boxed primitives, plain errors, cycles and shared
 *   references are kept, as Deno KV keeps them;
 * - with a `timeToLive`, a session expires that long after it was last read
 *   or written (active chats stay alive without writes), expired entries are
 *   never returned by `read`, `has` or `readAll*`, and they are reclaimed as
 *   new sessions are written, without timers;
 * - `maxEntries` caps the number of sessions (least recently used go first);
 * - it supports compare-and-set, so the session middleware detects
 *   conflicting writes.
 *
 * To keep live objects (class instances, grammY's own objects) in memory as
 * they are, pass `{ copy: false }`: the store then keeps references, with no
 * copies, no checks and no rollback, like grammY's store.
 *
 * All data is lost when the process ends: use it for development and tests,
 * or for data that need not survive a restart.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemorySessionStorage } from "./memory_session_storage.ts";
 *
 * const storage = new MemorySessionStorage<{ count: number }>();
 * const value = { count: 1 };
 * storage.write("42", value);
 * value.count = 99; // the stored copy does not change
 * assert(storage.read("42")?.count === 1);
 * assert([...storage.readAllKeys()].join() === "42");
 * ```
 *
 * @example Keeping class instances, by reference
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemorySessionStorage } from "./memory_session_storage.ts";
 *
 * class Cart {
 *   items: string[] = [];
 *   add(item: string): void {
 *     this.items.push(item);
 *   }
 * }
 * const storage = new MemorySessionStorage<Cart>({ copy: false });
 * storage.write("42", new Cart());
 * storage.read("42")!.add("pizza"); // the stored object itself
 * assert(storage.read("42") instanceof Cart);
 * assert(storage.read("42")!.items.length === 1);
 * ```
 */
export class MemorySessionStorage<S> implements StorageAdapter<S> {
  /** Time to live of a session in milliseconds (`undefined`: forever). */
  readonly timeToLive: number | undefined;
  /** The most sessions kept (`undefined`: no limit). */
  readonly maxEntries: number | undefined;
  /** Whether values are copied in and out (`false`: kept by reference). */
  readonly copy: boolean;
  /**
   * The stored sessions, least recently used first when a time to live or
   * `maxEntries` is set. Protected, as in grammY, for subclasses.
   */
  protected readonly storage: Map<string, MemorySessionEntry<S>> = new Map();
  #nextVersion = 1;
  readonly #touch: boolean;

  /**
   * Creates an empty memory store.
   *
   * @param options The time to live, `maxEntries` and `copy`.
   */
  constructor(options?: MemorySessionStorageOptions);
  /**
   * Creates an empty memory store, as grammY's `new MemorySessionStorage(ttl)`.
   *
   * @param timeToLive How long a session lives after its last read or write,
   * in milliseconds. Default: `Infinity` (forever).
   * @param options More options, such as `maxEntries` and `copy`.
   */
  constructor(timeToLive?: number, options?: MemorySessionStorageOptions);
  constructor(
    timeToLiveOrOptions?: number | MemorySessionStorageOptions,
    moreOptions: MemorySessionStorageOptions = {},
  ) {
    const { timeToLive, maxEntries, copy } = memoryStoreSettings(
      timeToLiveOrOptions,
      moreOptions,
    );
    this.timeToLive = timeToLive;
    this.maxEntries = maxEntries;
    this.copy = copy;
    this.#touch = this.timeToLive !== undefined || maxEntries !== undefined;
  }

  // The live entry of `key`, marked as used; expired entries are dropped
  // (see `_memory_expiry.ts`).
  #get(key: string): MemorySessionEntry<S> | undefined {
    if (!this.#touch) return this.storage.get(key);
    return touchEntry(this.storage, key, this.timeToLive);
  }

  /** Reads a copy of the session stored under `key`. */
  read(key: string): S | undefined {
    const entry = this.#get(key);
    return entry === undefined ? undefined : this.#copyOut(entry.session);
  }

  /** Reads a copy of the session under `key` with its version. */
  readWithVersion(key: string): VersionedValue<S> {
    const entry = this.#get(key);
    return entry === undefined
      ? { value: undefined, version: null }
      : { value: this.#copyOut(entry.session), version: entry.version };
  }

  // The private read of `_stored_read.ts`: also the store's own copy, which
  // is never handed out and never changed (a write replaces it).
  #readStored(key: string): StoredRead {
    const entry = this.#get(key);
    return entry === undefined
      ? { value: undefined, version: null, stored: undefined }
      : {
        value: deepClone(entry.session),
        version: entry.version,
        stored: entry.session,
      };
  }

  static {
    registerStoredReader((storage, key) =>
      storage instanceof MemorySessionStorage && storage.copy
        ? storage.#readStored(key)
        : undefined
    );
  }

  /** Stores a copy of `value` under `key`. */
  write(key: string, value: S): void {
    this.#set(key, this.#copyIn(key, value));
  }

  /**
   * Writes (or, for `undefined`, deletes) only if the stored version of
   * `key` is still `expected`.
   */
  compareAndSet(
    key: string,
    expected: Version,
    value: S | undefined,
  ): CompareAndSetResult {
    const copy = value === undefined ? undefined : this.#copyIn(key, value);
    const entry = this.storage.get(key);
    const live = entry !== undefined && !isExpired(entry, Date.now());
    const current = live ? entry.version : null;
    if (current !== expected) return { ok: false };
    if (copy === undefined) {
      this.storage.delete(key);
      return { ok: true, version: null };
    }
    return { ok: true, version: this.#set(key, copy) };
  }

  #copyIn(key: string, value: S): S {
    if (value === undefined) {
      throw new SessionValueError(key, "the value is undefined");
    }
    // One walk that copies and refuses what a store cannot keep.
    return this.copy ? copyStorable(key, value) : value;
  }

  #copyOut(session: S): S {
    return this.copy ? deepClone(session) : session;
  }

  #set(key: string, session: S): string {
    const version = `${this.#nextVersion++}`;
    const entry: MemorySessionEntry<S> = { session, version };
    const now = Date.now();
    if (this.timeToLive !== undefined) entry.expires = now + this.timeToLive;
    if (this.#touch) this.storage.delete(key);
    this.storage.set(key, entry);
    if (this.#touch) sweepEntries(this.storage, now, this.maxEntries);
    return version;
  }

  /** Deletes the session stored under `key`, if any. */
  delete(key: string): void {
    this.storage.delete(key);
  }

  /** Tells whether a live (not expired) session is stored under `key`. */
  has(key: string): boolean {
    const entry = this.storage.get(key);
    if (entry === undefined) return false;
    if (isExpired(entry, Date.now())) {
      this.storage.delete(key);
      return false;
    }
    return true;
  }

  /** The keys of all live sessions. */
  readAllKeys(): string[] {
    // Without copying every session just to drop it.
    const now = Date.now();
    const keys: string[] = [];
    for (const [key, entry] of this.storage) {
      if (isExpired(entry, now)) this.storage.delete(key);
      else keys.push(key);
    }
    return keys;
  }

  /** Copies of all live sessions. */
  readAllValues(): S[] {
    return this.readAllEntries().map(([, value]) => value);
  }

  /** The keys of all live sessions, with copies of their values. */
  readAllEntries(): [key: string, value: S][] {
    const now = Date.now();
    const entries: [string, S][] = [];
    for (const [key, entry] of this.storage) {
      if (isExpired(entry, now)) this.storage.delete(key);
      else entries.push([key, this.#copyOut(entry.session)]);
    }
    return entries;
  }

  /**
   * Copies of all live sessions.
   *
   * @deprecated Use {@linkcode MemorySessionStorage.readAllValues} instead.
   */
  readAll(): S[] {
    return this.readAllValues();
  }
}
