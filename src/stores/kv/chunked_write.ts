// Writing a session too large for one KV value: a new generation of chunks,
// then one commit that switches the head to it.
//
// If everything fits one commit, that is the only commit. Otherwise the
// first commit lists the generation in the pending record together with the
// first chunks, the next ones add chunks, and the last one adds the last
// chunks, switches the head and removes the generation from the record.
// Every commit checks the head and the record, so a writer learns at once if
// another one replaced the value or reclaimed this generation, and a reader
// never sees a generation before the switch.
import { SessionStorageError } from "../../contract/errors.ts";
import { chunkCount, chunkOf } from "./codec.ts";
import { type CommitExtras, CommitPlan } from "./commit_plan.ts";
import type { KvLike } from "./kv_like.ts";
import {
  type ChunkedHead,
  encodeManifest,
  newGeneration,
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
  recordCost,
  sameGuard,
} from "./planner.ts";
import { backoff } from "./retry.ts";
import {
  hasReclaimable,
  type Known,
  logicalVersion,
  type PendingGenerations,
  readFull,
} from "./state.ts";

/** What a write attempt came to. */
export type Outcome =
  | { ok: true; known: Known }
  | { ok: false }
  | { retry: Known }
  | { restart: Known };

/** A chunked write of `bytes` over the session whose state is `known`. */
export interface ChunkedWrite {
  kv: KvLike;
  keys: SessionKeys;
  known: Known;
  bytes: Uint8Array;
  expires: number | undefined;
  /** The version a compare-and-set expects; `undefined` for a plain write. */
  expected: string | null | undefined;
  extras: CommitExtras | undefined;
}

/** Writes `write.bytes` as a new generation of chunks. */
export async function writeChunked(write: ChunkedWrite): Promise<Outcome> {
  const { kv, keys, bytes, expires, expected, extras } = write;
  const count = chunkCount(bytes.byteLength);
  const written: ChunkedHead = {
    kind: "chunked",
    gen: newGeneration(),
    count,
    bytes: bytes.byteLength,
    expires,
  };
  const { gen } = written;
  const manifest = encodeManifest(written);
  const expireIn = (): number | undefined =>
    expires === undefined ? undefined : Math.max(1, expires - Date.now());
  const addChunks = (plan: CommitPlan, from: number): number => {
    let upTo = from;
    while (upTo < count) {
      const part = chunkOf(bytes, upTo);
      const key = keys.chunk(gen, upTo);
      if (!plan.set(key, part, keys.chunkBytes, part.byteLength, expireIn())) {
        break;
      }
      upTo++;
    }
    return upTo;
  };

  let current = write.known;
  let registered = false;
  let next = 0;
  for (let failures = 0; failures < MAX_ATTEMPTS;) {
    const record = current.pending ?? {};
    // Can the rest of the chunks and the switch go in this commit?
    let plan = new CommitPlan();
    guard(plan, keys, current);
    plan.set(keys.head, manifest, keys.headBytes, WRAP_BYTES, expireIn());
    plan.extend(extras);
    const cost = recordCost(keys, Object.keys(record).length + 1);
    plan.reserve(0, 1, cost);
    let upTo = addChunks(plan, next);
    const switching = upTo >= count;
    let pending: PendingGenerations = record;
    if (switching) {
      plan.release(0, 1, cost);
      const base = { ...record };
      delete base[gen];
      pending = finishSwitch(plan, keys, current, base, current.head);
    } else {
      plan = new CommitPlan();
      guard(plan, keys, current);
      if (!registered) {
        pending = { ...record, [gen]: { n: count, t: Date.now() } };
        plan.set(keys.pending, pending, keys.pendingBytes, cost);
      }
      upTo = addChunks(plan, next);
    }
    const result = await commitPlan(kv, plan);
    if (result.ok) {
      const vs = result.versionstamp;
      if (switching) {
        return { ok: true, known: afterSwitch(vs, written, pending, vs) };
      }
      if (!registered) {
        registered = true;
        current = { ...current, pending, pendingVs: vs };
      }
      next = upTo;
      continue;
    }
    // A check failed: find out what changed, after a random wait (see
    // `put` in writer.ts).
    await backoff(failures++);
    const fresh = await readFull(kv, keys);
    const mine = fresh.pending?.[gen];
    if (registered && (mine === undefined || mine.del !== undefined)) {
      // Another writer reclaimed this generation: start over.
      return { restart: fresh };
    }
    const refused = switching && extras !== undefined &&
      sameGuard(current, fresh);
    const stale = expected !== undefined &&
      logicalVersion(fresh) !== expected;
    if (refused || stale) {
      if (registered) await reclaim(kv, keys, fresh, (g) => g === gen);
      return { ok: false };
    }
    if (!registered && hasReclaimable(fresh.pending, Date.now())) {
      return { retry: fresh };
    }
    current = fresh;
  }
  throw new SessionStorageError(
    keys.name,
    "write",
    new Error(
      `the session kept changing under this write (${MAX_ATTEMPTS} attempts)`,
    ),
  );
}
