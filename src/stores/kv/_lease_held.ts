// A lease that is held: renewal, release in a write's commit, release.

import { SessionLeaseLostError } from "../../contract/lease_errors.ts";
import { leaseRenewalDelay, LeaseRenewals } from "../../contract/_timers.ts";
import {
  type LeaseAtomic,
  type LeaseKey,
  type LeaseKv,
  retryBusy,
} from "./_lease_kv.ts";

/**
 * A lease that is held: renewed while it is held, given back with
 * {@linkcode KvLease.release} or in the commit of a write
 * ({@linkcode KvLease.addRelease}).
 */
export class KvLease {
  /** The KV key of the lease. */
  readonly key: LeaseKey;
  /** The holder's name (stored in the lease). */
  readonly owner: string;
  /** Names the session key in error messages. */
  readonly label: string;
  readonly #kv: LeaseKv;
  readonly #timeToLive: number;
  readonly #latest: number;
  #versionstamp: string;
  #until: number;
  #state: "held" | "paused" | "released" | "lost" = "held";
  readonly #renewals = new LeaseRenewals(async () => {
    try {
      await this.#renew();
    } finally {
      this.#schedule();
    }
  });
  /** `addRelease` went into the commit being made. */
  #added = false;

  /** Use {@linkcode acquireLease}. */
  constructor(
    kv: LeaseKv,
    key: LeaseKey,
    taken: { owner: string; label: string; versionstamp: string },
    times: { timeToLive: number; until: number; latest: number },
  ) {
    this.#kv = kv;
    this.key = key;
    this.owner = taken.owner;
    this.label = taken.label;
    this.#versionstamp = taken.versionstamp;
    this.#timeToLive = times.timeToLive;
    this.#until = times.until;
    this.#latest = times.latest;
    this.#schedule();
  }

  /** Whether the lease is still ours (not released, not known lost). */
  get held(): boolean {
    return this.#state === "held" || this.#state === "paused";
  }

  /** Whether a renewal or a commit found that another holder took it. */
  get lost(): boolean {
    return this.#state === "lost";
  }

  /** The deadline of the lease (ms since the epoch), as last written. */
  get until(): number {
    return this.#until;
  }

  #schedule(): void {
    if (this.#state !== "held" || this.#until >= this.#latest) return;
    this.#renewals.after(leaseRenewalDelay(this.#timeToLive));
  }

  async #renew(): Promise<void> {
    const now = Date.now();
    const until = Math.min(now + this.#timeToLive, this.#latest);
    if (this.#state !== "held" || until <= this.#until) return;
    const atomic = this.#kv.atomic();
    atomic.check({ key: this.key, versionstamp: this.#versionstamp });
    atomic.set(this.key, { owner: this.owner, until }, {
      expireIn: Math.max(1, until - now),
    });
    try {
      const result = await retryBusy(() => atomic.commit());
      if (this.#state !== "held") return;
      if (!result.ok) {
        this.#state = "lost";
        return;
      }
      this.#versionstamp = result.versionstamp;
      this.#until = until;
    } catch {
      // KV is unreachable: keep the lease until its deadline, try again.
    }
  }

  /**
   * Stops renewing and waits for a renewal in flight, so that the
   * versionstamp {@linkcode KvLease.addRelease} checks is the stored one.
   * Call it before building the commit that releases the lease.
   */
  async pause(): Promise<void> {
    if (this.#state === "held") this.#state = "paused";
    await this.#renewals.stop();
  }

  /**
   * Adds "release this lease" to an atomic operation: a check that the
   * lease is still ours and its deletion. The write and the release then
   * happen together, or neither does. Call {@linkcode KvLease.pause} first
   * and {@linkcode KvLease.settle} with the commit's result after.
   *
   * @example Releasing a lease in the commit of a write
   * ```ts
   * import assert from "node:assert/strict";
   * import { acquireLease } from "./lease.ts";
   *
   * const kv = await Deno.openKv(":memory:");
   * try {
   *   const lease = await acquireLease(kv, ["lease", "42"], { timeToLive: 5000 });
   *   await lease.pause();
   *   const atomic = kv.atomic().set(["sessions", "42"], { count: 1 });
   *   lease.addRelease(atomic);
   *   await lease.settle(await atomic.commit());
   *   assert(!lease.held);
   *   assert((await kv.get(["lease", "42"])).versionstamp === null);
   * } finally {
   *   kv.close();
   * }
   * ```
   */
  addRelease(atomic: LeaseAtomic): void {
    if (!this.held) throw new SessionLeaseLostError(this.label);
    atomic.check({ key: this.key, versionstamp: this.#versionstamp });
    atomic.delete(this.key);
    this.#added = true;
  }

  /**
   * Records the result of a commit that {@linkcode KvLease.addRelease} went
   * into. On success the lease is released. On failure it finds out whether
   * the lease was the reason: if another holder took it, it throws a
   * {@linkcode SessionLeaseLostError}; otherwise the lease is still ours (some
   * other check of the commit failed) and the caller may retry.
   */
  async settle(result: { ok: boolean }): Promise<void> {
    // A success without our release in it (the writer committed nothing)
    // leaves the lease held, for `release()`.
    const added = this.#added;
    this.#added = false;
    if (result.ok) {
      if (added) this.#state = "released";
      return;
    }
    const [entry] = await retryBusy(() => this.#kv.getMany([this.key]));
    if (entry?.versionstamp !== this.#versionstamp) {
      this.#state = "lost";
      throw new SessionLeaseLostError(this.label);
    }
  }

  /**
   * Gives the lease back if it is still ours; does nothing otherwise. Safe to
   * call more than once.
   */
  async release(): Promise<void> {
    if (!this.held) return;
    await this.pause();
    if (!this.held) return;
    this.#state = "released";
    const atomic = this.#kv.atomic();
    atomic.check({ key: this.key, versionstamp: this.#versionstamp });
    atomic.delete(this.key);
    // Keep trying for longer than a commit: until the lease is gone, the
    // next holder waits (at worst until the lease expires).
    await retryBusy(() => atomic.commit(), 30);
  }
}
