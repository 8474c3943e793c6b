// This module is browser compatible.
// The per-update state of one session property (`ctx.session`, or one part of
// a multi session): it takes the key's lock, reads the stored value, installs
// the accessors, and decides at the end of the update whether to write,
// delete, or do nothing.
//
// WHERE WRITES ARE DECIDED: `finish()` in this file. A value is written only
// if it differs from what was read (`_read_baseline.ts`), deleted only if
// something was stored, and written with compare-and-set when the storage
// supports it. The storage calls themselves (and how their failures are
// wrapped) are in `_session_io.ts`.

import {
  SessionLateAccessError,
  SessionLockTimeoutError,
} from "../contract/errors.ts";
import type { Version } from "../contract/storage_adapter.ts";
import { ReadBaseline } from "./_read_baseline.ts";
import { HandOver } from "./_handover.ts";
import { KeyHold } from "./_session_hold.ts";
import {
  initialValue,
  type ResolvedOptions,
  undefinedKeyMessage,
} from "./_options.ts";
import { isPromiseLike } from "../contract/_util.ts";
import { readSession, storeSession } from "./_session_io.ts";

/** See the file comment. */
export class PropertySession<S> {
  /** The session key with its prefix, once computed. */
  key: string | undefined = undefined;

  #value: unknown = undefined;
  #accessed = false;
  #assigned = false;
  // The final value is relative to a read (`#version`, `#existed`,
  // `#baseline` describe what was stored): not the case for a lazy session
  // assigned before any read started.
  #blind = false;
  #read = false;
  #existed = false;
  // What was read, for the comparison at the end (`_read_baseline.ts`).
  readonly #baseline = new ReadBaseline();
  #version: Version | undefined = undefined;
  // Strict sessions on a store that answers at once read on first access.
  #deferred = false;
  #loading: Promise<unknown> | undefined = undefined;
  #promise: Promise<unknown> | undefined = undefined;
  #evicted = false;
  #finished = false;
  // The key's lock and the storage's lease (see `_session_hold.ts`), and
  // the state handed over between updates of the key (`_handover.ts`).
  readonly #hold: KeyHold;
  // Made by the first read: an update that reads nothing leaves nothing.
  #handOver: HandOver | undefined = undefined;

  constructor(
    readonly options: ResolvedOptions<S>,
    readonly target: object,
    readonly prop: string,
    readonly lazy: boolean,
    readonly owner: object,
  ) {
    this.#hold = new KeyHold(owner, this, () => this.#finished);
  }

  #lockName: string | undefined = undefined;

  /** The name of this session's lock, or `undefined` if it takes none. */
  get lockName(): string | undefined {
    if (this.key === undefined || !this.options.sequential) return undefined;
    return this.#lockName ??= this.options.lockPrefix + this.key;
  }

  /** Whether the update of this session has finished. */
  get finished(): boolean {
    return this.#finished;
  }

  /**
   * Takes the key's lock, then the storage's lease on the key if it has
   * `acquireLease` (other processes, held for at most `lockTimeout`);
   * returns a promise only if it has to wait. The one place where a session
   * acquires its key.
   */
  lock(): Promise<void> | undefined {
    const { storage, lockTimeout } = this.options;
    return this.#hold.acquire(this.lockName, this.key, storage, lockTimeout);
  }

  /** Called by the lock table when this update held its key too long. */
  evict(): void {
    this.#evicted = true;
  }

  /** The error of an update that held its key too long, if it did. */
  timedOut(): SessionLockTimeoutError | undefined {
    return this.#evicted && this.key !== undefined
      ? new SessionLockTimeoutError(this.key, this.options.lockTimeout)
      : undefined;
  }

  /**
   * Gives the lock back (now, or as soon as a pending acquisition ends),
   * after the lease if one is still held (the handler threw).
   */
  release(): void {
    this.#finished = true;
    this.#hold.release(this.#handOver?.leave());
  }

  /**
   * Reads the stored value (strict sessions, before the handlers run). A
   * store that answers at once (the memory store) is read on first access
   * instead, so an update that never touches the session copies nothing.
   */
  load(): Promise<void> | undefined {
    if (this.key === undefined) return undefined;
    if (this.options.immediate) {
      this.#deferred = true;
      return undefined;
    }
    const read = this.#readStored(this.key);
    if (read instanceof Promise) return read.then(() => {});
    return undefined;
  }

  // Strict sessions on an immediate store: the deferred read, once.
  #ensureLoaded(key: string): void {
    if (!this.#deferred) return;
    this.#deferred = false;
    this.#readStored(key);
  }

