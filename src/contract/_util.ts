// This module is browser compatible.
// Small shared helpers.

/** Whether `value` is a promise or another thenable. */
export function isPromiseLike<T>(value: unknown): value is PromiseLike<T> {
  return typeof value === "object" && value !== null &&
    typeof (value as { then?: unknown }).then === "function";
}

/**
 * State shared by every copy of this module in the process (two versions in
 * one dependency tree, npm and JSR side by side): the accessors on a context
 * prototype, the lock table and the storage ids must be one, or the copies
 * break each other. Bump the version in the key when the shape changes.
 */
export interface SharedState {
  /** Context prototypes that carry the session accessors. */
  prepared: WeakSet<object>;
  /** The lock table (a `KeyLock`), created by the first copy. */
  locks: unknown;
  /** Storage object ids, for lock names. */
  storageIds: WeakMap<object, number>;
  nextStorageId: number;
}

const SHARED: unique symbol = Symbol.for("@sessionkit/grammy/shared@1");

/** The process-wide {@linkcode SharedState}. */
export function shared(): SharedState {
  const global = globalThis as { [SHARED]?: SharedState };
  return global[SHARED] ??= {
    prepared: new WeakSet(),
    locks: undefined,
    storageIds: new WeakMap(),
    nextStorageId: 0,
  };
}
