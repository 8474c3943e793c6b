// The per-update state of one session property (`ctx.session`, or one part of
// a multi session): it reads the stored value, installs the accessors, and
// decides at the end of the update whether to write, delete, or do nothing.
//
// Where writes are decided: `finish()`. A value is written only if it differs
// from what was read (compared by fingerprint), deleted only if something was
// stored, and written with compare-and-set when the storage supports it.

import {
  SessionConflictError,
  SessionError,
  SessionStorageError,
  type StorageOperation,
} from "./errors.ts";
import type { CompareAndSetResult, Version } from "./storage_adapter.ts";
import { deepClone } from "./_clone.ts";
import { fingerprint } from "./_fingerprint.ts";
import { lockId, type Release, sessionLocks } from "./_key_lock.ts";
import type { ResolvedOptions } from "./_options.ts";
import { isPromiseLike } from "./_util.ts";

/** Wraps a storage failure so that it names the key and the operation. */
export function storageError(
  key: string,
  operation: StorageOperation,
  error: unknown,
): SessionError {
  return error instanceof SessionError
    ? error
    : new SessionStorageError(key, operation, error);
}

/** Calls `fn`, turning a sync throw or an async rejection into `wrap(error)`. */
function guard<T>(
  fn: () => T | PromiseLike<T>,
  wrap: (error: unknown) => unknown,
): T | Promise<T> {
  let result: T | PromiseLike<T>;
  try {
    result = fn();
  } catch (error) {
    throw wrap(error);
  }
  if (isPromiseLike<T>(result)) {
    return Promise.resolve(result).catch((error) => {
      throw wrap(error);
    });
  }
  return result;
}

function undefinedKeyMessage(
  operation: "access" | "assign",
  lazy: boolean,
  custom: boolean,
): string {
  const reason = custom
    ? "the custom `getSessionKey` function returned undefined for this update"
    : "this update does not belong to a chat, so the session key is undefined";
  return `Cannot ${operation} ${
    lazy ? "lazy " : ""
  }session data because ${reason}!`;
}

/** Defines the read-only `ctx.sessionKey`. */
export function defineSessionKey(ctx: object, key: string | undefined): void {
  Object.defineProperty(ctx, "sessionKey", {
    value: key,
    writable: false,
    enumerable: true,
    configurable: true,
  });
}

/** See the file comment. */
export class PropertySession<S> {
  /** The session key with its prefix, once computed. */
  key: string | undefined = undefined;

  #value: unknown = undefined;
  #accessed = false;
  #assigned = false;
  // The value is based on a completed read: `#baseline`, `#existed` and
  // `#version` describe what is stored.
  #based = false;
  #existed = false;
  #baseline: string | undefined = undefined;
  #version: Version | undefined = undefined;
  #loading: Promise<unknown> | undefined = undefined;
  #promise: Promise<unknown> | undefined = undefined;
  #locking: Promise<void> | undefined = undefined;
  #release: Release | undefined = undefined;
  #finished = false;

  constructor(
    readonly options: ResolvedOptions<S>,
    readonly target: object,
    readonly prop: string,
    readonly lazy: boolean,
    readonly owner: object,
  ) {}

  /** The name of this session's lock, or `undefined` if it takes none. */
  get lockName(): string | undefined {
    return this.key === undefined || !this.options.sequential
      ? undefined
      : lockId(this.options.storage, this.key);
  }

