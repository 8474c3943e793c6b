// Reading: the chunks of a generation, and listing the heads under a prefix
// without transferring any chunk.
import { serialize } from "node:v8";
import { deserialiseValue, joinChunks } from "./codec.ts";
import type { KvEntryLike, KvKey, KvLike } from "./kv_like.ts";
import {
  type ChunkedHead,
  decodeHead,
  type Head,
  isLive,
  type SessionKeys,
} from "./layout.ts";
import { retryLocked } from "./retry.ts";
import { type Known, knownOfHead, readHead } from "./state.ts";

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
  const chunks = await getAll(kv, chunkKeys(keys, head));
  return joinChunks(chunks.map((entry) => entry.value), head.bytes);
}

/** The keys of the chunks `head` refers to, in order. */
function chunkKeys(keys: SessionKeys, head: ChunkedHead): KvKey[] {
  return Array.from({ length: head.count }, (_, i) => keys.chunk(head.gen, i));
}

/** Reads `keys` in parallel `getMany` batches; the entries in key order. */
async function getAll(kv: KvLike, keys: KvKey[]): Promise<KvEntryLike[]> {
  const batches: Promise<KvEntryLike[]>[] = [];
  for (let from = 0; from < keys.length; from += GET_MANY_KEYS) {
    const batch = keys.slice(from, from + GET_MANY_KEYS);
    batches.push(retryLocked(() => kv.getMany(batch)));
  }
  return (await Promise.all(batches)).flat();
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

/** A session as read: its state, and its value if it is live. */
export interface ReadSession {
  known: Known;
  value: unknown;
  /** The serialised value, if it was stored in chunks. */
  bytes?: Uint8Array;
}

/** How often a read starts over when chunks vanish under it. */
const MAX_READ_ATTEMPTS = 16;

/**
 * Reads a session: the head alone, and the chunks if it refers to any. If a
 * chunk vanished because a writer replaced the value, reads again; if the
 * head did not change, the stored data is damaged. `seen` gets every state
 * read. With `guess`, the chunked head this store last saw, the chunks of
 * that generation are read together with the head: one round trip instead
 * of two while the guess holds (a generation's chunks never change).
 */
export async function readSession(
  kv: KvLike,
  keys: SessionKeys,
  seen: (known: Known) => void,
  guess?: ChunkedHead,
): Promise<ReadSession> {
  let known: Known;
  if (guess === undefined) known = await readHead(kv, keys);
  else {
    const guessed = await readGuessed(kv, keys, guess);
    if ("value" in guessed) {
      seen(guessed.known);
      return guessed;
    }
    known = guessed.known;
  }
  for (let attempt = 1;; attempt++) {
    seen(known);
    const { head } = known;
    if (!isLive(head, Date.now())) return { known, value: undefined };
    if (head.kind === "inline") return { known, value: head.value };
    if (head.kind !== "chunked") throw new Error("unreachable");
    const bytes = await readChunks(kv, keys, head);
    if (bytes !== undefined) {
      return { known, value: deserialiseValue(keys.name, bytes), bytes };
    }
    const again = await readHead(kv, keys);
    if (again.vs === known.vs) {
      throw new Error(
        `Session "${keys.name}" is damaged in Deno KV: a chunk of generation ${head.gen} is missing`,
      );
    }
    if (attempt >= MAX_READ_ATTEMPTS) {
      throw new Error(
        `Session "${keys.name}" was replaced ${attempt} times while it was being read`,
      );
    }
    known = again;
  }
}

/**
 * Reads the head and the chunks of generation `guess` at once (the head with
 * the first chunks in one snapshot). The session, if the head still refers
 * to that generation, it is live and every chunk was there; else the state
 * of the head alone.
 */
async function readGuessed(
  kv: KvLike,
  keys: SessionKeys,
  guess: ChunkedHead,
): Promise<ReadSession | { known: Known }> {
  const [entry, ...chunks] = await getAll(kv, [
    keys.head,
    ...chunkKeys(keys, guess),
  ]);
  const known = knownOfHead(entry);
  const { head } = known;
  if (
    head.kind !== "chunked" || head.gen !== guess.gen ||
    head.count !== guess.count || !isLive(head, Date.now())
  ) {
    return { known };
  }
  const bytes = joinChunks(chunks.map((e) => e.value), head.bytes);
  if (bytes === undefined) return { known };
  return { known, value: deserialiseValue(keys.name, bytes), bytes };
}

/** What `DenoKvStorage.readInfo` tells about a stored session. */
export interface KvSessionInfo {
  /** The session key. */
  key: string;
  /** Size of the stored session in bytes of V8 serialisation. */
  bytes: number;
  /** The deadline (ms since the epoch), `undefined` if it never expires. */
  expiresAt: number | undefined;
  /** The number of chunks; 0 for a session stored in its head entry. */
  chunks: number;
}

/** The info of a live head. */
export function infoOf(key: string, head: Head): KvSessionInfo {
  if (head.kind === "chunked") {
    const { bytes, expires: expiresAt, count: chunks } = head;
    return { key, bytes, expiresAt, chunks };
  }
  const value = head.kind === "inline" ? head.value : undefined;
  const expiresAt = head.kind === "inline" ? head.expires : undefined;
  return { key, bytes: serialize(value).byteLength, expiresAt, chunks: 0 };
}
