// This module is browser compatible.

/**
 * Storage enhancement: session migrations and expiry on top of any storage.
 *
 * @module
 */

import type {
  CompareAndSetResult,
  MaybePromise,
  StorageAdapter,
  Version,
  VersionedValue,
  WriteOptions,
} from "../../contract/storage_adapter.ts";
import { type Enhance, EnhanceCodec } from "./_enhance_value.ts";
import { type Migrations, sortMigrations } from "./_migrations.ts";
import { REWRITE, rewriteArgs } from "../../contract/_rewrite.ts";
import {
  KNOWN_VERSION,
  knownVersion,
  remembersVersions,
} from "../../contract/_known_version.ts";

export type { Enhance } from "./_enhance_value.ts";
export type { Migrations } from "./_migrations.ts";

/** Options of {@linkcode enhanceStorage}. */
export interface MigrationOptions<T> {
  /** The storage to enhance. */
  storage: StorageAdapter<Enhance<T>>;
  /**
   * Migrations to apply when a session of an older version is read. The
   * migrated session is stored back at the latest version when it is read,
   * so each session is migrated once. Migrations get a copy of the data.
   */
  migrations?: Migrations;
  /** How long a session lives after it was last written or refreshed. */
  millisecondsToLive?: number;
  /**
   * After which part of `millisecondsToLive` a session that is read is
   * written again with a new expiry, so that sessions of active chats stay
   * alive without a write on every update. A number from 0 (refresh on every
   * read) to 1 (never refresh on read). Default: 0.5.
   */
  refreshRatio?: number;
}

/** The same as {@linkcode MigrationOptions}. */
export type EnhancementOptions<T> = MigrationOptions<T>;

/**
 * Adds migrations and expiry to a storage adapter, like grammY's
 * `enhanceStorage`, and reads and writes the same `{ __d, v, e }` records.
 * Values stored before enhancing (without `__d`) are read as data.
 *
 * Different from grammY: the enhanced storage keeps the optional methods of
 * the storage it wraps (`has`, `readAll*`, which skip expired sessions, and
 * compare-and-set), fractional migration versions work, and sessions that
 * are read are refreshed only after `refreshRatio` of their time to live
 * passed, instead of being written on every update.
 *
 * The writes a read makes on its own (storing migrated data back, the
 * refresh, the deletion of an expired session) use compare-and-set when the
 * wrapped storage has it: if another process wrote the session after it was
 * read, its newer value stands and the read returns that value instead.
 *
 * @example Migrating `{ pizzaCount }` sessions to `{ pizzas }`
 * ```ts
 * import assert from "node:assert/strict";
 * import { enhanceStorage } from "./enhance_storage.ts";
 * import { MemorySessionStorage } from "../memory/memory_session_storage.ts";
 *
 * const raw = new MemorySessionStorage<any>();
 * raw.write("42", { pizzaCount: 3 }); // written before migrations existed
 * const storage = enhanceStorage<{ pizzas: number; size: string }>({
 *   storage: raw,
 *   migrations: {
 *     1: (old) => ({ pizzas: old.pizzaCount }),
 *     1.5: (old) => ({ ...old, size: "large" }),
 *   },
 *   millisecondsToLive: 60_000,
 * });
 * const session = await storage.read("42");
 * assert(session?.pizzas === 3 && session.size === "large");
 * ```
 *
 * @param options The storage to enhance, migrations, and time to live.
 * @returns A storage adapter for the session data.
 */
export function enhanceStorage<T>(
  options: MigrationOptions<T>,
): StorageAdapter<T> {
  return new EnhancedStorage(options).adapter();
}

class EnhancedStorage<T> {
  readonly #storage: StorageAdapter<Enhance<T>>;
  readonly #ttl: number | undefined;
  // The `{ __d, v, e }` records (see `_enhance_value.ts`).
  readonly #codec: EnhanceCodec<T>;

