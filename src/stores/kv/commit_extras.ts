// Internal hook (not exported from kv.ts): lets code inside this package,
// such as the cross-instance lease of issue 11, add its own checks and
// mutations to the final commit of a session write, so that they take
// effect atomically with it.
import type { CompareAndSetResult } from "../../contract/storage_adapter.ts";
import type { CommitExtras } from "./commit_plan.ts";

export type { CommitExtras } from "./commit_plan.ts";
export { EXTRA_ROOM } from "./commit_plan.ts";

/** What a store registers for {@linkcode writeWithExtras}. */
type Writer = (
  key: string,
  value: unknown,
  expected: string | null | undefined,
  extras: CommitExtras,
) => Promise<CompareAndSetResult>;

const writers = new WeakMap<object, Writer>();

/** Called by each `DenoKvStorage` once, in its constructor. */
export function registerWriter(store: object, writer: Writer): void {
  writers.set(store, writer);
}

/**
 * Writes (or with `value` `undefined`, deletes) session `key` in `store`, a
 * `DenoKvStorage`, like `compareAndSet` (`expected` a version) or like
 * `write`/`delete` (`expected` `undefined`), and applies `extras` to the
 * commit that makes the change visible (the only commit of an inline value
 * or a delete; the head switch of a chunked value). `extras` is called once
 * per attempt with KV's atomic operation and may add at most
 * `EXTRA_ROOM.checks` checks, `EXTRA_ROOM.mutations` mutations and
 * `EXTRA_ROOM.bytes` bytes. If a check it added fails (and nothing of the
 * session changed), the result is `{ ok: false }` and nothing was written.
 * A delete of an absent session still commits, so `extras` always runs.
 */
export function writeWithExtras(
  store: object,
  key: string,
  value: unknown,
  expected: string | null | undefined,
  extras: CommitExtras,
): Promise<CompareAndSetResult> {
  const writer = writers.get(store);
  if (writer === undefined) {
    throw new TypeError("writeWithExtras needs a DenoKvStorage");
  }
  return writer(key, value, expected, extras);
}
