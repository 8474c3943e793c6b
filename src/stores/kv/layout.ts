// The key layout of one session and KV's limits.
//
//   [...prefix, key]                  the head: the value, or a manifest
//   [...prefix, key, gen, i]          chunk i of generation `gen`
//   [...prefix, key, "~pending"]      generations no head refers to
//
// A head holds the session value as is (the layout of
// `@grammyjs/storage-denokv`) or, when it needs a deadline or chunks, a
// wrapped form marked with MARK.
import { SessionValueError } from "../../contract/errors.ts";
import type { KvKey } from "./kv_like.ts";

/** Length of a generation id (lowercase base-36 characters). */
const GENERATION_LENGTH = 14;
/** Largest encoded key KV accepts in a write. */
export const MAX_KEY_BYTES = 2048;
/** Largest value KV accepts (measured after V8 serialisation). */
export const MAX_VALUE_BYTES = 65_536;
/** Bytes a chunk key adds to the head key: a generation id and an index. */
export const CHILD_KEY_EXTRA_BYTES = 2 + GENERATION_LENGTH + 9;
/** The last key part of the pending record: no generation id looks like it. */
export const PENDING_PART = "~pending";
/** Room a head manifest or a wrapped inline value needs beyond its data. */
export const WRAP_BYTES = 128;
/** The property that marks a head value as written in a wrapped form. */
export const MARK = "__sessionkit_kv";

/** A head written in wrapped form. */
export interface Wrapped {
  [MARK]: 1;
  /** The session value, if stored inline. */
  v?: unknown;
  /** The expiry deadline (milliseconds since the epoch). */
  e?: number;
  /** The generation of the chunks, if stored in chunks. */
  g?: string;
  /** The number of chunks. */
  n?: number;
  /** The byte length of the serialised value. */
  b?: number;
}

/** What a head key holds, decoded. */
export type Head =
  | { kind: "none" }
  | { kind: "inline"; value: unknown; expires: number | undefined }
  | {
    kind: "chunked";
    gen: string;
    count: number;
    bytes: number;
    expires: number | undefined;
  };

/** A head that is chunked. */
export type ChunkedHead = Extract<Head, { kind: "chunked" }>;

/** Whether `value` is one of our wrapped head forms. */
export function isWrapped(value: unknown): value is Wrapped {
  return typeof value === "object" && value !== null &&
    Object.hasOwn(value, MARK);
}

/** Decodes a head value read from KV. */
export function decodeHead(value: unknown, present: boolean): Head {
  if (!present) return { kind: "none" };
  if (!isWrapped(value)) return { kind: "inline", value, expires: undefined };
  const expires = typeof value.e === "number" ? value.e : undefined;
  if (typeof value.g === "string") {
    return {
      kind: "chunked",
      gen: value.g,
      count: value.n ?? 0,
      bytes: value.b ?? 0,
      expires,
    };
  }
  return { kind: "inline", value: value.v, expires };
}

/** The head value to store for an inline session value. */
export function encodeInline(value: unknown, expires?: number): unknown {
  if (expires === undefined && !isWrapped(value)) return value;
  const wrapped: Wrapped = { [MARK]: 1, v: value };
  if (expires !== undefined) wrapped.e = expires;
  return wrapped;
}

/** The head value to store for a chunked session value. */
export function encodeManifest(head: ChunkedHead): Wrapped {
  const wrapped: Wrapped = { [MARK]: 1, g: head.gen, n: head.count };
  wrapped.b = head.bytes;
  if (head.expires !== undefined) wrapped.e = head.expires;
  return wrapped;
}

/** Whether a head holds a session that is not past its deadline at `now`. */
export function isLive(head: Head, now: number): boolean {
  return head.kind !== "none" &&
    (head.expires === undefined || now < head.expires);
}

/** A fresh generation id: 14 lowercase base-36 characters. */
export function newGeneration(): string {
  const words = crypto.getRandomValues(new Uint32Array(3));
  let id = "";
  for (const word of words) id += word.toString(36).padStart(7, "0");
  return id.slice(0, GENERATION_LENGTH);
}

const encoder = new TextEncoder();

/**
 * The length of a key as KV encodes it (tuple encoding: type byte, escaped
 * body, terminator), rounded up where the exact length does not matter.
 */
export function encodedKeyLength(key: KvKey): number {
  let length = 0;
  for (const part of key) {
    if (typeof part === "string") {
      const bytes = encoder.encode(part);
      length += 2 + bytes.length + countZeros(bytes);
    } else if (part instanceof Uint8Array) {
      length += 2 + part.length + countZeros(part);
    } else if (typeof part === "number") length += 9;
    else if (typeof part === "bigint") {
      const abs = part < 0n ? -part : part;
      length += 3 + Math.ceil(abs.toString(16).length / 2);
    } else length += 1;
  }
  return length;
}

function countZeros(bytes: Uint8Array): number {
  let zeros = 0;
  for (const byte of bytes) if (byte === 0) zeros++;
  return zeros;
}

/** The keys of one session and their encoded sizes. */
export interface SessionKeys {
  /** The session key, for error messages. */
  readonly name: string;
  readonly head: KvKey;
  readonly headBytes: number;
  readonly pending: KvKey;
  readonly pendingBytes: number;
  /** Upper bound of the encoded size of any chunk key. */
  readonly chunkBytes: number;
  /** The key of chunk `index` of generation `gen`. */
  chunk(gen: string, index: number): KvKey;
}

const LONE_SURROGATE =
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether `key` is valid UTF-16 (it has no lone surrogate). */
function isWellFormed(key: string): boolean {
  const method = (key as { isWellFormed?: () => boolean }).isWellFormed;
  return typeof method === "function"
    ? method.call(key)
    : !LONE_SURROGATE.test(key);
}

/**
 * The keys of session `key` under `prefix` (`prefixBytes` its encoded size).
 * Refuses keys so long that a chunk key would exceed KV's key limit, and
 * keys with a lone surrogate (KV would store another key).
 */
export function sessionKeys(
  prefix: KvKey,
  prefixBytes: number,
  key: string,
): SessionKeys {
  if (typeof key !== "string") {
    throw new TypeError(
      `Session keys must be strings, but got ${
        key === null ? "null" : typeof key
      }`,
    );
  }
  if (!isWellFormed(key)) {
    throw new SessionValueError(
      key,
      "the key holds half of a UTF-16 surrogate pair: Deno KV would store it as U+FFFD, the key of another session",
    );
  }
  const head = [...prefix, key];
  const headBytes = prefixBytes + encodedKeyLength([key]);
  if (headBytes + CHILD_KEY_EXTRA_BYTES > MAX_KEY_BYTES) {
    throw new SessionValueError(
      key,
      `the key is ${headBytes} bytes long as a Deno KV key (with the prefix); with the suffix of its chunk keys it would exceed KV's limit of ${MAX_KEY_BYTES} bytes, so keys must stay under ${
        MAX_KEY_BYTES - CHILD_KEY_EXTRA_BYTES - prefixBytes
      } bytes`,
    );
  }
  const pending = [...head, PENDING_PART];
  return {
    name: key,
    head,
    headBytes,
    pending,
    pendingBytes: headBytes + encodedKeyLength([PENDING_PART]),
    chunkBytes: headBytes + CHILD_KEY_EXTRA_BYTES,
    chunk: (gen, index) => [...head, gen, index],
  };
}