  constructor(options: MigrationOptions<T>) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError("enhanceStorage needs an options object");
    }
    const { storage, migrations, millisecondsToLive, refreshRatio = 0.5 } =
      options;
    if (
      typeof storage?.read !== "function" ||
      typeof storage.write !== "function" ||
      typeof storage.delete !== "function"
    ) {
      throw new TypeError(
        "enhanceStorage needs a `storage` with read, write and delete methods",
      );
    }
    if (
      millisecondsToLive !== undefined &&
      !(typeof millisecondsToLive === "number" && millisecondsToLive > 0)
    ) {
      throw new RangeError(
        `millisecondsToLive must be a positive number, got ${millisecondsToLive}`,
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
    this.#storage = storage;
    const ttl = millisecondsToLive === Infinity
      ? undefined
      : millisecondsToLive;
    this.#ttl = ttl;
    // A ratio of 1 never refreshes on read, even at the very last moment.
    const refreshAfter = refreshRatio === 1
      ? Infinity
      : (ttl ?? 0) * refreshRatio;
    this.#codec = new EnhanceCodec(
      ttl,
      refreshAfter,
      sortMigrations(migrations),
    );
  }

  get #versioned(): boolean {
    const storage = this.#storage;
    return storage.readWithVersion !== undefined &&
      storage.compareAndSet !== undefined;
  }

  async read(key: string): Promise<T | undefined> {
    // With compare-and-set, the refresh and the deletion of an expired value
    // happen only if nobody wrote since this read: a read never reverts or
    // deletes a newer value written by another process.
    if (this.#versioned) return (await this.readWithVersion(key)).value;
    const decoded = this.#codec.decode(await this.#storage.read(key));
    if (decoded.expired) {
      await this.#storage.delete(key);
    } else if (decoded.rewrite !== undefined) {
      await this.#storage.write(
        key,
        decoded.rewrite,
        ...rewriteArgs(this.#storage),
      );
    }
    return decoded.data;
  }

  async readWithVersion(key: string): Promise<VersionedValue<T>> {
    const storage = this.#storage;
    // Retried only if another writer changes the key between our read and
    // our clean-up write; each retry sees a newer value.
    for (let attempt = 0;; attempt++) {
      const { value, version } = await storage.readWithVersion!(key);
      const decoded = this.#codec.decode(value);
      const cleanup = decoded.expired ? undefined : decoded.rewrite;
      if (!decoded.expired && cleanup === undefined) {
        return { value: decoded.data, version };
      }
      // Stored data put back: a store's limits for new data do not apply.
      const result = await storage.compareAndSet!(
        key,
        version,
        cleanup,
        ...rewriteArgs(storage),
      );
      if (result.ok) {
        return { value: decoded.data, version: result.version };
      }
      if (attempt >= 5) return { value: decoded.data, version };
    }
  }

  // The options are passed on only if the caller gave some: a grammY
  // adapter gets `write(key, value)` and `delete(key)`, as from grammY.
  write(key: string, data: T, ...options: [WriteOptions?]): MaybePromise<void> {
    return this.#storage.write(key, this.#codec.encode(data), ...options);
  }

  compareAndSet(
    key: string,
    expected: Version,
    data: T | undefined,
    options?: WriteOptions,
  ): MaybePromise<CompareAndSetResult> {
    return this.#storage.compareAndSet!(
      key,
      expected,
      data === undefined ? undefined : this.#codec.encode(data),
      options,
    );
  }

  delete(key: string, ...options: [WriteOptions?]): MaybePromise<void> {
    return this.#storage.delete(key, ...options);
  }

  async has(key: string): Promise<boolean> {
    if (this.#ttl === undefined) return await this.#storage.has!(key);
    return this.#codec.live(await this.#storage.read(key)) !== undefined;
  }

  async *readAllEntries(): AsyncGenerator<[string, T]> {
    for await (const [key, raw] of this.#storage.readAllEntries!()) {
      const { data } = this.#codec.decode(raw);
      if (data !== undefined) yield [key, data];
    }
  }

  async *readAllValues(): AsyncGenerator<T> {
    for await (const raw of this.#storage.readAllValues!()) {
      const { data } = this.#codec.decode(raw);
      if (data !== undefined) yield data;
    }
  }

  async *readAllKeys(): AsyncGenerator<string> {
    if (this.#ttl === undefined) {
      yield* this.#storage.readAllKeys!();
      return;
    }
    if (this.#storage.readAllEntries !== undefined) {
      for await (const [key, raw] of this.#storage.readAllEntries()) {
        if (this.#codec.live(raw) !== undefined) yield key;
      }
      return;
    }
    for await (const key of this.#storage.readAllKeys!()) {
      if (this.#codec.live(await this.#storage.read(key)) !== undefined) {
        yield key;
      }
    }
  }

  /** The adapter, with exactly the optional methods the wrapped one has. */
  adapter(): StorageAdapter<T> {
    const inner = this.#storage;
    const adapter: StorageAdapter<T> = {
      read: (key) => this.read(key),
      write: (key, value, ...options) => this.write(key, value, ...options),
      delete: (key, ...options) => this.delete(key, ...options),
    };
    // It takes writes of stored data if the wrapped store does (it passes
    // the options on).
    if (rewriteArgs(inner).length > 0) {
      Object.defineProperty(adapter, REWRITE, { value: true });
    }
    // The lease (DenoKvStorage `lease`) is the wrapped store's.
    if (inner.acquireLease !== undefined) {
      adapter.acquireLease = (key, options) =>
        inner.acquireLease!(key, options);
    }
    if (inner.has !== undefined) adapter.has = (key) => this.has(key);
    if (inner.readAllKeys !== undefined) {
      adapter.readAllKeys = () => this.readAllKeys();
    }
    if (inner.readAllValues !== undefined) {
      adapter.readAllValues = () => this.readAllValues();
    }
    if (inner.readAllEntries !== undefined) {
      adapter.readAllEntries = () => this.readAllEntries();
    }
    if (
      inner.readWithVersion !== undefined && inner.compareAndSet !== undefined
    ) {
      adapter.readWithVersion = (key) => this.readWithVersion(key);
      adapter.compareAndSet = (key, expected, value, options) =>
        this.compareAndSet(key, expected, value, options);
      // Versions are the wrapped store's: so is what it remembers of them.
      if (remembersVersions(inner)) {
        Object.defineProperty(adapter, KNOWN_VERSION, {
          value: (key: string) => {
            const version = knownVersion(inner, key);
            return version === false ? undefined : version;
          },
        });
      }
    }
    return adapter;
  }
}
