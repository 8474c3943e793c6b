// Moving a session to another key atomically: the commit that makes the new
// head visible (created only if still absent) also checks that the old head
// and its pending record are unchanged, deletes the old head and, for a
// chunked session, hands its chunks to the pending record to be reclaimed.
// So no reader or crash ever sees a copy or a gap; one commit for a session
// stored in its head.
//
// Generations a writer left in the old key's pending record (one that died
// mid-write of a large session) never make the move take two commits:
// those that may be reclaimed are reclaimed first, the others stay listed in
// the record the move's commit writes, and everything listed under the old
// key is reclaimed after the move (no head refers to it any more).
//
// With the session leases the move holds (the chat migration takes the
// leases of both keys), the move's commit also checks that they are still
// held and releases them, like a session write does.
//
// The caller falls back to its generic move (which never overwrites either)
// only when a session is stored under the new key.
import { SessionConflictError } from "../../contract/errors.ts";
import type { SessionLease } from "../../contract/storage_adapter.ts";
import { SessionLeaseLostError } from "../../contract/lease_errors.ts";
import { heldLease } from "./_lease_store.ts";
import type { KvLease } from "./lease.ts";
import { deserialiseValue } from "./codec.ts";
import type { SessionKeys } from "./layout.ts";
import { reclaim } from "./planner.ts";
import { readChunks } from "./reader.ts";
import {
  hasPending,
  hasReclaimable,
  isReclaimable,
  type Known,
  logicalVersion,
  type PendingGenerations,
  readFull,
  readHead,
} from "./state.ts";
import { type Put, put, type WriteContext } from "./writer.ts";

/** How often the move starts over because the old session changed. */
const ATTEMPTS = 5;

/**
 * Moves session `from` to `to`: `true` if moved, `false` if nothing is
 * stored under `from`, `undefined` if a session is stored under `to` (the
 * caller decides). Throws a `SessionConflictError` if `from` kept changing,
 * a `SessionLeaseLostError` if one of `leases` was taken by another holder.
 */
export async function moveInOneCommit(
  ctx: WriteContext,
  from: SessionKeys,
  to: SessionKeys,
  leases: readonly SessionLease[] = [],
): Promise<boolean | undefined> {
  const held = leases.map((lease) => heldLease({ lease }))
    .filter((lease) => lease !== undefined);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const source = await reclaimable(ctx, from, await readFull(ctx.kv, from));
    const { head } = source;
    if (logicalVersion(source) === null) return false;
    // Stored data, moved: `maxBytes` does not apply (as to a refresh).
    const op: Put = {
      keys: to,
      value: undefined,
      expected: null,
      refresh: true,
    };
    // What stays listed under `from`, and the chunks of a chunked session.
    const pending: PendingGenerations = { ...source.pending };
    if (head.kind === "chunked") {
      pending[head.gen] = { n: head.count, del: 0 };
      const bytes = await readChunks(ctx.kv, from, head);
      if (bytes === undefined) continue; // replaced meanwhile
      op.bytes = bytes;
      op.value = deserialiseValue(from.name, bytes);
    } else if (head.kind === "inline") op.value = head.value;
    for (const lease of held) await lease.pause();
    const lost = held.find((lease) => lease.lost);
    if (lost !== undefined) throw new SessionLeaseLostError(lost.label);
    op.extras = (atomic) => {
      atomic.check(
        { key: from.head, versionstamp: source.vs },
        { key: from.pending, versionstamp: source.pendingVs },
      );
      atomic.delete(from.head);
      if (hasPending(pending)) atomic.set(from.pending, pending);
      for (const lease of held) lease.addRelease(atomic);
    };
    const result = await put(ctx, op);
    await settle(held, result);
    if (result.ok) {
      const after: Known = {
        vs: null,
        head: { kind: "none" },
        pending,
        pendingVs: hasPending(pending) ? result.version : source.pendingVs,
      };
      ctx.states.set(from.name, await reclaim(ctx.kv, from, after, () => true));
      return true;
    }
    // Either `to` was created, or `from` changed: look again.
    if (logicalVersion(await readHead(ctx.kv, to)) !== null) return undefined;
  }
  throw new SessionConflictError(from.name);
}

/**
 * Reclaims the generations listed under `from` that may be reclaimed now
 * (their writer is done or dead), so that the move's record stays small.
 */
async function reclaimable(
  ctx: WriteContext,
  from: SessionKeys,
  source: Known,
): Promise<Known> {
  const now = Date.now();
  if (!hasReclaimable(source.pending, now)) return source;
  return await reclaim(
    ctx.kv,
    from,
    source,
    (_, info) => isReclaimable(info, now),
  );
}

/** Records the move's result in each lease released by its commit. */
async function settle(
  leases: readonly KvLease[],
  result: { ok: boolean },
): Promise<void> {
  let lost: unknown;
  for (const lease of leases) {
    try {
      await lease.settle(result);
    } catch (error) {
      lost ??= error;
    }
  }
  if (lost !== undefined) throw lost;
}
