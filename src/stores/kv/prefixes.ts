// Stores on one KV handle whose prefixes nest (one starts the other) would
// share keys: the inner store's sessions would be the outer store's pending
// records, leases and chunks. A new store checks its prefix against those of
// the stores made before it on the same handle. (Processes cannot see each
// other's stores: docs/deno_kv.md asks for prefixes that do not nest.)
import type { KvKey, KvKeyPart } from "./kv_like.ts";

const prefixesOf = new WeakMap<object, KvKey[]>();

function samePart(a: KvKeyPart, b: KvKeyPart): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((byte, i) => byte === b[i]);
  }
  return a === b;
}

/** Whether `key` starts with every part of `prefix`. */
function startsWith(key: KvKey, prefix: KvKey): boolean {
  return prefix.length <= key.length &&
    prefix.every((part, i) => samePart(part, key[i]!));
}

/**
 * Records `prefix` for `kv`; throws a `TypeError` if it nests with the
 * prefix of another store on `kv` (an equal prefix is another instance of
 * the same store: fine).
 */
export function claimPrefix(kv: object, prefix: KvKey): void {
  let known = prefixesOf.get(kv);
  if (known === undefined) prefixesOf.set(kv, known = []);
  for (const other of known) {
    const equal = other.length === prefix.length && startsWith(prefix, other);
    if (equal) return;
    if (startsWith(prefix, other) || startsWith(other, prefix)) {
      throw new TypeError(
        `The prefix ${show(prefix)} nests with the prefix ${
          show(other)
        } of another DenoKvStorage on this KV: their keys would collide. Use prefixes where neither starts the other, such as ["sessions"] and ["admin_sessions"].`,
      );
    }
  }
  known.push([...prefix]);
}

function show(prefix: KvKey): string {
  return JSON.stringify(
    prefix,
    (_, part) =>
      typeof part === "bigint"
        ? `${part}n`
        : part instanceof Uint8Array
        ? `bytes(${part.length})`
        : part,
  );
}
