// This module is browser compatible.
// A private protocol between the memory store and the session middleware:
// a read that also gives the store's own copy of the value, which the
// middleware compares the session with at the end of the update
// (`_same_value.ts`) instead of fingerprinting it twice. The store's copy is
// never handed to handlers and never changed (a write replaces it), so it
// is exactly what was read. Not exported from `mod.ts`.

import type { Version } from "./storage_adapter.ts";

/** A read with the store's own copy of the value. */
export interface StoredRead {
  /** A copy of the stored value, for the handlers. */
  value: unknown;
  /** The version, as `readWithVersion` gives it. */
  version: Version;
  /** The store's own copy (`undefined` if nothing is stored). */
  stored: unknown;
}

type Reader = (storage: object, key: string) => StoredRead | undefined;

let reader: Reader | undefined;

/**
 * Called once by the memory store, with a function that reads from its
 * private state.
 *
 * @param read Gives the read, or `undefined` for a store that does not copy.
 */
export function registerStoredReader(read: Reader): void {
  reader ??= read;
}

/**
 * Reads `key` with the store's own copy, or gives `undefined` if `storage`
 * does not support it (then read it the usual way).
 *
 * @param storage The store.
 * @param key The session key.
 * @returns The read, or `undefined`.
 */
export function readWithStored(
  storage: object,
  key: string,
): StoredRead | undefined {
  return reader === undefined ? undefined : reader(storage, key);
}
