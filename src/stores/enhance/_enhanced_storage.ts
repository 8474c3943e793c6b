// This module is browser compatible.
// One enhanced storage: reads decode the `{ __d, v, e }` record (expiry,
// migrations), writes encode it, and the adapter offers exactly the optional
// methods of the wrapped storage.
//
// WHEN A READ WRITES: only over a storage that can compare-and-set. There a
// read stores migrated data back, refreshes the expiry once `refreshRatio`
// of the lifetime passed, and deletes an expired session, each only if
// nobody wrote the key since the read. Over any other storage (a grammY
// adapter) a read never writes: such a write would be blind, and could
// revert or delete what another bot sharing the storage wrote meanwhile.

import type {
  CompareAndSetResult,
  MaybePromise,
  StorageAdapter,
  Version,
  VersionedValue,
  WriteOptions,
} from "../../contract/storage_adapter.ts";
import { type Enhance, EnhanceCodec } from "./_enhance_value.ts";
import { checkOptions, type MigrationOptions } from "./_enhance_options.ts";
import { EnhancedListing } from "./_enhanced_listing.ts";
import { REWRITE, rewriteArgs } from "../../contract/_rewrite.ts";
import {
  KNOWN_VERSION,
  knownVersion,
  remembersVersions,
} from "../../contract/_known_version.ts";

/** See the file comment. */
export class EnhancedStorage<T> {
  readonly #storage: StorageAdapter<Enhance<T>>;
  // The `{ __d, v, e }` records (see `_enhance_value.ts`).
  readonly #codec: EnhanceCodec<T>;

  constructor(options: MigrationOptions<T>) {
    const { storage, ttl, refreshAfter, migrations } = checkOptions(options);
    this.#storage = storage;
    this.#codec = new EnhanceCodec(ttl, refreshAfter, migrations);
  }

  get #versioned(): boolean {
    const storage = this.#storage;
    return storage.readWithVersion !== undefined &&
      storage.compareAndSet !== undefined;
  }

  async read(key: string): Promise<T | undefined> {
    if (this.#versioned) return (await this.readWithVersion(key)).value;
    // No compare-and-set: the read alone (see the file comment).
    return this.#codec.decode(await this.#storage.read(key)).data;
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
    ...options: [WriteOptions?]
  ): MaybePromise<CompareAndSetResult> {
    return this.#storage.compareAndSet!(
      key,
      expected,
      data === undefined ? undefined : this.#codec.encode(data),
      ...options,
    );
  }

  delete(key: string, ...options: [WriteOptions?]): MaybePromise<void> {
    return this.#storage.delete(key, ...options);
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
    const listing = new EnhancedListing(inner, this.#codec);
    if (inner.has !== undefined) adapter.has = (key) => listing.has(key);
    if (inner.readAllKeys !== undefined) {
      adapter.readAllKeys = () => listing.readAllKeys();
    }
    if (inner.readAllValues !== undefined) {
      adapter.readAllValues = () => listing.readAllValues();
    }
    if (inner.readAllEntries !== undefined) {
      adapter.readAllEntries = () => listing.readAllEntries();
    }
    if (this.#versioned) {
      adapter.readWithVersion = (key) => this.readWithVersion(key);
      adapter.compareAndSet = (key, expected, value, ...options) =>
        this.compareAndSet(key, expected, value, ...options);
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
