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
import type {
  CompareAndSetResult,
  Version,
  VersionedValue,
} from "./storage_adapter.ts";
import { deepClone } from "./_clone.ts";
import { fingerprint } from "./_fingerprint.ts";
import { sessionLocks } from "./_key_lock.ts";
import { LeaseSlot } from "./_session_lease.ts";
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

/** Turns an async rejection into the wrapped storage error. */
function rejectWith<T>(
  promise: PromiseLike<T>,
  key: string,
  operation: StorageOperation,
): Promise<T> {
  return Promise.resolve(promise).catch((error) => {
    throw storageError(key, operation, error);
  });
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
  // The lock: being acquired, or held (its name), or neither.
  #locking: Promise<void> | undefined = undefined;
  #held: string | undefined = undefined;
  #lockTried = false;
  #finished = false;
  readonly #lease = new LeaseSlot();

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
      : this.options.lockPrefix + this.key;
  }

  /**
   * Takes the key's lock, then the storage's lease on the key if it has
   * `acquireLease` (other processes); returns a promise only if it has to
   * wait.
   */
  lock(): Promise<void> | undefined {
    if (this.#lockTried) return this.#locking;
    this.#lockTried = true;
    const name = this.lockName;
    let waiting: Promise<void> | undefined;
    if (name !== undefined) {
      const acquired = sessionLocks.acquire(name, this.owner);
      if (acquired === true) {
        this.#held = name;
      } else if (acquired !== false) {
        waiting = acquired.then(() => {
          if (this.#finished) sessionLocks.release(name);
          else this.#held = name;
        });
      }
    }
    const { storage } = this.options;
    const key = this.key;
    if (storage.acquireLease !== undefined && key !== undefined) {
      waiting = (waiting ?? Promise.resolve()).then(() =>
        this.#lease.take(storage, key, () => this.#finished, undefined)
          .catch((error) => {
            throw storageError(key, "read", error);
          })
      );
    }
    if (waiting === undefined) return undefined;
    const locking = waiting.then(() => {
      this.#locking = undefined;
    });
    // A failed acquisition is reported by `finish()` or to whoever awaits it.
    locking.catch(() => {});
    return this.#locking = locking;
  }

  /**
   * Gives the lock back (now, or as soon as a pending acquisition ends),
   * after the lease if one is still held (the handler threw).
   */
  release(): void {
    this.#finished = true;
    const held = this.#held;
    this.#held = undefined;
    if (held !== undefined) {
      this.#lease.releaseThen(() => sessionLocks.release(held));
    } else this.#lease.release();
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
    const versioned = storage.readWithVersion !== undefined &&
      storage.compareAndSet !== undefined;
    let result: unknown;
    try {
      result = versioned ? storage.readWithVersion!(key) : storage.read(key);
    } catch (error) {
      throw storageError(key, "read", error);
    }
    if (isPromiseLike(result)) {
      return rejectWith(result, key, "read").then((value) =>
        versioned
          ? this.#apply(
            (value as VersionedValue<S>).value,
            (value as VersionedValue<S>).version,
          )
          : this.#apply(value as S | undefined, undefined)
      );
    }
    return versioned
      ? this.#apply(
        (result as VersionedValue<S>).value,
        (result as VersionedValue<S>).version,
      )
      : this.#apply(result as S | undefined, undefined);
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

  /** What reading the property gives. */
  get(): unknown {
    const { key, lazy } = this;
    if (key === undefined) {
      throw new Error(undefinedKeyMessage("access", lazy, this.options.custom));
    }
    this.#accessed = true;
    if (!lazy) return this.#value;
    // Lazy sessions always give a promise (the same one until the next
    // assignment), so `ctx.session.then(...)` works at any time.
    if (this.#assigned) return this.#promise ??= Promise.resolve(this.#value);
    this.#startLoading(key);
    return this.#loading;
  }

  /** What assigning the property does. */
  set(value: unknown): void {
    if (this.key === undefined) {
      throw new Error(
        undefinedKeyMessage("assign", this.lazy, this.options.custom),
      );
    }
    this.#assigned = true;
    this.#promise = undefined;
    this.#value = value;
    if (this.lazy) this.lock();
  }

  /** Installs the accessors on the target (or the part's, for multi). */
  install(): void {
    Object.defineProperty(this.target, this.prop, {
      enumerable: true,
      configurable: true,
      get: () => this.get(),
      set: (value: unknown) => this.set(value),
    });
  }

  /** Deletes the session (multi sessions, when `ctx.session` was cleared). */
  clear(): void {
    this.#assigned = true;
    this.#value = undefined;
  }

  /**
   * Writes, deletes, or does nothing, at the end of the update, then gives
   * the lease back (if any). Returns a promise only if there is I/O (or
   * waiting) to do.
   */
  finish(): Promise<void> | undefined {
    return this.#lease.after(() => this.#finish());
  }

  #finish(): Promise<void> | undefined {
    const { key } = this;
    if (key === undefined) return undefined;
    if (this.lazy) {
      if (!this.#accessed && !this.#assigned) return undefined;
      if (this.#loading !== undefined && !this.#assigned && !this.#based) {
        return this.#loading.then(() => this.#finish());
      }
    }
    if (this.#locking !== undefined) {
      return this.#locking.then(() => this.#finish());
    }
    const value = this.#value;
    if (isPromiseLike(value)) {
      return Promise.resolve(value).then((resolved) => {
        this.#value = resolved;
        return this.#finish();
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

  #store(key: string, value: S | undefined): Promise<void> | undefined {
    const { storage } = this.options;
    const operation = value === undefined ? "delete" : "write";
    const checked = this.#based && this.#version !== undefined &&
      storage.compareAndSet !== undefined;
    // A storage that made the lease may release it in the write's commit.
    const extra = this.#lease.writeArgs();
    let result: unknown;
    try {
      result = checked
        ? storage.compareAndSet!(key, this.#version!, value, ...extra)
        : value === undefined
        ? storage.delete(key, ...extra)
        : storage.write(key, value, ...extra);
    } catch (error) {
      throw storageError(key, operation, error);
    }
    if (isPromiseLike(result)) {
      return rejectWith(result, key, operation).then((outcome) => {
        if (checked) checkOutcome(key, outcome as CompareAndSetResult);
      });
    }
    if (checked) checkOutcome(key, result as CompareAndSetResult);
    return undefined;
  }
}

function checkOutcome(key: string, outcome: CompareAndSetResult): void {
  if (!outcome.ok) throw new SessionConflictError(key);
}
