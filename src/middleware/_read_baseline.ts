// This module is browser compatible.
// What a session was when it was read, kept for the one question asked at
// the end of the update: is the value now the same as then?
//
// The answer compares with a private copy of what was read, by a walk that
// stops at the first difference (`_same_value.ts`): the memory store's own
// copy when it gives one (`_stored_read.ts`), else a copy taken here. A value
// that cannot be copied gets a fingerprint instead (`_fingerprint.ts`, the
// same semantics). A copy costs less than a fingerprint, and comparing with
// it less than taking a second one.
//
// Strict sessions take their copy on first access, not at the read: most
// updates never touch the session, and until the session is handed out the
// value cannot change.

import { deepClone } from "../values/_clone.ts";
import { fingerprint } from "../values/_fingerprint.ts";
import { sameAsStored } from "../values/_same_value.ts";

/** The baseline of one session property for one update. */
export class ReadBaseline {
  #copy: unknown = undefined;
  #print: string | undefined = undefined;
  // A value read whose copy is not taken yet (strict sessions).
  #pending: unknown = undefined;
  // The copy is the store's own (never given away).
  #stores = false;

  /**
   * Records a read: `own` is the store's private copy of `value`, if it gave
   * one. With `deferred`, the copy is taken by `take()`.
   */
  record(value: unknown, own: unknown, deferred: boolean): void {
    this.#copy = own;
    this.#stores = own !== undefined;
    this.#print = undefined;
    this.#pending = undefined;
    if (own !== undefined || value === undefined) return;
    if (deferred) this.#pending = value;
    else this.#snapshot(value);
  }

  /** Takes a deferred copy; call before the value is handed out. */
  take(): void {
    if (this.#pending === undefined) return;
    this.#snapshot(this.#pending);
    this.#pending = undefined;
  }

  /** Whether `value` is the same as the value recorded. */
  same(value: unknown): boolean {
    this.take();
    if (this.#copy !== undefined) return sameAsStored(value, this.#copy);
    const print = fingerprint(value);
    return print !== undefined && print === this.#print;
  }

  /**
   * Gives away a private copy of what was read: the one taken for the
   * comparison, or a new one of a value never handed out (the update's
   * context still holds it: background work may look at it later).
   * `undefined` if there is none. The baseline is spent afterwards.
   */
  giveAway(): unknown {
    const copy = this.#stores
      ? undefined
      : this.#copy !== undefined
      ? this.#copy
      : copyOf(this.#pending);
    this.#copy = this.#pending = this.#print = undefined;
    return copy;
  }

  #snapshot(value: unknown): void {
    try {
      this.#copy = deepClone(value);
    } catch {
      this.#print = fingerprint(value);
    }
  }
}

/** A copy of `value`; `undefined` for `undefined` or a value not copyable. */
function copyOf(value: unknown): unknown {
  if (value === undefined) return undefined;
  try {
    return deepClone(value);
  } catch {
    return undefined;
  }
}
