// The commit planner: the guard every commit carries, the final commit that
// switches a head (disposing of the chunks it replaces), and reclaiming the
// generations listed in the pending record.
import { CommitPlan } from "./commit_plan.ts";
import type { KvLike } from "./kv_like.ts";
import type { Head, SessionKeys } from "./layout.ts";
import { retryLocked } from "./retry.ts";
import {
  hasPending,
  type Known,
  type PendingGeneration,
  type PendingGenerations,
  readFull,
} from "./state.ts";

/** How often one operation starts over because others changed the key. */
export const MAX_ATTEMPTS = 32;

/** Commits `plan`, retrying while the database is locked. */
export function commitPlan(
  kv: KvLike,
  plan: CommitPlan,
): Promise<{ ok: true; versionstamp: string } | { ok: false }> {
  return retryLocked(() => plan.build(kv).commit());
}

/**
 * Adds the checks every commit of a session carries: the head is still the
 * one known, and so is the pending record (absent, if it was not read).
 */
export function guard(plan: CommitPlan, keys: SessionKeys, known: Known): void {
  plan.check(keys.head, known.vs, keys.headBytes);
  const pendingVs = known.pending === undefined ? null : known.pendingVs;
  plan.check(keys.pending, pendingVs, keys.pendingBytes);
}

/** Whether `fresh` still has the versions that `guard` checked in `known`. */
export function sameGuard(known: Known, fresh: Known): boolean {
  const pendingVs = known.pending === undefined ? null : known.pendingVs;
  return fresh.vs === known.vs && fresh.pendingVs === pendingVs;
}

/** Bytes a set of the pending record with `entries` generations needs. */
export function recordCost(keys: SessionKeys, entries: number): number {
  return 2 * keys.pendingBytes + 1024 + 64 * entries;
}

/**
 * Completes a commit that replaces head `old` (the new head is already in
 * `plan`): deletes the chunks of `old` as far as they fit, lists the rest as
 * doomed, and writes the pending record `base` plus those. Room for the
 * record is kept first, so the record is always right. Returns the record
 * as it is after the commit.
 */
export function finishSwitch(
  plan: CommitPlan,
  keys: SessionKeys,
  known: Known,
  base: PendingGenerations,
  old: Head,
): PendingGenerations {
  let pending = base;
  const cost = recordCost(keys, Object.keys(base).length + 1);
  plan.reserve(0, 1, cost);
  if (old.kind === "chunked") {
    const fit = deleteChunks(plan, keys, old.gen, 0, old.count);
    if (fit < old.count) {
      pending = { ...pending, [old.gen]: { n: old.count, del: fit } };
    }
  }
  const recordExists = known.pending !== undefined && known.pendingVs !== null;
  putRecord(plan, keys, pending, cost, recordExists);
  return pending;
}

/**
 * Deletes the chunks `from` up to `count` of generation `gen`, as many as fit
 * in `plan`; returns how many it deleted.
 */
function deleteChunks(
  plan: CommitPlan,
  keys: SessionKeys,
  gen: string,
  from: number,
  count: number,
): number {
  const fit = plan.deletes(count - from, keys.chunkBytes);
  const doomed = [];
  for (let i = from; i < from + fit; i++) doomed.push(keys.chunk(gen, i));
  plan.deleteAll(doomed, keys.chunkBytes);
  return fit;
}

/**
 * Gives back the room kept for the pending record (`cost`) and sets the
 * record to `record`, or deletes it when `record` is empty and one is stored.
 */
function putRecord(
  plan: CommitPlan,
  keys: SessionKeys,
  record: PendingGenerations,
  cost: number,
  stored: boolean,
): void {
  plan.release(0, 1, cost);
  if (hasPending(record)) {
    plan.set(
      keys.pending,
      record,
      keys.pendingBytes,
      cost - 2 * keys.pendingBytes,
    );
  } else if (stored) plan.delete(keys.pending, keys.pendingBytes);
}

/** The state after a commit that wrote `head` and left `pending`. */
export function afterSwitch(
  versionstamp: string | null,
  head: Head,
  pending: PendingGenerations,
  commitVs: string,
): Known {
  return {
    vs: versionstamp,
    head,
    pending,
    pendingVs: hasPending(pending) ? commitVs : null,
  };
}

/**
 * Deletes the chunks of the generations in the pending record that
 * `select` picks and removes them from the record, commit by commit.
 * `known` must hold the record as read. Returns the state after.
 */
export async function reclaim(
  kv: KvLike,
  keys: SessionKeys,
  known: Known,
  select: (gen: string, info: PendingGeneration) => boolean,
): Promise<Known> {
  let current = known;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const record = current.pending ?? {};
    const targets = Object.entries(record).filter(([gen, info]) =>
      select(gen, info)
    );
    if (targets.length === 0) return current;
    const plan = new CommitPlan();
    plan.check(keys.pending, current.pendingVs, keys.pendingBytes);
    const rest: PendingGenerations = { ...record };
    const cost = recordCost(keys, Object.keys(rest).length);
    plan.reserve(0, 1, cost);
    for (const [gen, info] of targets) {
      const from = info.del ?? 0;
      const fit = deleteChunks(plan, keys, gen, from, info.n);
      if (from + fit >= info.n) delete rest[gen];
      else {
        rest[gen] = { n: info.n, del: from + fit };
        break;
      }
    }
    // The record is stored: `targets` came from it.
    putRecord(plan, keys, rest, cost, true);
    const result = await commitPlan(kv, plan);
    if (result.ok) {
      const pendingVs = hasPending(rest) ? result.versionstamp : null;
      current = { ...current, pending: rest, pendingVs };
      attempt = -1;
    } else current = await readFull(kv, keys);
  }
  return current;
}
