/**
 * A lease on one KV key: while an update holds the lease of a session key,
 * no update in another process or isolate sharing that KV runs on that key.
 *
 * The protocol, on two KV entries per leased key:
 * - The lease `[...key]` holds `{ owner, until }`. It is taken with one
 *   atomic commit that checks it is absent or past `until` (KV deletes
 *   expired keys late, so the deadline lives in the value too), and written
 *   with `expireIn` so that KV removes it eventually.
 * - The claim `[...key, "next"]` names the waiter that goes next. A waiter
 *   that finds the lease held claims it (if nobody else did); a free lease is
 *   taken only by the claimer, or by anyone if there is no live claim. So
 *   the instance that just released a hot key cannot take it straight back
 *   from an instance that was already waiting: every instance makes progress.
 * - Waiting reads, never commits in a loop: it sleeps until the lease or
 *   claim changes (`kv.watch`, which Deno Deploy delivers across isolates),
 *   the holder's deadline passes, or a jittered backoff poll is due (a local
 *   KV file does not tell one process about another's writes).
 * - The holder renews the lease every third of `timeToLive` while it runs,
 *   up to `maxHold` after it took it. A holder that dies frees the key
 *   within `timeToLive`; one that runs past `maxHold` (or is paused for
 *   longer than `timeToLive`) loses the lease, and its write is refused as a
 *   conflict, because the write's commit checks the lease
 *   ({@linkcode KvLease.addRelease}).
 *
 * @module
 */
import { SessionConflictError } from "../errors.ts";
import {
  isBusy,
  type LeaseAtomic,
  type LeaseEntry,
  type LeaseKey,
  type LeaseKv,
  type LeaseSignal,
  retryBusy,
  waitForChange,
} from "./_lease_kv.ts";
import { pollDelay, readLease } from "./_lease_state.ts";

export type {
  LeaseAtomic,
  LeaseEntry,
  LeaseKey,
  LeaseKeyPart,
  LeaseKv,
  LeaseSignal,
  LeaseWatchReader,
} from "./_lease_kv.ts";

/** Options of {@linkcode acquireLease}. */
export interface LeaseOptions {
  /**
   * How long the lease lasts without renewal, in milliseconds: a holder that
   * dies frees the key after at most this long.
   */
  timeToLive: number;
  /**
   * The longest time the lease is held, renewals included, in milliseconds
   * (the session's `lockTimeout`). Default: `Infinity`.
   */
  maxHold?: number;
  /** A name for the holder (default: a random id). */
  owner?: string;
  /** Names the session key in error messages (default: the KV key). */
  label?: string;
  /**
   * Stops waiting (an `AbortSignal`): the promise rejects with the signal's
   * reason.
   */
  signal?: LeaseSignal;
  /**
   * Stops waiting after this many milliseconds with a
   * {@linkcode SessionLeaseTimeoutError}. Default: wait as long as it takes.
   */
  timeout?: number;
}

/**
 * Thrown when an update waited longer than the given `timeout` for the lease
 * of its session key. Nothing was read or written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SessionLeaseTimeoutError } from "./lease.ts";
 *
 * const error = new SessionLeaseTimeoutError("42", 1000);
 * assert(error.message.includes("42"));
 * ```
 */
export class SessionLeaseTimeoutError extends SessionConflictError {
  /**
   * Creates the error.
   *
   * @param key The session key.
   * @param timeout How long the update waited, in milliseconds.
   */
  constructor(key: string, timeout: number) {
    super(key);
    this.name = "SessionLeaseTimeoutError";
    this.message =
      `Session "${key}" stayed leased by another instance for ${timeout} ms, so this update did not run on it; nothing was read or written`;
  }
}

/**
 * Thrown at the write of an update that lost the lease of its session key
 * (it ran past `maxHold`, or was paused for longer than the lease's time to
 * live, and another instance took the key). Its changes were not written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SessionConflictError } from "../errors.ts";
 * import { SessionLeaseLostError } from "./lease.ts";
 *
 * assert(new SessionLeaseLostError("42") instanceof SessionConflictError);
 * ```
 */
