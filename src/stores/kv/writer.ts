// The write protocol of one session: plan from what is known, let the
// commit check it, and on a failed check read in full and decide again.
import {
  SessionStorageError,
  SessionValueError,
} from "../../contract/errors.ts";
import type { CompareAndSetResult } from "../../contract/storage_adapter.ts";
import { serialiseValue } from "./codec.ts";
import { type CommitExtras, CommitPlan } from "./commit_plan.ts";
import { type Outcome, writeChunked } from "./chunked_write.ts";
import type { KvLike } from "./kv_like.ts";
import {
  encodeInline,
  type Head,
  MAX_VALUE_BYTES,
  type SessionKeys,
  WRAP_BYTES,
} from "./layout.ts";
import {
  afterSwitch,
  commitPlan,
  finishSwitch,
  guard,
  MAX_ATTEMPTS,
  reclaim,
  sameGuard,
} from "./planner.ts";
import {
  backoff,
  isKeyTooLarge,
  isNotCloneable,
  isValueTooLarge,
} from "./retry.ts";
import {
  hasPending,
  hasReclaimable,
  isReclaimable,
  type Known,
  type KnownStates,
  logicalVersion,
  readFull,
} from "./state.ts";

/** What a store gives every write. */
export interface WriteContext {
  kv: KvLike;
  states: KnownStates;
  timeToLive: number | undefined;
  maxBytes: number;
}

/** One write, delete or compare-and-set of a session. */
export interface Put {
  keys: SessionKeys;
  /** The new value; `undefined` deletes. */
  value: unknown;
  /** The version a compare-and-set expects; `undefined`: any. */
  expected: string | null | undefined;
  /** The serialised value, if known (a refresh of a chunked session). */
  bytes?: Uint8Array;
  /** A refresh rewrites stored data: `maxBytes` does not apply to it. */
  refresh?: boolean;
  /** Extra operations for the final commit. */
  extras?: CommitExtras;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs one write to its outcome. */
export async function put(
  ctx: WriteContext,
  op: Put,
): Promise<CompareAndSetResult> {
  const { kv, states } = ctx;
  const { keys, value, expected } = op;
  const remembered = states.get(keys.name);
  let verified = remembered === undefined;
  let known = remembered ?? await readFull(kv, keys);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    states.set(keys.name, known);
    const unchanged = expected === undefined ||
      logicalVersion(known) === expected;
    const nothingToDelete = value === undefined &&
      known.head.kind === "none" && op.extras === undefined;
    if (!verified && (!unchanged || nothingToDelete)) {
      // Only KV decides an outcome, never a remembered state.
      known = await readFull(kv, keys);
      verified = true;
      continue;
    }
    if (!unchanged) return { ok: false };
    const now = Date.now();
    if (hasReclaimable(known.pending, now)) {
      // Chunks that no head refers to and no writer is still writing:
      // reclaim them first.
      known = await reclaim(
        kv,
        keys,
        known,
        (_, info) => isReclaimable(info, now),
      );
      continue;
    }
    if (nothingToDelete) return { ok: true, version: null };
    const outcome: Outcome = value === undefined
      ? await commitHead(ctx, op, known, { kind: "none" })
      : await commitValue(ctx, op, known);
    if ("ok" in outcome) {
      if (!outcome.ok) return outcome;
      states.set(keys.name, outcome.known);
      if (hasPending(outcome.known.pending)) {
        await reclaimDoomed(ctx, keys, outcome.known);
      }
      return { ok: true, version: outcome.known.vs };
    }
    // Another writer got in between: wait a random while before the next
    // try, so that two writers on one key cannot keep undoing each other.
    await backoff(attempt);
    known = "retry" in outcome ? outcome.retry : outcome.restart;
    verified = true;
  }
  throw new SessionStorageError(
    keys.name,
    value === undefined ? "delete" : "write",
    new Error(
      `the session kept changing under this write (${MAX_ATTEMPTS} attempts)`,
    ),
  );
}

/** Deletes the old chunks a switch commit had no room for. */
async function reclaimDoomed(
  ctx: WriteContext,
  keys: SessionKeys,
  known: Known,
): Promise<void> {
  const doomed = Object.entries(known.pending ?? {})
    .filter(([, info]) => info.del !== undefined).map(([gen]) => gen);
  if (doomed.length === 0) return;
  const after = await reclaim(ctx.kv, keys, known, (g) => doomed.includes(g));
  ctx.states.set(keys.name, after);
}

function deadline(ctx: WriteContext): number | undefined {
  return ctx.timeToLive === undefined ? undefined : Date.now() + ctx.timeToLive;
}

