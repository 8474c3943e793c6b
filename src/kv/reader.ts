// Reading: the chunks of a generation, and listing the heads under a prefix
// without transferring any chunk.
import { joinChunks } from "./codec.ts";
import type { KvEntryLike, KvKey, KvLike } from "./kv_like.ts";
import {
  type ChunkedHead,
  decodeHead,
  type Head,
  isLive,
  type SessionKeys,
} from "./layout.ts";
import { retryLocked } from "./retry.ts";

/** `getMany` takes at most this many keys. */
const GET_MANY_KEYS = 10;
const LIST_BATCH_SIZE = 500;

/**
 * Reads and joins the chunks `head` refers to, in parallel batches;
 * `undefined` if one is missing (replaced meanwhile, or damaged).
 */
export async function readChunks(
  kv: KvLike,
  keys: SessionKeys,
  head: ChunkedHead,
): Promise<Uint8Array | undefined> {
  const batches: Promise<KvEntryLike[]>[] = [];
  for (let from = 0; from < head.count; from += GET_MANY_KEYS) {
    const batch: KvKey[] = [];
    const upTo = Math.min(head.count, from + GET_MANY_KEYS);
    for (let i = from; i < upTo; i++) batch.push(keys.chunk(head.gen, i));
    batches.push(retryLocked(() => kv.getMany(batch)));
  }
  const chunks = (await Promise.all(batches)).flat().map((e) => e.value);
  return joinChunks(chunks, head.bytes);
}

/** Lists `[key, head]` of every live session under `prefix`, in key order. */
export async function* listHeads(
  kv: KvLike,
  prefix: KvKey,
): AsyncGenerator<[string, Head]> {
  let start: KvKey | undefined;
  restart: for (;;) {
    const selector = start === undefined ? { prefix } : { prefix, start };
    for await (
      const entry of kv.list(selector, { batchSize: LIST_BATCH_SIZE })
    ) {
      if (entry.key.length !== prefix.length + 1) continue; // chunk, record
      const key = entry.key[prefix.length];
      if (typeof key !== "string") continue;
      const head = decodeHead(entry.value, true);
      if (isLive(head, Date.now())) yield [key, head];
      if (head.kind === "chunked") {
        // Skip its chunks without transferring them: list anew from the
        // first key after every child key of this head.
        start = [...prefix, key + "\0"];
        continue restart;
      }
    }
    return;
  }
}