  #readStored(key: string): unknown {
    if (this.options.handOver) {
      this.#handOver ??= new HandOver(this.#hold, this.options.storage);
    }
    const gift = this.#handOver?.take(key);
    if (gift !== undefined) {
      return this.#apply(gift.stored as S | undefined, gift.version);
    }
    this.#handOver?.reading();
    const { storage, immediate } = this.options;
    return readSession(storage, immediate, key, (stored, version, own) => {
      this.#handOver?.read();
      return this.#apply(stored, version, own);
    });
  }

  // Records what was read: its version is what the write is checked against,
  // even if the session was assigned meanwhile (`ctx.session =
  // ctx.session.then(...)` derives the value from this read). Unless it was
  // assigned, the read value (or a fresh initial value) becomes the session.
  // Returns the value the read produced.
  #apply(
    stored: S | undefined,
    version: Version | undefined,
    own?: unknown,
  ): unknown {
    let value: unknown = stored;
    if (value === undefined) value = initialValue(this.options);
    this.#read = true;
    this.#existed = stored !== undefined;
    this.#version = version;
    // Strict sessions take their copy on first access.
    this.#baseline.record(value, own, !this.lazy);
    if (!this.#assigned) this.#value = value;
    return value;
  }

  // Lazy sessions: starts the read (once), after taking the lock.
  #startLoading(key: string): void {
    if (this.#loading !== undefined) return;
    const locked = this.lock();
    let loading: Promise<unknown>;
    if (locked !== undefined) {
      loading = locked.then(() => this.#readStored(key));
    } else {
      // Nothing to wait for: the read starts now, not a microtask later.
      try {
        loading = Promise.resolve(this.#readStored(key));
      } catch (error) {
        loading = Promise.reject(error);
      }
    }
    // A failed read is reported by `finish()` or to whoever awaits it; never
    // as an unhandled rejection.
    loading.catch(() => {});
    this.#loading = loading;
  }

  #checkKey(operation: "access" | "assign"): string {
    const { key } = this;
    if (key === undefined) {
      throw new Error(
        undefinedKeyMessage(operation, this.lazy, this.options.custom),
      );
    }
    return key;
  }

  /** What reading the property gives. */
  get(): unknown {
    const key = this.#checkKey("access");
    if (!this.lazy) {
      // A late read of a strict session is harmless: it sees this update's
      // value (read now, without a lock, if it was never read).
      this.#ensureLoaded(key);
      this.#baseline.take();
      this.#accessed = true;
      return this.#value;
    }
    if (this.#finished) throw new SessionLateAccessError(key, "read");
    this.#accessed = true;
    // Lazy sessions always give a promise (the same one until the next
    // assignment), so `ctx.session.then(...)` works at any time.
    if (this.#assigned) return this.#promise ??= Promise.resolve(this.#value);
    this.#startLoading(key);
    return this.#loading;
  }

  /** What assigning the property does. */
  set(value: unknown): void {
    const key = this.#checkKey("assign");
    if (this.#finished) throw new SessionLateAccessError(key, "assign");
    if (this.lazy) {
      if (!this.#assigned && this.#loading === undefined) this.#blind = true;
      this.lock();
    } else {
      this.#ensureLoaded(key);
      this.#baseline.take();
    }
    this.#assigned = true;
    this.#promise = undefined;
    this.#value = value;
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
    if (this.key !== undefined) this.#ensureLoaded(this.key);
    this.#baseline.take();
    this.#assigned = true;
    this.#value = undefined;
  }

  /**
   * Writes, deletes, or does nothing, at the end of the update, then gives
   * the lease back (if any). Returns a promise only if there is I/O (or
   * waiting) to do.
   */
  finish(): Promise<void> | undefined {
    // Only a storage that makes leases can have one to give back.
    if (this.options.storage.acquireLease === undefined) return this.#finish();
    return this.#hold.lease.after(() => this.#finish());
  }

  #finish(): Promise<void> | undefined {
    const { key } = this;
    if (key === undefined) return undefined;
    if (!this.#accessed && !this.#assigned) {
      return this.#read ? this.#unchanged() : undefined;
    }
    const locking = this.#hold.locking;
    if (locking !== undefined) {
      return locking.then(() => this.#finish());
    }
    // A read in flight: its version is what the write is checked against.
    if (this.#loading !== undefined && !this.#read && !this.#blind) {
      return this.#loading.then(() => this.#finish(), () => {
        // A failed read: only an assignment made without it can be stored.
        if (!this.#assigned) return this.#loading!.then(() => {});
        this.#blind = true;
        return this.#finish();
      });
    }
    const value = this.#value;
    if (isPromiseLike(value)) {
      return Promise.resolve(value).then((resolved) => {
        this.#value = resolved;
        return this.#finish();
      });
    }
    const timedOut = this.timedOut();
    if (timedOut !== undefined) throw timedOut;
    const based = this.#read && !this.#blind;
    if (value === null || value === undefined) {
      if (based && !this.#existed) return this.#unchanged();
      return this.#store(key, undefined);
    }
    if (based && this.#baseline.same(value)) return this.#unchanged();
    return this.#store(key, value as S);
  }

  #unchanged(): undefined {
    this.#handOver?.leaveRead(this.#existed, this.#baseline, this.#version!);
    return undefined;
  }

  #store(key: string, value: S | undefined): Promise<void> | undefined {
    const checked = this.#read && !this.#blind &&
      this.options.storage.compareAndSet !== undefined;
    // From here on the update is no longer stuck: it keeps its key until
    // the write's outcome is known.
    this.#hold.keep();
    // A storage that made the lease may release it in the write's commit.
    return storeSession(
      this.options.storage,
      key,
      value,
      checked ? this.#version : undefined,
      this.#hold.lease.writeArgs(),
      checked ? this.#handOver?.leaveWrite(value) : undefined,
    );
  }
}
