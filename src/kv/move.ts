// Moving a session to another key in one KV commit: the commit that creates
// the new head (checked absent) also checks that the old head is unchanged
// and deletes it, so no reader or crash ever sees a copy or a gap. Done only
// for a live session stored in its head with no chunks pending under the
// old key; anything else answers `undefined`, and the caller uses its
// generic move (which never overwrites either).
import type { SessionKeys } from "./layout.ts";
import { hasPending, logicalVersion, readFull, readHead } from "./state.ts";
import { put, type WriteContext } from "./writer.ts";

/** How often the move starts over because the old session changed. */
const ATTEMPTS = 5;

/**
 * Moves session `from` to `to` in one commit: `true` if moved, `false` if
 * nothing is stored under `from`, `undefined` if it cannot be done in one
 * commit here (`to` exists, the old session is chunked, or it kept changing).
 */
export async function moveInOneCommit(
  ctx: WriteContext,
  from: SessionKeys,
  to: SessionKeys,
): Promise<boolean | undefined> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const source = await readFull(ctx.kv, from);
    if (logicalVersion(source) === null) return false;
    if (source.head.kind !== "inline" || hasPending(source.pending)) {
      return undefined;
    }
    const result = await put(ctx, {
      keys: to,
      value: source.head.value,
      expected: null,
      extras: (atomic) => {
        atomic.check({ key: from.head, versionstamp: source.vs });
        atomic.delete(from.head);
      },
    });
    if (result.ok) {
      ctx.states.set(from.name, {
        ...source,
        vs: null,
        head: { kind: "none" },
      });
      return true;
    }
    // Either `to` was created, or `from` changed: look again.
    if (logicalVersion(await readHead(ctx.kv, to)) !== null) return undefined;
  }
  return undefined;
}
