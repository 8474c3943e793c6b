// The hot path of the store: what most updates of a bot do, each as one KV
// call with one promise reaction and no other work between the calls.
//
// - A read of a session stored in its head is one `getMany` of the head.
// - A write of a value that fits the head, over a state this store
//   remembers (the head's versionstamp, no chunks, no pending record seen),
//   is one commit that checks both: exactly the commit `writer.ts` would
//   make.
//
// Everything else (chunks, a refresh of the deadline, a failed check, a
// locked database, a value KV refuses) returns `undefined` here or hands
// over to `reader.ts` and `writer.ts`, which decide it in full. The hot path
// never decides an outcome a commit did not check.
import type {
  CompareAndSetResult,
  VersionedValue,
} from "../../contract/storage_adapter.ts";
import type { KvLike } from "./kv_like.ts";
import { encodeInline, isLive, type SessionKeys } from "./layout.ts";
import {
  hasPending,
  type Known,
  knownOfHead,
  type KnownStates,
  logicalVersion,
} from "./state.ts";
import type { WriteContext } from "./writer.ts";

/**
 * Reads the head of `keys` and, if it holds the value itself, answers;
 * `slow` gets the state read when the value is in chunks, and any error.
 */
export function readHeadOnly<S>(
  kv: KvLike,
  keys: SessionKeys,
  states: KnownStates,
  slow: (read: Known | undefined) => Promise<VersionedValue<S>>,
): Promise<VersionedValue<S>> {
  let read;
  try {
    read = kv.getMany([keys.head]);
  } catch {
    return slow(undefined); // it reports the error as a rejection
  }
  return read.then((entries) => {
    const known = knownOfHead(entries[0]);
    if (known.head.kind === "chunked") return slow(known);
    states.set(keys.name, known);
    if (known.head.kind === "none" || !isLive(known.head, Date.now())) {
      return { value: undefined, version: null };
    }
    return { value: known.head.value as S, version: known.vs };
  }, () => slow(undefined));
}

/**
 * Commits `value` inline over the remembered state of `keys`, checked
 * against `expected` if given; `undefined` if the hot path does not apply.
 * `slow` takes over (with nothing decided) if the commit's check failed or
 * KV refused the commit (it gets KV's error, if any).
 */
export function writeInline(
  ctx: WriteContext,
  keys: SessionKeys,
  value: unknown,
  expected: string | null | undefined,
  slow: (error?: unknown) => Promise<CompareAndSetResult>,
): Promise<CompareAndSetResult> | undefined {
  const known = ctx.states.get(keys.name);
  if (
    known === undefined || known.pendingVs !== null ||
    hasPending(known.pending) || known.head.kind === "chunked" ||
    (expected !== undefined && logicalVersion(known) !== expected)
  ) {
    return undefined;
  }
  const { timeToLive } = ctx;
  const expires = timeToLive === undefined
    ? undefined
    : Date.now() + timeToLive;
  let committed;
  try {
    const atomic = ctx.kv.atomic().check(
      { key: keys.head, versionstamp: known.vs },
      { key: keys.pending, versionstamp: null },
    );
    const stored = encodeInline(value, expires);
    if (expires === undefined) atomic.set(keys.head, stored);
    else atomic.set(keys.head, stored, { expireIn: timeToLive! });
    // KV checks the size: a value too large for one entry fails the commit,
    // and the full write path stores it in chunks.
    committed = atomic.commit();
  } catch (error) {
    return slow(error);
  }
  return committed.then((result) => {
    if (!result.ok) return slow();
    ctx.states.set(keys.name, {
      vs: result.versionstamp,
      head: { kind: "inline", value: undefined, expires },
      pending: undefined,
      pendingVs: null,
    });
    return { ok: true, version: result.versionstamp };
  }, slow);
}
