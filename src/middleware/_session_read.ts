// This module is browser compatible.
// The read side of one session property (`ctx.session`, or one part of a
// multi session): what is known of the stored value (read or not, its
// version, whether it existed, the copy it is compared with at the end), how
// and when it is read (strict sessions before the handlers run, or on first
// access for the memory store; lazy sessions on first access, after taking
// the key), and the key's hold. `_property_session.ts` builds the accessors
// and the end of the update on top of it.

import { SessionLockTimeoutError } from "../contract/errors.ts";
import type { Version } from "../contract/storage_adapter.ts";
import { ReadBaseline } from "./_read_baseline.ts";
import { HandOver } from "./_handover.ts";
import { KeyHold } from "./_session_hold.ts";
import { initialValue, type ResolvedOptions } from "./_options.ts";
import { readSession } from "./_session_io.ts";

/** See the file comment. */
export class SessionRead<S> {
  /** The session key with its prefix, once computed. */
  key: string | undefined = undefined;

  /** The session's current value (as read, or as assigned). */
  protected current: unknown = undefined;
  protected assigned = false;
  // The final value is relative to a read (`version`, `existed`,
  // `baseline` describe what was stored): not the case for a lazy session
  // assigned before any read started.
  protected blind = false;
  protected wasRead = false;
  protected existed = false;
  // What was read, for the comparison at the end (`_read_baseline.ts`).
  protected readonly baseline: ReadBaseline = new ReadBaseline();
  protected version: Version | undefined = undefined;
  // Strict sessions on a store that answers at once read on first access.
  protected deferred = false;
  protected loading: Promise<unknown> | undefined = undefined;
  protected evicted = false;
  protected isFinished = false;
  // The key's lock and the storage's lease (see `_session_hold.ts`), and
  // the state handed over between updates of the key (`_handover.ts`).
  protected readonly hold: KeyHold;
  // Made by the first read: an update that reads nothing leaves nothing.
  protected handOver: HandOver | undefined = undefined;

  constructor(
    readonly options: ResolvedOptions<S>,
    readonly lazy: boolean,
    readonly owner: object,
  ) {
    this.hold = new KeyHold(owner, this, () => this.isFinished);
  }

  #lockName: string | undefined = undefined;

  /** The name of this session's lock, or `undefined` if it takes none. */
  get lockName(): string | undefined {
    if (this.key === undefined || !this.options.sequential) return undefined;
    return this.#lockName ??= this.options.lockPrefix + this.key;
  }

  /** Whether the update of this session has finished. */
  get finished(): boolean {
    return this.isFinished;
  }

  /**
   * Takes the key's lock, then the storage's lease on the key if it has
   * `acquireLease` (other processes, held for at most `lockTimeout`);
   * returns a promise only if it has to wait. The one place where a session
   * acquires its key.
   */
  lock(): Promise<void> | undefined {
    const { storage, lockTimeout } = this.options;
    return this.hold.acquire(this.lockName, this.key, storage, lockTimeout);
  }

  /** Called by the lock table when this update held its key too long. */
  evict(): void {
    this.evicted = true;
  }

  /** The error of an update that held its key too long, if it did. */
  timedOut(): SessionLockTimeoutError | undefined {
    return this.evicted && this.key !== undefined
      ? new SessionLockTimeoutError(this.key, this.options.lockTimeout)
      : undefined;
  }

  /**
   * Reads the stored value (strict sessions, before the handlers run). A
   * store that answers at once (the memory store) is read on first access
   * instead, so an update that never touches the session copies nothing.
   */
  load(): Promise<void> | undefined {
    if (this.key === undefined) return undefined;
    if (this.options.immediate) {
      this.deferred = true;
      return undefined;
    }
    const read = this.readStored(this.key);
    if (read instanceof Promise) return read.then(() => {});
    return undefined;
  }

  // Strict sessions on an immediate store: the deferred read, once.
  protected ensureLoaded(key: string): void {
    if (!this.deferred) return;
    this.deferred = false;
    this.readStored(key);
  }

  protected readStored(key: string): unknown {
    if (this.options.handOver) {
      this.handOver ??= new HandOver(this.hold, this.options.storage);
    }
    const gift = this.handOver?.take(key);
    if (gift !== undefined) {
      return this.apply(gift.stored as S | undefined, gift.version);
    }
    this.handOver?.reading();
    const { storage, immediate } = this.options;
    return readSession(storage, immediate, key, (stored, version, own) => {
      this.handOver?.read();
      return this.apply(stored, version, own);
    });
  }

  // Records what was read: its version is what the write is checked against,
  // even if the session was assigned meanwhile (`ctx.session =
  // ctx.session.then(...)` derives the value from this read). Unless it was
  // assigned, the read value (or a fresh initial value) becomes the session.
  // Returns the value the read produced.
  protected apply(
    stored: S | undefined,
    version: Version | undefined,
    own?: unknown,
  ): unknown {
    let value: unknown = stored;
    if (value === undefined) value = initialValue(this.options);
    this.wasRead = true;
    this.existed = stored !== undefined;
    this.version = version;
    // Strict sessions take their copy on first access.
    this.baseline.record(value, own, !this.lazy);
    if (!this.assigned) this.current = value;
    return value;
  }

  // Lazy sessions: starts the read (once), after taking the lock.
  protected startLoading(key: string): void {
    if (this.loading !== undefined) return;
    const locked = this.lock();
    let loading: Promise<unknown>;
    if (locked !== undefined) {
      loading = locked.then(() => this.readStored(key));
    } else {
      // Nothing to wait for: the read starts now, not a microtask later.
      try {
        loading = Promise.resolve(this.readStored(key));
      } catch (error) {
        loading = Promise.reject(error);
      }
    }
    // A failed read is reported by `finish()` or to whoever awaits it; never
    // as an unhandled rejection.
    loading.catch(() => {});
    this.loading = loading;
  }
}
