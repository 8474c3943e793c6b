// This module is browser compatible.
// The errors of a store's lease (Deno KV, Redis), both conflicts: the update
// changed nothing.

import { SessionConflictError } from "./errors.ts";

/**
 * Thrown when an update waited longer than the given `timeout` for the lease
 * of its session key. Nothing was read or written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SessionLeaseTimeoutError } from "./lease_errors.ts";
 *
 * const error = new SessionLeaseTimeoutError("42", 1000);
 * assert(error.message.includes("42"));
 * ```
 */
export class SessionLeaseTimeoutError extends SessionConflictError {
  /**
   * Creates the error.
   *
   * @param key The session key.
   * @param timeout How long the update waited, in milliseconds.
   */
  constructor(key: string, timeout: number) {
    super(key);
    this.name = "SessionLeaseTimeoutError";
    this.message =
      `Session "${key}" stayed leased by another instance for ${timeout} ms, so this update did not run on it; nothing was read or written`;
  }
}

/**
 * Thrown at the write of an update that lost the lease of its session key
 * (it ran past `maxHold`, or was paused for longer than the lease's time to
 * live, and another instance took the key). Its changes were not written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SessionConflictError } from "./errors.ts";
 * import { SessionLeaseLostError } from "./lease_errors.ts";
 *
 * assert(new SessionLeaseLostError("42") instanceof SessionConflictError);
 * ```
 */
export class SessionLeaseLostError extends SessionConflictError {
  /**
   * Creates the error.
   *
   * @param key The session key.
   */
  constructor(key: string) {
    super(key);
    this.name = "SessionLeaseLostError";
    this.message =
      `Session "${key}": this update held the key's lease for longer than it may (maxHold or the lease's time to live), another instance took it, so this update's changes were not written`;
  }
}
