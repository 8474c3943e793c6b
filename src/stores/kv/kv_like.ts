/**
 * The part of the Deno KV API the store uses, typed structurally, so that
 * `Deno.openKv()` and `openKv()` from the npm package `@deno/kv` both fit.
 *
 * @module
 */

/** One part of a KV key. Both Deno KV and `@deno/kv` accept these. */
export type KvKeyPart = Uint8Array | string | number | bigint | boolean;

/** A KV key: a list of key parts. */
export type KvKey = readonly KvKeyPart[];

/** An entry as KV returns it; `versionstamp` is `null` if nothing is stored. */
export interface KvEntryLike {
  /** The key of the entry (Deno's key parts may also include symbols). */
  readonly key: readonly unknown[];
  /** The stored value (`null` if nothing is stored). */
  readonly value: unknown;
  /** The version of the stored value, `null` if nothing is stored. */
  readonly versionstamp: string | null;
}

/** The part of KV's atomic operation builder that the store uses. */
export interface KvAtomicLike {
  /** Makes the commit fail unless each key still has the versionstamp. */
  check(
    ...checks: { key: KvKey; versionstamp: string | null }[]
  ): KvAtomicLike;
  /** Stores a value, optionally to be deleted after `expireIn` ms. */
  set(
    key: KvKey,
    value: unknown,
    options?: { expireIn?: number },
  ): KvAtomicLike;
  /** Deletes a key. */
  delete(key: KvKey): KvAtomicLike;
  /** Applies everything at once, or nothing if a check failed. */
  commit(): Promise<{ ok: true; versionstamp: string } | { ok: false }>;
}

/**
 * The part of the Deno KV API that `DenoKvStorage` uses, typed
 * structurally: `Deno.openKv()` (a file, `:memory:`, or a KV Connect URL on
 * Deno Deploy) and `openKv()` from the npm package `@deno/kv` on Node.js both
 * fit.
 */
export interface KvLike {
  /** Reads up to 10 keys in one consistent snapshot. */
  getMany(keys: KvKey[]): Promise<KvEntryLike[]>;
  /** Lists the entries under a prefix, in key order. */
  list(
    selector: { prefix: KvKey } | { prefix: KvKey; start: KvKey },
    options?: { batchSize?: number },
  ): AsyncIterable<KvEntryLike>;
  /** Starts an atomic operation. */
  atomic(): KvAtomicLike;
}

/** The methods a KV handle must have, checked when a store is created. */
const METHODS = ["getMany", "list", "atomic"] as const;

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object" && typeof value !== "function") {
    return typeof value;
  }
  const name = (value as { constructor?: { name?: unknown } }).constructor
    ?.name;
  return typeof name === "string" && name !== "" ? `a ${name}` : "an object";
}

/**
 * Throws a `TypeError` unless `kv` looks like an open KV handle: a promise
 * (a forgotten `await`), `undefined`, or an object without the KV methods
 * are refused with what was passed and what is expected.
 */
export function assertKvHandle(kv: unknown): asserts kv is KvLike {
  const expected =
    "an open KV handle (`await Deno.openKv()`, or `openKv()` from @deno/kv)";
  if (
    kv instanceof Promise ||
    typeof (kv as { then?: unknown })?.then === "function"
  ) {
    throw new TypeError(
      `DenoKvStorage got a Promise, expected ${expected}: did you forget await?`,
    );
  }
  if (typeof kv !== "object" || kv === null) {
    throw new TypeError(
      `DenoKvStorage got ${describeValue(kv)}, expected ${expected}`,
    );
  }
  const missing = METHODS.filter((name) =>
    typeof (kv as Record<string, unknown>)[name] !== "function"
  );
  if (missing.length > 0) {
    throw new TypeError(
      `DenoKvStorage got ${describeValue(kv)} without the KV method${
        missing.length > 1 ? "s" : ""
      } ${missing.join(", ")}, expected ${expected}`,
    );
  }
}
