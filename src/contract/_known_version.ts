// This module is browser compatible.
// What a store knows of a key without asking the database: the version of
// the state it last saw, after its own reads and writes of the key (those
// the middleware did not make included: `storage.delete(key)` in a handler,
// `moveSession()`). A store that remembers versions (`DenoKvStorage`, and
// `enhanceStorage()` around one) answers under this symbol; the hand-over
// (`_handover.ts`) uses it to refuse a state that a write through the store
// has replaced since.
import type { Version } from "./storage_adapter.ts";

/** The method of a store that remembers the version it last saw per key. */
export const KNOWN_VERSION: unique symbol = Symbol.for(
  "@sessionkit/grammy/knownVersion@1",
);

/**
 * The version of `key` as `storage` last saw it (`null`: nothing stored),
 * `undefined` if it does not remember it, or `false` if it cannot tell.
 */
export function knownVersion(
  storage: object,
  key: string,
): Version | undefined | false {
  const method = (storage as { [KNOWN_VERSION]?: unknown })[KNOWN_VERSION];
  if (typeof method !== "function") return false;
  const version: unknown = method.call(storage, key);
  return typeof version === "string" || version === null ? version : undefined;
}

/** Whether `storage` can tell the version it last saw of a key. */
export function remembersVersions(storage: object): boolean {
  return typeof (storage as { [KNOWN_VERSION]?: unknown })[KNOWN_VERSION] ===
    "function";
}
