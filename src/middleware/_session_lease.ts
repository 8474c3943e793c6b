// This module is browser compatible.
// The cross-instance lease of one session in one update, for storages with
// `acquireLease` (DenoKvStorage with `lease`): taken right after this
// process's key lock, handed to the write (the storage may release it in the
// write's commit), and given back at the end of the update, also when the
// handler threw, before the key lock.

import type {
  SessionLease,
  StorageAdapter,
  WriteOptions,
} from "../contract/storage_adapter.ts";

/** Holds (at most) one lease; see the file comment. */
export class LeaseSlot {
  #lease: SessionLease | undefined = undefined;

  /**
   * Takes the lease of `key` from `storage`; if the update finished while it
   * waited (`finished()`), gives it back at once.
   */
  async take<S>(
    storage: StorageAdapter<S>,
    key: string,
    finished: () => boolean,
    maxHold: number | undefined,
  ): Promise<void> {
    if (finished()) return;
    const lease = await storage.acquireLease!(
      key,
      maxHold === undefined ? {} : { maxHold },
    );
    if (finished()) await lease.release();
    else this.#lease = lease;
  }

  /** The last argument of `write`, `delete` and `compareAndSet`. */
  writeArgs(): [] | [WriteOptions] {
    return this.#lease === undefined ? [] : [{ lease: this.#lease }];
  }

  /**
   * Gives the lease back (a no-op if the write's commit did). A failed
   * release only delays the next holder until the lease expires.
   */
  release(): Promise<void> | undefined {
    const lease = this.#lease;
    if (lease === undefined) return undefined;
    this.#lease = undefined;
    return lease.release().catch(() => {});
  }

  /** Runs `finish` (the write), then gives the lease back, even if it threw. */
  after(
    finish: () => Promise<void> | undefined,
  ): Promise<void> | undefined {
    let done: Promise<void> | undefined;
    try {
      done = finish();
    } catch (error) {
      const released = this.release();
      if (released === undefined) throw error;
      return released.then(() => {
        throw error;
      });
    }
    if (done === undefined) return this.release();
    return done.then(
      () => this.release(),
      async (error) => {
        await this.release();
        throw error;
      },
    );
  }

  /** Gives the lease back, then calls `next` (at once if none is held). */
  releaseThen(next: () => void): void {
    const released = this.release();
    if (released === undefined) next();
    else void released.finally(next);
  }
}
