// Moving a session to another key atomically: the commit that makes the new
// head visible (created only if still absent) also checks that the old head
// and its pending record are unchanged, deletes the old head and, for a
// chunked session, hands its chunks to the pending record to be reclaimed.
// So no reader or crash ever sees a copy or a gap; one commit for a session
// stored in its head. The caller falls back to its generic move (which
// never overwrites either) when this answers `undefined`.
import { deserialiseValue } from "./codec.ts";
import type { SessionKeys } from "./layout.ts";
import { reclaim } from "./planner.ts";
import { readChunks } from "./reader.ts";
import {
  hasPending,
  type Known,
  logicalVersion,
  readFull,
  readHead,
} from "./state.ts";
import { type Put, put, type WriteContext } from "./writer.ts";

/** How often the move starts over because the old session changed. */
const ATTEMPTS = 5;

/**
 * Moves session `from` to `to`: `true` if moved, `false` if nothing is
 * stored under `from`, `undefined` if it cannot be done here (`to` exists,
 * chunks of a dead writer are pending under `from`, or it kept changing).
 */
export async function moveInOneCommit(
  ctx: WriteContext,
  from: SessionKeys,
  to: SessionKeys,
): Promise<boolean | undefined> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const source = await readFull(ctx.kv, from);
    const { head } = source;
    if (logicalVersion(source) === null) return false;
    if (hasPending(source.pending)) return undefined;
    // Stored data, moved: `maxBytes` does not apply (as to a refresh).
    const op: Put = {
      keys: to,
      value: undefined,
      expected: null,
      refresh: true,
    };
    // The chunks of a chunked session become pending under `from`.
    const pending = head.kind === "chunked"
      ? { [head.gen]: { n: head.count, del: 0 } }
      : {};
    if (head.kind === "chunked") {
      const bytes = await readChunks(ctx.kv, from, head);
      if (bytes === undefined) continue; // replaced meanwhile
      op.bytes = bytes;
      op.value = deserialiseValue(from.name, bytes);
    } else if (head.kind === "inline") op.value = head.value;
    op.extras = (atomic) => {
      atomic.check(
        { key: from.head, versionstamp: source.vs },
        { key: from.pending, versionstamp: source.pendingVs },
      );
      atomic.delete(from.head);
      if (hasPending(pending)) atomic.set(from.pending, pending);
    };
    const result = await put(ctx, op);
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
  return undefined;
}
