// This module is browser compatible.
// The state an update leaves for the next update queued on its session key,
// so that the next one starts from it instead of reading it again: what the
// update wrote (with its commit's version), or what it read and left
// unchanged.
//
// - Only where skipping a read is safe (`ResolvedOptions.handOver`): the
//   storage has compare-and-set, so every write is still checked against
//   the version handed over (a state another instance replaced meanwhile
//   fails the write with a conflict, as an overtaken read would); it makes
//   no leases (another process may take the key between two holders); the
//   updates of a key run one after another.
// - Only while the store still knows the version handed over
//   (`_known_version.ts`): a write through the store that the middleware
//   did not make (the handler deleted, wrote or moved the key through the
//   storage) makes the next update read, so it sees that write.
// - Only a state no older than the storage call that produced it took: what
//   is handed over is at most about twice as old as a fresh read would be,
//   so the state of a slow handler is read again by the next update.
// - The value handed over belongs to the next update alone: a copy taken
//   when the write is made (background work of the handler that changes the
//   object later must not leak into it), or the private copy of what was
//   read, or a copy of a value read that the handler never looked at (its
//   context still holds the value). A write copies only if an update
//   already waits when it is made.

import { deepClone } from "../values/_clone.ts";
import type { ReadBaseline } from "./_read_baseline.ts";
import type { KeyHold } from "./_session_hold.ts";
import type { Version } from "../contract/storage_adapter.ts";
import { knownVersion } from "../contract/_known_version.ts";

/** What an update leaves for the next update queued on its key. */
export interface Gift {
  /** The stored value, `undefined` if none is stored. */
  stored: unknown;
  /** Its version. */
  version: Version;
  /** When the state was learned (`performance.now()`). */
  at: number;
  /** How long the storage call that learned it took, in milliseconds. */
  span: number;
}

// Left by a copy of this module, perhaps another version: checked.
function isGift(value: unknown): value is Gift {
  return typeof value === "object" && value !== null &&
    typeof (value as Gift).at === "number" &&
    typeof (value as Gift).span === "number" && "stored" in value &&
    "version" in value;
}

// No older than the storage call that learned it took.
function isFresh(gift: Gift): boolean {
  return performance.now() - gift.at <= gift.span;
}

/** The hand-over of one session property for one update. */
export class HandOver {
  #gift: Gift | undefined = undefined;
  // When the state this update started from was learned, and how long the
  // storage call took (NaN: not learned, no gift can be left).
  #at = NaN;
  #span = NaN;

  constructor(readonly hold: KeyHold, readonly storage: object) {}

  /**
   * What the update before this one left with the lock (taken once), if it
   * is still fresh (a part of a multi session reads once it holds every
   * part's lock, perhaps long after this one was handed over) and the store
   * still knows its version for `key`.
   */
  take(key: string): Gift | undefined {
    const gift = this.hold.takeGift();
    if (
      !isGift(gift) || !isFresh(gift) ||
      knownVersion(this.storage, key) !== gift.version
    ) {
      return undefined;
    }
    this.#at = gift.at;
    this.#span = gift.span;
    return gift;
  }

  /** A read starts now (its time is what a state's age is measured by). */
  reading(): void {
    this.#at = performance.now();
  }

  /** The read started by `reading()` has ended. */
  read(): void {
    const at = performance.now();
    this.#span = at - this.#at;
    this.#at = at;
  }

  /**
   * Nothing is written: leaves what was read (`existed`, its copy in
   * `baseline`, its `version`) for an update waiting on the key.
   */
  leaveRead(existed: boolean, baseline: ReadBaseline, version: Version): void {
    if (Number.isNaN(this.#span) || !this.hold.hasWaiters()) return;
    const stored = existed ? baseline.giveAway() : undefined;
    if (existed && stored === undefined) return; // not copyable
    this.#gift = { stored, version, at: this.#at, span: this.#span };
  }

  /**
   * A write of `value` (`undefined`: a delete) is made now: if an update
   * waits on the key, a copy of it is taken, to be left with the version
   * its commit gives, passed to the function returned.
   */
  leaveWrite(value: unknown): ((version: Version) => void) | undefined {
    if (!this.hold.hasWaiters()) return undefined;
    let stored: unknown;
    try {
      stored = value === undefined ? undefined : deepClone(value);
    } catch {
      return undefined; // the storage refuses it
    }
    const start = performance.now();
    return (version) => {
      const at = performance.now();
      this.#gift = { stored, version, at, span: at - start };
    };
  }

  /** What this update leaves with the lock (given once), if still fresh. */
  leave(): Gift | undefined {
    const gift = this.#gift;
    this.#gift = undefined;
    return gift !== undefined && isFresh(gift) ? gift : undefined;
  }
}
