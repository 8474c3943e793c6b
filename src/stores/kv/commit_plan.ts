// What one atomic commit may hold (SPEC section 7), and a builder that never
// plans a commit KV would refuse for its size.
import type { KvAtomicLike, KvKey, KvLike } from "./kv_like.ts";

/** Limits of one atomic commit, with a small margin. */
const MAX_CHECKS = 100;
const MAX_MUTATIONS = 1000;
const MAX_TOTAL_BYTES = 819_200 - 256;
const MAX_SET_KEY_BYTES = 81_920 - 256;

/**
 * Room kept free in a commit that carries extra operations (see
 * `CommitExtras`): at most this many checks, mutations and bytes.
 */
export const EXTRA_ROOM = { checks: 8, mutations: 8, bytes: 16_384 } as const;

/** Operations added to a final commit by a caller (the lease, issue 11). */
export type CommitExtras = (op: KvAtomicLike) => void;

type Mutation =
  | { set: true; key: KvKey; value: unknown; expireIn: number | undefined }
  | { set: false; key: KvKey };

/**
 * One atomic commit being planned. Each method returns `false` (and adds
 * nothing) if the operation would make the commit larger than KV accepts.
 * Keys count twice (KV does so for sets; for checks and deletes it is a safe
 * overestimate). A plan can be built more than once: that is a retry.
 */
export class CommitPlan {
  readonly #checks: { key: KvKey; versionstamp: string | null }[] = [];
  readonly #mutations: Mutation[] = [];
  readonly #extras: CommitExtras[] = [];
  #maxChecks = MAX_CHECKS;
  #maxMutations = MAX_MUTATIONS;
  #maxBytes = MAX_TOTAL_BYTES;
  #bytes = 0;
  #setKeyBytes = 0;

  /** Keeps room for operations added later (or by `extras`). */
  reserve(checks: number, mutations: number, bytes: number): void {
    this.#maxChecks -= checks;
    this.#maxMutations -= mutations;
    this.#maxBytes -= bytes;
  }

  /** Gives back room kept by {@linkcode CommitPlan.reserve}. */
  release(checks: number, mutations: number, bytes: number): void {
    this.reserve(-checks, -mutations, -bytes);
  }

  /** Adds operations applied when the commit is built, in their own room. */
  extend(extras: CommitExtras | undefined): void {
    if (extras === undefined) return;
    this.#extras.push(extras);
    this.reserve(EXTRA_ROOM.checks, EXTRA_ROOM.mutations, EXTRA_ROOM.bytes);
  }

  /** Adds a versionstamp check. */
  check(key: KvKey, versionstamp: string | null, keyBytes: number): boolean {
    if (
      this.#checks.length >= this.#maxChecks ||
      this.#bytes + 2 * keyBytes > this.#maxBytes
    ) return false;
    this.#checks.push({ key, versionstamp });
    this.#bytes += 2 * keyBytes;
    return true;
  }

  /** Adds a set of a value that serialises to at most `valueBytes`. */
  set(
    key: KvKey,
    value: unknown,
    keyBytes: number,
    valueBytes: number,
    expireIn?: number,
  ): boolean {
    if (
      this.#mutations.length >= this.#maxMutations ||
      this.#bytes + 2 * keyBytes + valueBytes > this.#maxBytes ||
      this.#setKeyBytes + keyBytes > MAX_SET_KEY_BYTES
    ) return false;
    this.#mutations.push({ set: true, key, value, expireIn });
    this.#bytes += 2 * keyBytes + valueBytes;
    this.#setKeyBytes += keyBytes;
    return true;
  }

  /** Adds a delete. */
  delete(key: KvKey, keyBytes: number): boolean {
    return this.deletes(1, keyBytes) === 1 &&
      (this.#addDelete(key, keyBytes), true);
  }

  /** How many of `count` deletes of keys of `keyBytes` still fit. */
  deletes(count: number, keyBytes: number): number {
    const byMutations = this.#maxMutations - this.#mutations.length;
    const byBytes = Math.floor((this.#maxBytes - this.#bytes) / (2 * keyBytes));
    return Math.max(0, Math.min(count, byMutations, byBytes));
  }

  /** Adds deletes of `keys` that `deletes` said fit. */
  deleteAll(keys: readonly KvKey[], keyBytes: number): void {
    for (const key of keys) this.#addDelete(key, keyBytes);
  }

  #addDelete(key: KvKey, keyBytes: number): void {
    this.#mutations.push({ set: false, key });
    this.#bytes += 2 * keyBytes;
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
    for (const extras of this.#extras) extras(atomic);
    return atomic;
  }
}