export class SessionLeaseLostError extends SessionConflictError {
  /**
   * Creates the error.
   *
   * @param key The session key.
   */
  constructor(key: string) {
    super(key);
    this.name = "SessionLeaseLostError";
    this.message =
      `Session "${key}": this update held the key's lease for longer than it may (maxHold or the lease's time to live), another instance took it, so this update's changes were not written`;
  }
}

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
  #timer: ReturnType<typeof setTimeout> | undefined;
  #renewing: Promise<void> | undefined;

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
    const delay = Math.max(1, Math.floor(this.#timeToLive / 3));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#renewing = this.#renew().finally(() => {
        this.#renewing = undefined;
        this.#schedule();
      });
    }, delay);
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
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#state === "held") this.#state = "paused";
    while (this.#renewing !== undefined) await this.#renewing;
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
  }

  /**
   * Records the result of a commit that {@linkcode KvLease.addRelease} went
   * into. On success the lease is released. On failure it finds out whether
   * the lease was the reason: if another holder took it, it throws a
   * {@linkcode SessionLeaseLostError}; otherwise the lease is still ours (some
   * other check of the commit failed) and the caller may retry.
   */
  async settle(result: { ok: boolean }): Promise<void> {
    if (result.ok) {
      this.#state = "released";
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

/**
 * Takes the lease of `key`, waiting as long as another holder has it (see the
 * module comment for the protocol). Resolves with the held lease; give it
 * back with {@linkcode KvLease.release}.
 *
 * @example Two holders, one after the other
 * ```ts
 * import assert from "node:assert/strict";
 * import { acquireLease } from "./lease.ts";
 *
 * const kv = await Deno.openKv(":memory:");
 * try {
 *   const first = await acquireLease(kv, ["lease", "42"], { timeToLive: 5000 });
 *   const second = acquireLease(kv, ["lease", "42"], { timeToLive: 5000 });
 *   await first.release();
 *   const lease = await second;
 *   assert(lease.held);
 *   await lease.release();
 * } finally {
 *   kv.close();
 * }
 * ```
 *
 * @param kv An open KV handle (Deno KV or `@deno/kv`).
 * @param key The KV key of the lease; the claim lives at `[...key, "next"]`.
 * @param options Time to live, longest hold, and how long to wait.
 * @returns The lease, held.
 */
export async function acquireLease(
  kv: LeaseKv,
  key: LeaseKey,
  options: LeaseOptions,
): Promise<KvLease> {
  const { timeToLive, maxHold = Infinity, signal, timeout } = options;
  if (!(timeToLive > 0 && Number.isFinite(timeToLive))) {
    throw new RangeError(
      `The lease's timeToLive must be a positive number of milliseconds, got ${timeToLive}`,
    );
  }
  const owner = options.owner ?? crypto.randomUUID();
  const label = options.label ?? JSON.stringify(key.map(String));
  const claimKey = [...key, "next"];
  const started = Date.now();
  let entries: LeaseEntry[] | undefined; // unknown before the first read
  let claimed = false;
  for (let round = 0;; round++) {
    if (signal?.aborted) throw signal.reason;
    if (timeout !== undefined && Date.now() - started >= timeout) {
      if (claimed) await dropClaim(kv, claimKey, owner);
      throw new SessionLeaseTimeoutError(label, timeout);
    }
    const now = Date.now();
    const state = readLease(entries, owner, now);
    claimed = state.claimMine;
    if (state.leaseFree && state.claimFree) {
      const until = Math.min(now + timeToLive, now + maxHold);
      const atomic = kv.atomic();
      atomic.check(
        { key, versionstamp: state.leaseVs },
        { key: claimKey, versionstamp: state.claimVs },
      );
      atomic.set(key, { owner, until }, { expireIn: until - now });
      if (state.claimVs !== null) atomic.delete(claimKey);
      const result = await commitUnlessBusy(atomic);
      if (result.ok) {
        return new KvLease(kv, key, {
          owner,
          label,
          versionstamp: result.versionstamp,
        }, { timeToLive, until, latest: now + maxHold });
      }
    } else if (!state.leaseFree && state.claimFree && !state.claimMine) {
      // Next in line: nobody else is.
      const until = Math.max(state.leaseUntil, now) +
        Math.min(timeToLive, 1000);
      const atomic = kv.atomic();
      atomic.check({ key: claimKey, versionstamp: state.claimVs });
      atomic.set(claimKey, { owner, until }, { expireIn: until - now });
      if ((await commitUnlessBusy(atomic)).ok) claimed = true;
    }
    if (entries !== undefined) {
      const waitUntil = state.leaseFree ? state.claimUntil : state.leaseUntil;
      let delay = Math.min(
        pollDelay(round, claimed),
        Math.max(1, waitUntil - Date.now() + 1),
      );
      if (timeout !== undefined) {
        delay = Math.min(delay, Math.max(1, started + timeout - Date.now()));
      }
      const seen = entries.map((entry) => entry.versionstamp);
      try {
        await waitForChange(kv, [key, claimKey], seen, delay, signal);
      } catch (reason) {
        if (claimed) await dropClaim(kv, claimKey, owner);
        throw reason;
      }
    }
    entries = await retryBusy(() => kv.getMany([key, claimKey]));
  }
}

/**
 * Commits; a database that stays busy (many processes on one local KV file)
 * counts as a failed attempt: the waiter reads again and keeps waiting.
 */
async function commitUnlessBusy(
  atomic: LeaseAtomic,
): Promise<{ ok: true; versionstamp: string } | { ok: false }> {
  try {
    return await retryBusy(() => atomic.commit());
  } catch (error) {
    if (isBusy(error)) return { ok: false };
    throw error;
  }
}

/** Gives up our claim to go next (best effort: it expires anyway). */
async function dropClaim(
  kv: LeaseKv,
  claimKey: LeaseKey,
  owner: string,
): Promise<void> {
  try {
    const [entry] = await kv.getMany([claimKey]);
    if (
      readLease([{ value: null, versionstamp: null }, entry!], owner, 0)
        .claimMine
    ) {
      const atomic = kv.atomic();
      atomic.check({ key: claimKey, versionstamp: entry!.versionstamp });
      atomic.delete(claimKey);
      await retryBusy(() => atomic.commit());
    }
  } catch {
    // It expires by itself.
  }
}
