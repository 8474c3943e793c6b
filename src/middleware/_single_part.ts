// This module is browser compatible.
// How a single session (strict or lazy) starts on an update: a pending chat
// migration first, then the key, then the part that holds the session. The
// steps stay synchronous where the options allow it (no await on the hot
// path of a bot whose getSessionKey is synchronous).
import type { SessionContext } from "./session_options.ts";
import type { ResolvedOptions } from "./_options.ts";
import { claimSession, updateOwner } from "./_context_session.ts";
import { PropertySession } from "./_property_session.ts";
import { isPromiseLike } from "../contract/_util.ts";
import { migrateChatIfNeeded } from "./chat_migration.ts";

type Opened<S> = PropertySession<S> | undefined;

/**
 * The part of `ctx.session` for this update, its key resolved; `undefined`
 * when a session of the same storage and key is already active for this
 * update (that one reads, locks and writes, and the caller only runs
 * `next()`).
 */
export function openSinglePart<S>(
  resolved: ResolvedOptions<S>,
  ctx: SessionContext,
  lazy: boolean,
): Opened<S> | Promise<Opened<S>> {
  const migrating = migrateChatIfNeeded(ctx, [resolved]); // chat_migration.ts
  if (migrating !== undefined) {
    return migrating.then(() => keyed(resolved, ctx, lazy));
  }
  return keyed(resolved, ctx, lazy);
}

function keyed<S>(
  resolved: ResolvedOptions<S>,
  ctx: SessionContext,
  lazy: boolean,
): Opened<S> | Promise<Opened<S>> {
  const maybeKey = resolved.getSessionKey(ctx);
  return isPromiseLike(maybeKey)
    ? Promise.resolve(maybeKey).then((key) => claim(resolved, ctx, lazy, key))
    : claim(resolved, ctx, lazy, maybeKey);
}

/** The part for `key`, unless this update already has that session. */
function claim<S>(
  resolved: ResolvedOptions<S>,
  ctx: SessionContext,
  lazy: boolean,
  key: string | undefined,
): Opened<S> {
  const part = new PropertySession(
    resolved,
    ctx,
    "session",
    lazy,
    updateOwner(ctx),
  );
  part.key = key;
  return claimSession(ctx, part, part.lockName) === undefined
    ? part
    : undefined;
}