  /** Takes the key's lock; returns a promise only if it has to wait. */
  lock(): Promise<void> | undefined {
    if (this.#locking !== undefined || this.#release !== undefined) {
      return this.#locking;
    }
    const name = this.lockName;
    if (name === undefined) return undefined;
    const acquired = sessionLocks.acquire(name, this.owner);
    if (typeof acquired === "function") {
      this.#release = acquired;
      return undefined;
    }
    this.#locking = acquired.then((release) => {
      this.#release = release;
      this.#locking = undefined;
      if (this.#finished) release();
    });
    return this.#locking;
  }

  /** Gives the lock back (now, or as soon as a pending acquisition ends). */
  release(): void {
    this.#finished = true;
    this.#release?.();
  }

  /** Reads the stored value (strict sessions, before the handlers run). */
  load(): Promise<void> | undefined {
    if (this.key === undefined) return undefined;
    const read = this.#read(this.key);
    if (read instanceof Promise) return read.then(() => {});
    return undefined;
  }

  #read(key: string): unknown {
    const { storage } = this.options;
    if (storage.readWithVersion !== undefined && storage.compareAndSet) {
      const result = guard(
        () => storage.readWithVersion!(key),
        (error) => storageError(key, "read", error),
      );
      return result instanceof Promise
        ? result.then(({ value, version }) => this.#apply(value, version))
        : this.#apply(result.value, result.version);
    }
    const result = guard(
      () => storage.read(key),
      (error) => storageError(key, "read", error),
    );
    return result instanceof Promise
      ? result.then((value) => this.#apply(value, undefined))
      : this.#apply(result, undefined);
  }

  // Records what was read. Unless the session was assigned meanwhile (lazy
  // sessions), the read value (or a fresh initial value) becomes the session.
  // Returns the value the read produced.
  #apply(stored: S | undefined, version: Version | undefined): unknown {
    let value: unknown = stored;
    if (value === undefined && this.options.initial !== undefined) {
      value = this.options.initial();
      // A shared initial object must not leak between chats.
      try {
        value = deepClone(value);
      } catch {
        // Not copyable: the storage will report it when it is written.
      }
    }
    if (this.#assigned) return value;
    this.#based = true;
    this.#existed = stored !== undefined;
    this.#version = version;
    this.#baseline = value === undefined ? undefined : fingerprint(value);
    this.#value = value;
    return value;
  }

  // Lazy sessions: starts the read (once), after taking the lock.
  #startLoading(key: string): void {
    if (this.#loading !== undefined) return;
    const locked = this.lock();
    const loading = (locked === undefined ? Promise.resolve() : locked)
      .then(() => this.#read(key));
    // A failed read is reported by `finish()` or to whoever awaits it; never
    // as an unhandled rejection.
    loading.catch(() => {});
    this.#loading = loading;
  }

  /** Installs the `ctx.session` accessors (or the part's, for multi). */
  install(): void {
    const { key, lazy } = this;
    const { custom } = this.options;
    Object.defineProperty(this.target, this.prop, {
      enumerable: true,
      configurable: true,
      get: () => {
        if (key === undefined) {
          throw new Error(undefinedKeyMessage("access", lazy, custom));
        }
        this.#accessed = true;
        if (!lazy) return this.#value;
        // Lazy sessions always give a promise (the same one until the next
        // assignment), so `ctx.session.then(...)` works at any time.
        if (this.#assigned) {
          return this.#promise ??= Promise.resolve(this.#value);
        }
        this.#startLoading(key);
        return this.#loading;
      },
      set: (value: unknown) => {
        if (key === undefined) {
          throw new Error(undefinedKeyMessage("assign", lazy, custom));
        }
        this.#assigned = true;
        this.#promise = undefined;
        this.#value = value;
        if (lazy) this.lock();
      },
    });
  }

  /** Deletes the session (multi sessions, when `ctx.session` was cleared). */
  clear(): void {
    this.#assigned = true;
    this.#value = undefined;
  }

  /**
   * Writes, deletes, or does nothing, at the end of the update. Returns a
   * promise only if there is I/O (or waiting) to do.
   */
  finish(): Promise<void> | undefined {
    const { key } = this;
    if (key === undefined) return undefined;
    if (this.lazy) {
      if (!this.#accessed && !this.#assigned) return undefined;
      if (this.#loading !== undefined && !this.#assigned && !this.#based) {
        return this.#loading.then(() => this.finish());
      }
    }
    if (this.#locking !== undefined) {
      return this.#locking.then(() => this.finish());
    }
    const value = this.#value;
    if (isPromiseLike(value)) {
      return Promise.resolve(value).then((resolved) => {
        this.#value = resolved;
        return this.finish();
      });
    }
    if (value === null || value === undefined) {
      if (this.#based && !this.#existed) return undefined;
      return this.#store(key, undefined);
    }
    if (this.#based) {
      const print = fingerprint(value);
      if (print !== undefined && print === this.#baseline) return undefined;
    }
    return this.#store(key, value as S);
  }

  async #store(key: string, value: S | undefined): Promise<void> {
    const { storage } = this.options;
    const operation = value === undefined ? "delete" : "write";
    const wrap = (error: unknown) => storageError(key, operation, error);
    if (
      this.#based && this.#version !== undefined &&
      storage.compareAndSet !== undefined
    ) {
      const expected = this.#version;
      const result: CompareAndSetResult = await guard(
        () => storage.compareAndSet!(key, expected, value),
        wrap,
      );
      if (!result.ok) throw new SessionConflictError(key);
      return;
    }
    if (value === undefined) {
      await guard(() => storage.delete(key), wrap);
    } else {
      await guard(() => storage.write(key, value), wrap);
    }
  }
}
