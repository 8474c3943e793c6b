// This module is browser compatible.

/**
 * The storage contract: what a session store must do, and the optional
 * compare-and-set capability that lets the middleware detect lost updates.
 *
 * @module
 */

/** A value, or a promise of it. Storages may answer synchronously. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * An opaque token naming one stored state of one key. `null` means "no value
 * is stored". A storage changes the version of a key on every write, so two
 * equal versions mean nothing was written in between.
 */
export type Version = string | null;

/** The answer of {@linkcode StorageAdapter.readWithVersion}. */
export interface VersionedValue<T> {
  /** The stored value, or `undefined` if there is none (or it expired). */
  value: T | undefined;
  /** The version of what was read; `null` if nothing is stored. */
  version: Version;
}

/**
 * The answer of {@linkcode StorageAdapter.compareAndSet}: `ok: true` with the
 * new version if the write happened, `ok: false` if the stored version was no
 * longer the expected one (and nothing was written).
 */
export type CompareAndSetResult =
  | { ok: true; version: Version }
  | { ok: false };

/**
 * A lease on one session key across instances (see
 * {@linkcode StorageAdapter.acquireLease}): while an update holds it, no
 * update in another process sharing the storage runs on that key.
 */
export interface SessionLease {
  /** Gives the lease back if it is still held; safe to call twice. */
  release(): Promise<void>;
}

/** Options of {@linkcode StorageAdapter.acquireLease}. */
export interface AcquireLeaseOptions {
  /**
   * The longest time the lease may be held, renewals included, in
   * milliseconds: the session's `lockTimeout`.
   */
  maxHold?: number;
}

/**
 * What the middleware passes as the last argument of `write`, `delete` and
 * `compareAndSet` while it holds a lease: a storage that made the lease may
 * give it back in the same commit as the write (and must refuse the write if
 * the lease was lost). Other storages ignore it.
 */
export interface WriteOptions {
  /** The lease the update holds on the key. */
  lease?: SessionLease;
}

/**
 * A place to keep session data, compatible with grammY's `StorageAdapter`:
 * every storage adapter written for grammY (the `@grammyjs/storage-*`
 * packages, or your own five lines) works here unchanged.
 *
 * Two optional methods add compare-and-set. When a storage has both, the
 * session middleware writes back only if the stored value is still the one it
 * read, and raises a `SessionConflictError` otherwise, so that two processes
 * sharing one database never silently overwrite each other.
 * {@linkcode MemorySessionStorage} and {@linkcode DenoKvStorage} implement
 * them.
 *
 * @example A storage adapter over a `Map`
 * ```ts
 * import assert from "node:assert/strict";
 * import type { StorageAdapter } from "./storage_adapter.ts";
 *
 * function mapStorage<T>(map = new Map<string, T>()): StorageAdapter<T> {
 *   return {
 *     read: (key) => map.get(key),
 *     write: (key, value) => void map.set(key, value),
 *     delete: (key) => void map.delete(key),
 *   };
 * }
 * const storage = mapStorage<number>();
 * await storage.write("42", 1);
 * assert(await storage.read("42") === 1);
 * ```
 */
export interface StorageAdapter<T> {
  /** Reads the value stored under `key`, or `undefined` if there is none. */
  read: (key: string) => MaybePromise<T | undefined>;
  /** Stores `value` under `key`, replacing what was there. */
  write: (key: string, value: T, options?: WriteOptions) => MaybePromise<void>;
  /** Removes the value stored under `key`, if any. */
  delete: (key: string, options?: WriteOptions) => MaybePromise<void>;
  /** Tells whether a value is stored under `key`. */
  has?: (key: string) => MaybePromise<boolean>;
  /** Lists every key that has a value. */
  readAllKeys?: () => Iterable<string> | AsyncIterable<string>;
  /** Lists every stored value. */
  readAllValues?: () => Iterable<T> | AsyncIterable<T>;
  /** Lists every stored key with its value. */
  readAllEntries?: () =>
    | Iterable<[key: string, value: T]>
    | AsyncIterable<[key: string, value: T]>;
  /**
   * Reads the value stored under `key` together with its version.
   * Implement it together with {@linkcode StorageAdapter.compareAndSet}.
   */
  readWithVersion?: (key: string) => MaybePromise<VersionedValue<T>>;
  /**
   * Writes `value` under `key` (or deletes the key if `value` is
   * `undefined`), but only if the stored version is still `expected`.
   */
  compareAndSet?: (
    key: string,
    expected: Version,
    value: T | undefined,
    options?: WriteOptions,
  ) => MaybePromise<CompareAndSetResult>;
  /**
   * Takes a lease on `key` across every process sharing this storage,
   * waiting while another update holds it. The session middleware calls it
   * right after this process's key lock (strict sessions: before the read;
   * lazy sessions: at the first access), passes the lease to the write, and
   * releases it at the end of the update. `DenoKvStorage` has it with the
   * option `lease`.
   */
  acquireLease?: (
    key: string,
    options?: AcquireLeaseOptions,
  ) => Promise<SessionLease>;
}
