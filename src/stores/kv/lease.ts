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
 *   claim changes (`kv.watch` on Deno's own KV, which Deno Deploy delivers
 *   across isolates; never on `@deno/kv`, whose watch stream misbehaves),
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
import { KvLease } from "./_lease_held.ts";
import { SessionLeaseTimeoutError } from "../../contract/lease_errors.ts";
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
export { KvLease } from "./_lease_held.ts";
export {
  SessionLeaseLostError,
  SessionLeaseTimeoutError,
} from "../../contract/lease_errors.ts";

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
    // Giving up, with our claim written or not yet known to be (an abort can
    // land while the read after our own claim is under way): give it back.
    if (signal?.aborted) {
      await dropClaim(kv, claimKey, owner);
      throw signal.reason;
    }
    if (timeout !== undefined && Date.now() - started >= timeout) {
      await dropClaim(kv, claimKey, owner);
      throw new SessionLeaseTimeoutError(label, timeout);
    }
    const now = Date.now();
    const state = readLease(entries, owner, now, started);
    claimed = state.claimMine;
    if (state.leaseFree && state.outranks) {
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
    } else if (!state.leaseFree && state.outranks && !state.claimMine) {
      // Next in line: nobody else is, or only one who started waiting later.
      const until = Math.max(state.leaseUntil, now) +
        Math.min(timeToLive, 1000);
      const atomic = kv.atomic();
      atomic.check({ key: claimKey, versionstamp: state.claimVs });
      atomic.set(claimKey, { owner, until, since: started }, {
        expireIn: until - now,
      });
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
        await dropClaim(kv, claimKey, owner);
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
      readLease([{ value: null, versionstamp: null }, entry!], owner, 0, 0)
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
