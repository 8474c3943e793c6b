// This module is browser compatible.
// The options of the memory store, and how its two constructor forms
// (grammY's `(timeToLive, options)` and `(options)`) are read and checked.

import { checkTimeToLive } from "../../contract/_option_checks.ts";

/** Options of {@linkcode MemorySessionStorage}. */
export interface MemorySessionStorageOptions {
  /**
   * How long a session lives after its last read or write, in milliseconds.
   * The same as the first argument of the constructor (give it once).
   * Default: `Infinity` (forever).
   */
  timeToLive?: number;
  /**
   * The most sessions to keep. When a write would exceed it, the least
   * recently used sessions (read or written) are dropped first.
   * Default: no limit.
   */
  maxEntries?: number;
  /**
   * Whether values are copied in on write and out on read, as a database
   * would store them. Default: `true`.
   *
   * With `copy: false` the store keeps the very objects it is given, as
   * grammY's `MemorySessionStorage` does: class instances keep their class,
   * functions and other live objects are allowed, and nothing is copied or
   * checked. In exchange there is no rollback (a handler that changes its
   * session and then throws leaves the change in the store) and whoever
   * holds a value read from the store can change the stored session.
   */
  copy?: boolean;
}

/** The checked options of a memory store. */
export interface MemoryStoreSettings {
  /** `undefined`: forever. */
  timeToLive: number | undefined;
  maxEntries: number | undefined;
  copy: boolean;
}

/** Reads and checks the constructor arguments of the memory store. */
export function memoryStoreSettings(
  timeToLiveOrOptions: number | MemorySessionStorageOptions | undefined,
  moreOptions: MemorySessionStorageOptions,
): MemoryStoreSettings {
  let timeToLive = timeToLiveOrOptions;
  let options = moreOptions;
  if (
    typeof timeToLiveOrOptions === "object" && timeToLiveOrOptions !== null
  ) {
    timeToLive = timeToLiveOrOptions.timeToLive;
    options = timeToLiveOrOptions;
  } else if (timeToLive !== undefined && options.timeToLive !== undefined) {
    throw new TypeError(
      "Give timeToLive once: as the first argument or as an option",
    );
  } else {
    timeToLive ??= options.timeToLive;
  }
  checkTimeToLive(timeToLive, true); // Infinity: never expire
  const { maxEntries, copy = true } = options;
  if (
    maxEntries !== undefined &&
    !(Number.isInteger(maxEntries) && maxEntries > 0)
  ) {
    throw new RangeError(
      `maxEntries must be a positive integer, got ${maxEntries}`,
    );
  }
  if (typeof copy !== "boolean") {
    throw new TypeError(`copy must be true or false, got ${String(copy)}`);
  }
  return {
    timeToLive: timeToLive === Infinity ? undefined : timeToLive as number,
    maxEntries,
    copy,
  };
}
