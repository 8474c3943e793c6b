// What each call of `DenoKvStorage` does in KV: the public class in
// `deno_kv_storage.ts` carries the API and its documentation and delegates
// here. Reads go through `reader.ts` (and refresh a deadline that is due,
// `writer.ts`), writes through `writer.ts` (with the middleware's lease,
// released in the write's commit: `_lease_store.ts`), listing through
// `listing.ts`, one-commit moves through `move.ts`.
import { checkStorable } from "../../values/_storable.ts";
import { SessionValueError } from "../../contract/errors.ts";
import type {
  CompareAndSetResult,
  SessionLease,
  Version,
  VersionedValue,
  WriteOptions,
} from "../../contract/storage_adapter.ts";
import { heldLease, putWithLease } from "./_lease_store.ts";
import type { CommitExtras } from "./commit_extras.ts";
import type { KvKey, KvLike } from "./kv_like.ts";
import {
  encodedKeyLength,
  type Head,
  isLive,
  MAX_VALUE_BYTES,
  type SessionKeys,
  sessionKeys,
  WRAP_BYTES,
} from "./layout.ts";
import { type DenoKvStorageOptions, resolveOptions } from "./options.ts";
import { readHeadOnly, writeInline } from "./hot_path.ts";
import { readSession } from "./reader.ts";
import { moveInOneCommit } from "./move.ts";
import { type Known, KnownStates, logicalVersion, readHead } from "./state.ts";
import { deserialiseValue, serialiseValue } from "./codec.ts";
import { deepClone } from "../../values/_clone.ts";
import { isRewrite } from "../../contract/_rewrite.ts";
import { isKvU64 } from "../../values/_value_kind.ts";
import { isValueTooLarge } from "./retry.ts";
import {
  checkMaxBytes,
  type Put,
  put,
  refreshIfDue,
  type RefreshPolicy,
  type WriteContext,
} from "./writer.ts";

/** How many sessions' keys a store keeps computed. */
const KEYS_CACHE_SIZE = 1024;

/** The state of one `DenoKvStorage` and the KV work of its methods. */
export class KvStore<S> {
  /** The KV handle (not closed by the store). */
  readonly kv: KvLike;
  /** The key prefix of every session. */
  readonly prefix: KvKey;
  /** What writes need: the handle, the known states, TTL and size limit. */
  readonly write: WriteContext;
  readonly #prefixBytes: number;
  readonly #policy: RefreshPolicy;
  // The keys of recently used sessions: computing them encodes the key.
  readonly #keys = new Map<string, SessionKeys>();

  /** Checks `options` (throws on invalid ones) and sets up the store. */
  constructor(kv: KvLike, options: DenoKvStorageOptions) {
    const resolved = resolveOptions(options);
    this.kv = kv;
    this.prefix = resolved.prefix;
    this.#prefixBytes = encodedKeyLength(resolved.prefix);
    this.#policy = resolved;
    this.write = {
      kv,
      states: new KnownStates(),
      timeToLive: resolved.timeToLive,
      maxBytes: resolved.maxBytes,
    };
  }