/** Throws a `SessionValueError` if `bytes` exceed the option `maxBytes`. */
export function checkMaxBytes(
  key: string,
  bytes: Uint8Array,
  maxBytes: number,
): void {
  if (bytes.byteLength <= maxBytes) return;
  throw new SessionValueError(
    key,
    `the value is ${bytes.byteLength} bytes long when serialised, more than the limit of ${maxBytes} bytes (option maxBytes)`,
  );
}

/** Stores a value inline if it fits one KV value, or else in chunks. */
async function commitValue(
  ctx: WriteContext,
  op: Put,
  known: Known,
): Promise<Outcome> {
  let bytes = op.bytes;
  // A value known to be large goes straight to the chunked path: KV would
  // serialise all of it only to refuse it.
  if (bytes === undefined && known.head.kind === "chunked") {
    bytes = serialiseValue(op.keys.name, op.value);
  }
  if (bytes === undefined || bytes.byteLength + WRAP_BYTES <= MAX_VALUE_BYTES) {
    const expires = deadline(ctx);
    const head: Head = { kind: "inline", value: op.value, expires };
    try {
      return await commitHead(ctx, op, known, head);
    } catch (error) {
      if (!isValueTooLarge(error)) throw valueError(op.keys.name, error);
    }
    bytes ??= serialiseValue(op.keys.name, op.value);
  }
  if (!op.refresh) checkMaxBytes(op.keys.name, bytes, ctx.maxBytes);
  return await writeChunked({
    kv: ctx.kv,
    keys: op.keys,
    known,
    bytes,
    expires: deadline(ctx),
    expected: op.expected,
    extras: op.extras,
  });
}

/** One commit that sets the head inline or deletes it. */
async function commitHead(
  ctx: WriteContext,
  op: Put,
  known: Known,
  head: Head,
): Promise<Outcome> {
  const { keys } = op;
  const plan = new CommitPlan();
  guard(plan, keys, known);
  if (head.kind === "inline") {
    const stored = encodeInline(head.value, head.expires);
    plan.set(
      keys.head,
      stored,
      keys.headBytes,
      MAX_VALUE_BYTES,
      ctx.timeToLive,
    );
  } else plan.delete(keys.head, keys.headBytes);
  plan.extend(op.extras);
  // Generations other writers are still writing stay listed.
  const pending = finishSwitch(
    plan,
    keys,
    known,
    { ...known.pending },
    known.head,
  );
  const result = await commitPlan(ctx.kv, plan);
  if (result.ok) {
    const vs = head.kind === "none" ? null : result.versionstamp;
    return {
      ok: true,
      known: afterSwitch(vs, head, pending, result.versionstamp),
    };
  }
  const fresh = await readFull(ctx.kv, keys);
  if (op.extras !== undefined && sameGuard(known, fresh)) return { ok: false };
  return { retry: fresh };
}

function valueError(key: string, error: unknown): unknown {
  if (isNotCloneable(error)) {
    return new SessionValueError(
      key,
      `Deno KV cannot serialise the value (${describe(error)})`,
      { cause: error },
    );
  }
  if (isKeyTooLarge(error)) {
    return new SessionValueError(
      key,
      `the key is too long for Deno KV (${describe(error)})`,
      { cause: error },
    );
  }
  return error;
}

/** When a session that is read gets a fresh deadline. */
export interface RefreshPolicy {
  timeToLive: number | undefined;
  /** Age after which a read refreshes (`undefined`: never). */
  refreshAfter: number | undefined;
}

/**
 * With a time to live: writes a session that was read again with a fresh
 * deadline once `refreshRatio` of its time to live has passed, checked
 * against the version read. The size limit does not apply: it is stored
 * data, and a limit lowered since must not make it unreadable. Returns the
 * version after.
 */
export async function refreshIfDue(
  ctx: WriteContext,
  policy: RefreshPolicy,
  keys: SessionKeys,
  known: Known,
  value: unknown,
  bytes?: Uint8Array,
): Promise<string | null> {
  const { timeToLive, refreshAfter } = policy;
  const { head, vs } = known;
  if (timeToLive === undefined || refreshAfter === undefined) return vs;
  if (head.kind === "none") return vs;
  const writtenAt = head.expires === undefined
    ? -Infinity
    : head.expires - timeToLive;
  if (Date.now() - writtenAt < refreshAfter) return vs;
  const op: Put = { keys, value, expected: vs, refresh: true };
  if (bytes !== undefined) op.bytes = bytes;
  const result = await put(ctx, op);
  return result.ok ? result.version : vs;
}
