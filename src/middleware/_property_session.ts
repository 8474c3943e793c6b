// This module is browser compatible.
// The per-update state of one session property (`ctx.session`, or one part of
// a multi session): on top of its read side (`_session_read.ts`: the key's
// hold, the read), it installs the accessors, and decides at the end of the
// update whether to write, delete, or do nothing.
//
// WHERE WRITES ARE DECIDED: `finish()` in this file. A value is written only
// if it differs from what was read (`_read_baseline.ts`), deleted only if
// something was stored, and written with compare-and-set when the storage
// supports it. The storage calls themselves (and how their failures are
// wrapped) are in `_session_io.ts`.

import { SessionLateAccessError } from "../contract/errors.ts";
import { type ResolvedOptions, undefinedKeyMessage } from "./_options.ts";
import { isPromiseLike } from "../contract/_util.ts";
import { storeSession } from "./_session_io.ts";
import { SessionRead } from "./_session_read.ts";

/** See the file comment. */
export class PropertySession<S> extends SessionRead<S> {
  #accessed = false;
  #promise: Promise<unknown> | undefined = undefined;

  constructor(
    options: ResolvedOptions<S>,
    readonly target: object,
    readonly prop: string,
    lazy: boolean,
    owner: object,
  ) {
    super(options, lazy, owner);
  }

  /**
   * Gives the lock back (now, or as soon as a pending acquisition ends),
   * after the lease if one is still held (the handler threw).
   */
  release(): void {
    this.isFinished = true;
    this.hold.release(this.handOver?.leave());
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
      this.ensureLoaded(key);
      this.baseline.take();
      this.#accessed = true;
      return this.current;
    }
    if (this.isFinished) throw new SessionLateAccessError(key, "read");
    this.#accessed = true;
    // Lazy sessions always give a promise (the same one until the next
    // assignment), so `ctx.session.then(...)` works at any time.
    if (this.assigned) return this.#promise ??= Promise.resolve(this.current);
    this.startLoading(key);
    return this.loading;
  }

  /** What assigning the property does. */
  set(value: unknown): void {
    const key = this.#checkKey("assign");
    if (this.isFinished) throw new SessionLateAccessError(key, "assign");
    if (this.lazy) {
      if (!this.assigned && this.loading === undefined) this.blind = true;
      this.lock();
    } else {
      this.ensureLoaded(key);
      this.baseline.take();
    }
    this.assigned = true;
    this.#promise = undefined;
    this.current = value;
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
    if (this.key !== undefined) this.ensureLoaded(this.key);
    this.baseline.take();
    this.assigned = true;
    this.current = undefined;
  }

  /**
   * Writes, deletes, or does nothing, at the end of the update, then gives
   * the lease back (if any). Returns a promise only if there is I/O (or
   * waiting) to do.
   */
  finish(): Promise<void> | undefined {
    // Only a storage that makes leases can have one to give back.
    if (this.options.storage.acquireLease === undefined) return this.#finish();
    return this.hold.lease.after(() => this.#finish());
  }

  #finish(): Promise<void> | undefined {
    const { key } = this;
    if (key === undefined) return undefined;
    if (!this.#accessed && !this.assigned) {
      return this.wasRead ? this.#unchanged() : undefined;
    }
    const locking = this.hold.locking;
    if (locking !== undefined) {
      return locking.then(() => this.#finish());
    }
    // A read in flight: its version is what the write is checked against.
    if (this.loading !== undefined && !this.wasRead && !this.blind) {
      return this.loading.then(() => this.#finish(), () => {
        // A failed read: only an assignment made without it can be stored.
        if (!this.assigned) return this.loading!.then(() => {});
        this.blind = true;
        return this.#finish();
      });
    }
    const value = this.current;
    if (isPromiseLike(value)) {
      return Promise.resolve(value).then((resolved) => {
        this.current = resolved;
        return this.#finish();
      });
    }
    const timedOut = this.timedOut();
    if (timedOut !== undefined) throw timedOut;
    const based = this.wasRead && !this.blind;
    if (value === null || value === undefined) {
      if (based && !this.existed) return this.#unchanged();
      return this.#store(key, undefined);
    }
    if (based && this.baseline.same(value)) return this.#unchanged();
    return this.#store(key, value as S);
  }

  #unchanged(): undefined {
    this.handOver?.leaveRead(this.existed, this.baseline, this.version!);
    return undefined;
  }

  #store(key: string, value: S | undefined): Promise<void> | undefined {
    const checked = this.wasRead && !this.blind &&
      this.options.storage.compareAndSet !== undefined;
    // From here on the update is no longer stuck: it keeps its key until
    // the write's outcome is known.
    this.hold.keep();
    // A storage that made the lease may release it in the write's commit.
    return storeSession(
      this.options.storage,
      key,
      value,
      checked ? this.version : undefined,
      this.hold.lease.writeArgs(),
      checked ? this.handOver?.leaveWrite(value) : undefined,
    );
  }
}