  /** The KV keys of session `key` (throws if it is not a valid key). */
  keys(key: string): SessionKeys {
    const cached = this.#keys.get(key);
    if (cached !== undefined) return cached;
    const keys = sessionKeys(this.prefix, this.#prefixBytes, key);
    if (this.#keys.size >= KEYS_CACHE_SIZE) this.#keys.clear();
    this.#keys.set(key, keys);
    return keys;
  }

  /** Reads a session with its version, refreshing its deadline if due. */
  readWithVersion(key: string): Promise<VersionedValue<S>> {
    let keys: SessionKeys;
    try {
      keys = this.keys(key);
    } catch (error) {
      return Promise.reject(error);
    }
    const last = this.write.states.get(key)?.head;
    if (last?.kind === "chunked" || this.#policy.refreshAfter !== undefined) {
      return this.#read(key, keys, last);
    }
    return readHeadOnly(
      this.kv,
      keys,
      this.write.states,
      (read) => this.#read(key, keys, read?.head),
    );
  }

  // The full read: chunks (guessing the generation from `last`), retries,
  // and the refresh of a deadline that is due.
  async #read(
    key: string,
    keys: SessionKeys,
    last: Head | undefined,
  ): Promise<VersionedValue<S>> {
    const states = this.write.states;
    const read = await readSession(
      this.kv,
      keys,
      (k) => states.set(key, k),
      last?.kind === "chunked" ? last : undefined,
    );
    if (read.value === undefined) return { value: undefined, version: null };
    // Without a refresh policy the version is the one read; so it is for a
    // Deno.KvU64, which KV keeps only as the whole entry, without deadline.
    if (this.#policy.refreshAfter === undefined || isKvU64(read.value)) {
      return { value: read.value as S, version: read.known.vs };
    }
    const version = await refreshIfDue(
      this.write,
      this.#policy,
      keys,
      read.known,
      read.value,
      read.bytes,
    );
    return { value: read.value as S, version };
  }

  /**
   * Writes (deletes, for `undefined`), checked against `expected` if given.
   * A write with the middleware's lease releases it in the same commit (and
   * is refused if the lease was lost).
   */
  put(
    key: string,
    value: S | undefined,
    expected: Version | undefined,
    options: WriteOptions | undefined,
  ): Promise<CompareAndSetResult> {
    let keys: SessionKeys;
    // Whatever runs after this call stores the value as it is now.
    let later: Put;
    try {
      if (value !== undefined) checkStorable(key, value);
      keys = this.keys(key);
      later = this.#planned(keys, value, expected, isRewrite(options));
    } catch (error) {
      return Promise.reject(error);
    }
    const lease = heldLease(options);
    if (lease === undefined) {
      const slow = (error?: unknown) => {
        // Too large for one entry: the full path goes straight to chunks.
        if (isValueTooLarge(error) && later.bytes === undefined) {
          later.bytes = serialiseValue(key, later.value);
        }
        return put(this.write, later);
      };
      const hot = value === undefined
        ? undefined
        : writeInline(this.write, keys, value, expected, slow);
      return hot ?? slow();
    }
    return putWithLease(
      lease,
      (extras) => put(this.write, { ...later, extras }),
    );
  }

  /** The write with extra commit checks (see `commit_extras.ts`). */
  async putWithExtras(
    key: string,
    value: unknown,
    expected: Version | undefined,
    extras: CommitExtras,
  ): Promise<CompareAndSetResult> {
    if (value !== undefined) checkStorable(key, value);
    const op = this.#planned(this.keys(key), value, expected);
    return await put(this.write, { ...op, extras });
  }

  // The write of `value` as it is now (see `snapshot()`), checked against
  // a limit that a value in one entry can exceed: such a value is never
  // serialised by this store otherwise (KV takes a few bytes more than
  // MAX_VALUE_BYTES by this store's measure, and the head may be wrapped).
  // (A write of stored data, `rewrite`, is not checked: `_rewrite.ts`.)
  #planned(
    keys: SessionKeys,
    value: unknown,
    expected: Version | undefined,
    rewrite = false,
  ): Put {
    if (this.write.timeToLive !== undefined && isKvU64(value)) {
      throw new SessionValueError(
        keys.name,
        "the session is a Deno.KvU64, which Deno KV keeps only as a whole entry, and with timeToLive the entry also holds the deadline; store its bigint (`.value`) instead",
      );
    }
    const known = this.write.states.get(keys.name);
    const op = snapshot(known, keys, value, expected);
    const { maxBytes } = this.write;
    if (rewrite) op.refresh = true;
    else if (value !== undefined && maxBytes < MAX_VALUE_BYTES + WRAP_BYTES) {
      op.bytes ??= serialiseValue(keys.name, op.value);
      checkMaxBytes(keys.name, op.bytes, maxBytes);
    }
    return op;
  }

  /** Moves session `from` to `to` in one commit: see `move.ts`. */
  async move(
    from: string,
    to: string,
    leases: readonly SessionLease[] | undefined,
  ): Promise<boolean | undefined> {
    const keys = [this.keys(from), this.keys(to)] as const;
    return await moveInOneCommit(this.write, ...keys, leases);
  }

  /** The version of `key` as this store last saw it; `undefined`: forgot. */
  knownVersion(key: string): Version | undefined {
    const known = this.write.states.get(key);
    return known === undefined ? undefined : logicalVersion(known);
  }

  /** Whether a live session is stored under `key`. */
  async has(key: string): Promise<boolean> {
    const known = await readHead(this.kv, this.keys(key));
    return isLive(known.head, Date.now());
  }
}

/**
 * The write of `value` as it is now, for a write that may happen after an
 * await: a value stored in chunks is serialised now (the chunked write needs
 * its bytes anyway), any other is copied.
 */
function snapshot(
  known: Known | undefined,
  keys: SessionKeys,
  value: unknown,
  expected: Version | undefined,
): Put {
  if (value === undefined) return { keys, value, expected };
  if (known?.head.kind === "chunked") {
    const bytes = serialiseValue(keys.name, value);
    // Back in one entry, the inline commit needs the value itself (a copy
    // from the bytes); in chunks only the bytes are written.
    const small = bytes.byteLength + WRAP_BYTES <= MAX_VALUE_BYTES;
    return {
      keys,
      value: small ? deserialiseValue(keys.name, bytes) : value,
      expected,
      bytes,
    };
  }
  return { keys, value: deepClone(value), expected };
}
