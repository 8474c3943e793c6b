// This module is browser compatible.
// How one session property holds its key during an update: this process's
// key lock (`_key_lock.ts`), then the storage's lease on the key if it has
// `acquireLease` (`_session_lease.ts`, other processes), and the release of
// both at the end of the update (lease first, then the lock).

import { type Evictable, sessionLocks } from "./_key_lock.ts";
import { LeaseSlot } from "./_session_lease.ts";
import { storageError } from "./_session_io.ts";
import type { StorageAdapter } from "../contract/storage_adapter.ts";

/** The lock and lease of one session property; see the file comment. */
export class KeyHold {
  /** The storage's lease on the key, if one was taken. */
  readonly lease: LeaseSlot = new LeaseSlot();
  // The lock: being acquired, or held (its name), or neither.
  #locking: Promise<void> | undefined = undefined;
  #held: string | undefined = undefined;
  #tried = false;
  // Only an owner that waited for the lock can have been left a gift.
  #waited = false;

  constructor(
    readonly owner: object,
    readonly holder: Evictable,
    readonly finished: () => boolean,
  ) {}

  /** The pending acquisition, if the session is still waiting for its key. */
  get locking(): Promise<void> | undefined {
    return this.#locking;
  }

  /**
   * Takes the lock `name` (if any), then the lease of `key` from `storage`
   * if it has `acquireLease`; returns a promise only if it has to wait.
   * Runs once: later calls return the pending acquisition.
   */
  acquire<S>(
    name: string | undefined,
    key: string | undefined,
    storage: StorageAdapter<S>,
    lockTimeout: number,
  ): Promise<void> | undefined {
    if (this.#tried) return this.#locking;
    this.#tried = true;
    if (this.finished()) return undefined;
    let waiting: Promise<void> | undefined;
    if (name !== undefined) {
      const acquired = sessionLocks.acquire(
        name,
        this.owner,
        lockTimeout,
        this.holder,
      );
      if (acquired === true) {
        this.#held = name;
      } else if (acquired !== false) {
        this.#waited = true;
        waiting = acquired.then(() => {
          if (this.finished()) sessionLocks.release(name, this.owner);
          else this.#held = name;
        });
      }
    }
    if (storage.acquireLease !== undefined && key !== undefined) {
      waiting = (waiting ?? Promise.resolve()).then(() =>
        this.lease.take(storage, key, this.finished, lockTimeout).catch(
          (error) => {
            throw storageError(key, "read", error);
          },
        )
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

  /** Whether another update waits for the lock this session holds. */
  hasWaiters(): boolean {
    return this.#held !== undefined &&
      sessionLocks.hasWaiters?.(this.#held) === true;
  }

  /**
   * The write is under way: the lock is kept until it ends (a lock table
   * of an older copy of this module has no `keep`: the rule applies).
   */
  keep(): void {
    if (this.#held !== undefined) sessionLocks.keep?.(this.#held, this.owner);
  }

  /** What the update before this one left with the lock (once). */
  takeGift(): unknown {
    // (A lock table made by an older copy of this module has no gifts.)
    return this.#held === undefined || !this.#waited
      ? undefined
      : sessionLocks.takeGift?.(this.#held, this.owner);
  }

  /**
   * Gives the lock back (now, or as soon as a pending acquisition ends),
   * after the lease if one is still held, leaving `gift` for the next
   * holder. Call once `finished()` is true.
   */
  release(gift?: unknown): void {
    const held = this.#held;
    this.#held = undefined;
    if (held === undefined) this.lease.release();
    else {
      this.lease.releaseThen(() =>
        sessionLocks.release(held, this.owner, gift)
      );
    }
  }
}
