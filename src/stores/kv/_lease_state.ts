// What a waiter makes of the lease and claim entries it read, and how long it
// sleeps before it looks again.

import type { LeaseEntry } from "./_lease_kv.ts";

/** The lease and claim of one key, as a waiter sees them at `now`. */
export interface LeaseState {
  /** Absent, or past its deadline (KV deletes expired keys late). */
  leaseFree: boolean;
  leaseVs: string | null;
  /** The lease's deadline (0 if absent). */
  leaseUntil: number;
  /** No live claim by someone else: absent, past its deadline, or ours. */
  claimFree: boolean;
  /** The claim is ours and live. */
  claimMine: boolean;
  /**
   * We may take the turn: the claim is free, or held by a waiter that
   * started waiting after us (the longest waiter goes next).
   */
  outranks: boolean;
  claimVs: string | null;
  /** The claim's deadline (0 if absent). */
  claimUntil: number;
}

function untilOf(entry: LeaseEntry | undefined): number {
  if (entry === undefined || entry.versionstamp === null) return 0;
  const value = entry.value as { until?: unknown } | null;
  // A value we did not write counts as expired: it cannot block forever.
  return typeof value?.until === "number" ? value.until : 0;
}

function ownerOf(entry: LeaseEntry | undefined): unknown {
  return (entry?.value as { owner?: unknown } | null)?.owner;
}

function sinceOf(entry: LeaseEntry | undefined): number {
  const since = (entry?.value as { since?: unknown } | null)?.since;
  return typeof since === "number" ? since : Infinity;
}

/**
 * Decodes `[lease, claim]` as read; `undefined` (not read yet) is taken as
 * both absent, so the first attempt is a commit that checks exactly that.
 */
export function readLease(
  entries: readonly LeaseEntry[] | undefined,
  owner: string,
  now: number,
  since: number,
): LeaseState {
  const [lease, claim] = entries ?? [];
  const leaseUntil = untilOf(lease);
  const claimUntil = untilOf(claim);
  const claimLive = claimUntil > now;
  const claimMine = claimLive && ownerOf(claim) === owner;
  const claimFree = !claimLive || claimMine;
  const claimSince = sinceOf(claim);
  const older = since < claimSince ||
    (since === claimSince && owner < String(ownerOf(claim)));
  return {
    leaseFree: leaseUntil <= now,
    leaseVs: lease?.versionstamp ?? null,
    leaseUntil,
    claimFree,
    claimMine,
    outranks: claimFree || older,
    claimVs: claim?.versionstamp ?? null,
    claimUntil,
  };
}

/**
 * The next poll of a waiter, in ms: jittered and growing exponentially,
 * from 4 ms up to 40 ms for the claimer (it goes next, so it should notice
 * the release soon) and from 8 ms up to 100 ms for the others (they wait to
 * become the claimer: the longest waiter takes the claim over at its next
 * poll). Polls are reads; a waiter commits only to claim or take its turn.
 */
export function pollDelay(round: number, claimer: boolean): number {
  const base = claimer ? 4 : 8;
  const cap = claimer ? 40 : 100;
  const ceiling = Math.min(cap, base * 2 ** Math.min(round, 16));
  return ceiling / 2 + Math.random() * ceiling / 2;
}
