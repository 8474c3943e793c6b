// This module is browser compatible.
// The listing methods of an enhanced storage (`has`, `readAllKeys`,
// `readAllValues`, `readAllEntries`): the wrapped storage's, with expired
// sessions skipped and the data migrated. Only those the wrapped storage has
// are offered (see `_enhanced_storage.ts`).

import type { StorageAdapter } from "../../contract/storage_adapter.ts";
import type { Enhance, EnhanceCodec } from "./_enhance_value.ts";

/** The listing methods over `storage`, decoded with `codec`. */
export class EnhancedListing<T> {
  constructor(
    readonly storage: StorageAdapter<Enhance<T>>,
    readonly codec: EnhanceCodec<T>,
  ) {}

  async has(key: string): Promise<boolean> {
    if (this.codec.ttl === undefined) return await this.storage.has!(key);
    return this.codec.live(await this.storage.read(key)) !== undefined;
  }

  async *readAllEntries(): AsyncGenerator<[string, T]> {
    for await (const [key, raw] of this.storage.readAllEntries!()) {
      const { data } = this.codec.decode(raw);
      if (data !== undefined) yield [key, data];
    }
  }

  async *readAllValues(): AsyncGenerator<T> {
    for await (const raw of this.storage.readAllValues!()) {
      const { data } = this.codec.decode(raw);
      if (data !== undefined) yield data;
    }
  }

  async *readAllKeys(): AsyncGenerator<string> {
    const { storage, codec } = this;
    if (codec.ttl === undefined) {
      yield* storage.readAllKeys!();
      return;
    }
    if (storage.readAllEntries !== undefined) {
      for await (const [key, raw] of storage.readAllEntries()) {
        if (codec.live(raw) !== undefined) yield key;
      }
      return;
    }
    for await (const key of storage.readAllKeys!()) {
      if (codec.live(await storage.read(key)) !== undefined) yield key;
    }
  }
}
