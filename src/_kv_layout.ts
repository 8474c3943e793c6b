// Private helpers of the Deno KV store: the key layout, the limits of one
// atomic commit, the stored forms of a session head and the pending record.

import type { KvAtomicLike, KvKey as Key, KvLike } from "./deno_kv_storage.ts";

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

/**
 * The property that marks a head value as written in one of our wrapped
 * forms. A raw value (written by `@grammyjs/storage-denokv`, or by us when it
 * fits and has no deadline) never has it: we wrap values that do.
 */
export const MARK = "__sessionkit_kv";

/** A head written by us in wrapped form. */
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

/** One generation listed in the pending record. */
export interface PendingGeneration {
  /** Number of chunks the generation has (or will have). */
  n: number;
  /** Set once the generation is doomed: deletion continues at this index. */
  del?: number;
}

/** The pending record: generations whose chunks no head refers to. */
export type PendingGenerations = Record<string, PendingGeneration>;

/** Whether `value` is one of our wrapped head forms. */
export function isWrapped(value: unknown): value is Wrapped {
  return typeof value === "object" && value !== null &&
    Object.hasOwn(value, MARK);
}

/** Decodes a head value read from KV (`null` means absent). */
export function decodeHead(value: unknown, present: boolean): Head {
  if (!present) return { kind: "none" };
  if (!isWrapped(value)) {
    return { kind: "inline", value, expires: undefined };
  }
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
export function encodeInline(
  value: unknown,
  expires: number | undefined,
): unknown {
  if (expires === undefined && !isWrapped(value)) return value;
  const wrapped: Wrapped = { [MARK]: 1, v: value };
  if (expires !== undefined) wrapped.e = expires;
  return wrapped;
}

/** The head value to store for a chunked session value. */
export function encodeManifest(
  gen: string,
  count: number,
  bytes: number,
  expires: number | undefined,
): Wrapped {
  const wrapped: Wrapped = { [MARK]: 1, g: gen, n: count, b: bytes };
  if (expires !== undefined) wrapped.e = expires;
  return wrapped;
}

/** Whether a head is missing or past its deadline at `now`. */
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
export function encodedKeyLength(key: Key): number {
  let length = 0;
  for (const part of key) {
    if (typeof part === "string") {
      const bytes = encoder.encode(part);
      length += 2 + bytes.length + countZeros(bytes);
    } else if (part instanceof Uint8Array) {
      length += 2 + part.length + countZeros(part);
    } else if (typeof part === "number") {
      length += 9;
    } else if (typeof part === "bigint") {
      const abs = part < 0n ? -part : part;
      length += 3 + Math.ceil(abs.toString(16).length / 2);
    } else {
      length += 1;
    }
  }
  return length;
}

function countZeros(bytes: Uint8Array): number {
  let zeros = 0;
  for (const byte of bytes) if (byte === 0) zeros++;
  return zeros;
}

/** Limits of one atomic commit (SPEC section 7), with a small margin. */
const MAX_CHECKS = 100;
const MAX_MUTATIONS = 1000;
const MAX_TOTAL_BYTES = 819_200 - 256;
const MAX_SET_KEY_BYTES = 81_920 - 256;

type Mutation =
  | { set: true; key: Key; value: unknown; expireIn: number | undefined }
  | { set: false; key: Key };

/**
 * One atomic commit being planned. It refuses (returns `false` for) any
 * operation that would make the commit larger than KV accepts, so a commit
 * is never rejected for its size. Keys are counted twice (KV does so for
 * sets; for checks and deletes it is a safe overestimate). The plan can be
 * applied more than once, which is how a commit is retried.
 */
export class CommitPlan {
  readonly #checks: { key: Key; versionstamp: string | null }[] = [];
  readonly #mutations: Mutation[] = [];
  #bytes = 0;
  #setKeyBytes = 0;

  /** Adds a versionstamp check. */
  check(key: Key, versionstamp: string | null, keyBytes: number): boolean {
    if (
      this.#checks.length >= MAX_CHECKS ||
      this.#bytes + 2 * keyBytes > MAX_TOTAL_BYTES
    ) return false;
    this.#checks.push({ key, versionstamp });
    this.#bytes += 2 * keyBytes;
    return true;
  }

  /** Adds a set of a value that serialises to at most `valueBytes`. */
  set(
    key: Key,
    value: unknown,
    keyBytes: number,
    valueBytes: number,
    expireIn: number | undefined,
  ): boolean {
    if (
      this.#mutations.length >= MAX_MUTATIONS ||
      this.#bytes + 2 * keyBytes + valueBytes > MAX_TOTAL_BYTES ||
      this.#setKeyBytes + keyBytes > MAX_SET_KEY_BYTES
    ) return false;
    this.#mutations.push({ set: true, key, value, expireIn });
    this.#bytes += 2 * keyBytes + valueBytes;
    this.#setKeyBytes += keyBytes;
    return true;
  }

  /** Adds deletes of all `keys` (each at most `keyBytes`), or none. */
  deleteAll(keys: readonly Key[], keyBytes: number): boolean {
    if (
      this.#mutations.length + keys.length > MAX_MUTATIONS ||
      this.#bytes + 2 * keyBytes * keys.length > MAX_TOTAL_BYTES
    ) return false;
    for (const key of keys) this.#mutations.push({ set: false, key });
    this.#bytes += 2 * keyBytes * keys.length;
    return true;
  }

  /** Builds the atomic operation on `kv`. */
  build(kv: KvLike): KvAtomicLike {
    const atomic = kv.atomic();
    if (this.#checks.length > 0) atomic.check(...this.#checks);
    for (const mutation of this.#mutations) {
      if (!mutation.set) atomic.delete(mutation.key);
      else if (mutation.expireIn === undefined) {
        atomic.set(mutation.key, mutation.value);
      } else {
        atomic.set(mutation.key, mutation.value, {
          expireIn: mutation.expireIn,
        });
      }
    }
    return atomic;
  }
}

/** Size reserved in a budget for a head or pending record value. */
export const SMALL_RECORD_BYTES = 1024;

const TOO_LARGE = /Value too large|ValueTooLong/i;
const NOT_CLONEABLE = /could not be cloned|DataCloneError/i;
const KEY_TOO_LARGE = /Key too large|KeyTooLong/i;
const LOCKED = /database is locked|SQLITE_BUSY|database table is locked/i;

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : "";
}

/** KV refused a value over its size limit (Deno or `@deno/kv`). */
export function isValueTooLarge(error: unknown): boolean {
  return TOO_LARGE.test(messageOf(error));
}

/** KV (or V8) could not serialise a value. */
export function isNotCloneable(error: unknown): boolean {
  return NOT_CLONEABLE.test(messageOf(error)) ||
    (error instanceof Error && error.name === "DataCloneError");
}

/** KV refused a key over its size limit. */
export function isKeyTooLarge(error: unknown): boolean {
  return KEY_TOO_LARGE.test(messageOf(error));
}

/** SQLite was busy: the commit was not applied and may be retried. */
export function isLocked(error: unknown): boolean {
  return LOCKED.test(messageOf(error));
}

/** How often a locked database is retried before the error surfaces. */
const LOCK_ATTEMPTS = 12;

/**
 * Runs `operation`, retrying it with jittered exponential backoff (2 ms up to
 * 250 ms per wait, about 1.5 s in total) while KV says the database is locked.
 */
export async function retryLocked<T>(operation: () => Promise<T>): Promise<T> {
  for (let attempt = 0;; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!isLocked(error) || attempt + 1 >= LOCK_ATTEMPTS) throw error;
      const cap = Math.min(250, 2 * 2 ** attempt);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * cap));
    }
  }
}
