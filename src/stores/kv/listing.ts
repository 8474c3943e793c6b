// Listing the sessions of one store (keys, values, and how each is stored),
// all streaming through `kv.list` over the head entries (`listHeads` in
// `reader.ts`) in key order, and the info of one session from its head alone.
// The public methods are `DenoKvStorage.readAll*` and `readInfo`.
import { isLive, type SessionKeys } from "./layout.ts";
import type { KvKey, KvLike } from "./kv_like.ts";
import { infoOf, type KvSessionInfo, listHeads } from "./reader.ts";
import { readHead } from "./state.ts";

/** The keys of every live session under `prefix`. */
export async function* listKeys(
  kv: KvLike,
  prefix: KvKey,
): AsyncGenerator<string, void, undefined> {
  for await (const [key] of listHeads(kv, prefix)) yield key;
}

/**
 * `[key, value]` of every live session under `prefix`: a value stored in its
 * head as is, a chunked one read with `readValue` (and skipped if it is gone
 * by then).
 */
export async function* listEntries<S>(
  kv: KvLike,
  prefix: KvKey,
  readValue: (key: string) => Promise<S | undefined>,
): AsyncGenerator<[key: string, value: S], void> {
  for await (const [key, head] of listHeads(kv, prefix)) {
    if (head.kind === "inline") yield [key, head.value as S];
    else {
      const value = await readValue(key);
      if (value !== undefined) yield [key, value];
    }
  }
}

/** The info of every live session under `prefix`, reading no chunk. */
export async function* listInfo(
  kv: KvLike,
  prefix: KvKey,
): AsyncGenerator<KvSessionInfo, void, undefined> {
  for await (const [key, head] of listHeads(kv, prefix)) {
    yield infoOf(key, head);
  }
}

/** The info of the live session `key`, or `undefined` if there is none. */
export async function readInfo(
  kv: KvLike,
  keys: SessionKeys,
  key: string,
): Promise<KvSessionInfo | undefined> {
  const { head } = await readHead(kv, keys);
  return isLive(head, Date.now()) ? infoOf(key, head) : undefined;
}
