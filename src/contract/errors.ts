// This module is browser compatible.

/**
 * The errors a bot may want to catch: all of them name the session key.
 *
 * @module
 */

/**
 * The base class of every session error this module throws. `key` is the
 * session key (with its prefix) that the failure is about.
 *
 * @example Telling session failures apart in `bot.catch`
 * ```ts
 * import assert from "node:assert/strict";
 * import { SessionError } from "./errors.ts";
 *
 * function describe(error: unknown): string {
 *   return error instanceof SessionError
 *     ? `session ${error.key} failed: ${error.message}`
 *     : String(error);
 * }
 * assert(describe(new Error("x")) === "Error: x");
 * ```
 */
export class SessionError extends Error {
  /** The session key the error is about. */
  readonly key: string;

  /**
   * Creates a session error.
   *
   * @param key The session key the error is about.
   * @param message What happened and why.
   * @param options The underlying cause, if any.
   */
  constructor(key: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SessionError";
    this.key = key;
  }
}

/**
 * Thrown at the end of an update when the session was changed by someone else
 * (another process, isolate, or an update that ran unserialised) after this
 * update read it. Nothing was written: the newer stored value is kept. On
 * webhooks, letting the error reach the webhook handler makes Telegram
 * deliver the update again, and the retry runs on fresh data.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SessionConflictError } from "./errors.ts";
 *
 * const error = new SessionConflictError("424242");
 * assert(error.key === "424242");
 * assert(error.message.includes("424242"));
 * ```
 */
export class SessionConflictError extends SessionError {
  /**
   * Creates a conflict error.
   *
   * @param key The session key that was changed concurrently.
   */
  constructor(key: string) {
    super(
      key,
      `Session "${key}" was changed by another update after this update read it, so this update's changes were not written (the newer stored value is kept)`,
    );
    this.name = "SessionConflictError";
  }
}

/** The storage operation that failed. */
export type StorageOperation = "read" | "write" | "delete";

/**
 * Thrown when the storage fails while reading, writing or deleting a session.
 * The original error is the `cause`. A failed read never replaces stored data
 * with `initial()`; a failed write leaves the stored value as it was (as far
 * as the storage guarantees it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SessionStorageError } from "./errors.ts";
 *
 * const error = new SessionStorageError("7", "read", new Error("offline"));
 * assert(error.message.includes("offline"));
 * assert(error.operation === "read");
 * ```
 */
export class SessionStorageError extends SessionError {
  /** What the middleware was doing when the storage failed. */
  readonly operation: StorageOperation;

  /**
   * Creates a storage error.
   *
   * @param key The session key.
   * @param operation What the middleware asked the storage to do.
   * @param cause What the storage threw.
   */
  constructor(key: string, operation: StorageOperation, cause: unknown) {
    super(
      key,
      `Could not ${operation} session "${key}": ${describeCause(cause)}`,
      { cause },
    );
    this.name = "SessionStorageError";
    this.operation = operation;
  }
}

/**
 * Thrown by the stores of this module for a value they cannot hold: one that
 * cannot be copied or serialised (functions, symbols), one that is too large,
 * or a key the database cannot store. Nothing stored was changed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SessionValueError } from "./errors.ts";
 *
 * const error = new SessionValueError("42", "it contains a function");
 * assert(error.message.includes("42"));
 * ```
 */
export class SessionValueError extends SessionError {
  /**
   * Creates a value error.
   *
   * @param key The session key.
   * @param reason Why the value cannot be stored.
   * @param options The underlying cause, if any.
   */
  constructor(key: string, reason: string, options?: ErrorOptions) {
    super(key, `Cannot store session "${key}": ${reason}`, options);
    this.name = "SessionValueError";
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return String(cause);
}

/**
 * Thrown when `ctx.session` is used after its update finished: a lazy session
 * read or assigned, or a strict session assigned, from background work the
 * handler did not await (`setTimeout`, a promise not awaited). The session was
 * already written back and its key lock given up, so the access can neither
 * take part in the update nor be stored; nothing is locked or written. Await
 * the work before the handler returns, or give it a session of its own.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SessionLateAccessError } from "./errors.ts";
 *
 * const error = new SessionLateAccessError("42", "read");
 * assert(error.message.includes("Await the background work"));
 * ```
 */
export class SessionLateAccessError extends SessionError {
  /**
   * Creates a late-access error.
   *
   * @param key The session key.
   * @param access What the late code did with `ctx.session`.
   */
  constructor(key: string, access: "read" | "assign") {
    super(
      key,
      `Cannot ${access} session "${key}" after its update finished: its data was already written back and nothing done now would be stored. Await the background work (or the promise that uses ctx.session) before the handler returns.`,
    );
    this.name = "SessionLateAccessError";
  }
}

/**
 * Thrown to an update that held the lock of its session key for longer than
 * `lockTimeout` milliseconds while other updates of that key waited: the next
 * update was let through, and this update's session changes were not written
 * (they would overwrite what the later updates stored).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SessionLockTimeoutError } from "./errors.ts";
 *
 * const error = new SessionLockTimeoutError("42", 30_000);
 * assert(error.timeout === 30_000);
 * ```
 */
export class SessionLockTimeoutError extends SessionError {
  /** The `lockTimeout` that ran out, in milliseconds. */
  readonly timeout: number;

  /**
   * Creates a lock timeout error.
   *
   * @param key The session key.
   * @param timeout The `lockTimeout` in milliseconds.
   */
  constructor(key: string, timeout: number) {
    super(
      key,
      `This update held the lock of session "${key}" for more than lockTimeout (${timeout} ms) while other updates of that key waited, so they went ahead and this update's session changes were not written. Finish handlers sooner, move slow work out of the update, or raise lockTimeout.`,
    );
    this.name = "SessionLockTimeoutError";
    this.timeout = timeout;
  }
}

/**
 * Thrown when session middleware is installed in a way that would lose data
 * or hang: a second session on a `ctx.session` that another session
 * middleware already provides with a different storage or key, or a session
 * inside a conversation (`@grammyjs/conversations` `plugins`) on the same
 * storage and key as the session outside it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SessionSetupError } from "./errors.ts";
 *
 * const error = new SessionSetupError("42", "two sessions on ctx.session");
 * assert(error.message.includes("ctx.session"));
 * ```
 */
export class SessionSetupError extends SessionError {
  /**
   * Creates a setup error.
   *
   * @param key The session key.
   * @param reason What is wrong with the setup and how to fix it.
   */
  constructor(key: string, reason: string) {
    super(key, `Session "${key}": ${reason}`);
    this.name = "SessionSetupError";
  }
}
