// The public Redis session store: its API and documentation. The layout is
// in `keys.ts`, the encoding in `codec.ts`, the compare-and-set and lease
// scripts in `scripts.ts`, the lease in `lease.ts`, listing in `listing.ts`.
import { SessionError, SessionStorageError } from "../../contract/errors.ts";
import type { StorageOperation } from "../../contract/errors.ts";
import type {
  AcquireLeaseOptions,
  CompareAndSetResult,
  SessionLease,
  StorageAdapter,
  Version,
  VersionedValue,
  WriteOptions,
} from "../../contract/storage_adapter.ts";
import { KNOWN_VERSION } from "../../contract/_known_version.ts";
import { BoundedMap } from "../../contract/_bounded_map.ts";
import { REWRITE } from "../../contract/_rewrite.ts";
import {
  DEFAULT_MAX_HOLD,
  leaseTimeToLive,
} from "../../contract/_lease_option.ts";
import { type RedisCommands, redisCommands } from "./client.ts";
import type { RedisClientLike } from "./client.ts";
import { decodeSession } from "./codec.ts";
import { type SessionKeys, sessionKeys } from "./keys.ts";
import { acquireRedisLease } from "./lease.ts";
import { putSession } from "./put.ts";
import { listSessions } from "./listing.ts";
import {
  type RedisStorageOptions,
  type ResolvedRedisOptions,
  resolveRedisOptions,
} from "./options.ts";
import { readStored } from "./read.ts";

export type {
  IoRedisLike,
  NodeRedisClientLike,
  NodeRedisClusterLike,
  RedisClientLike,
} from "./client.ts";
export type { RedisStorageOptions } from "./options.ts";
export { RedisLease } from "./lease.ts";

/** How many keys' last known versions a store remembers. */
const KNOWN_LIMIT = 10_000;

/**
 * Stores sessions in Redis or Redis Cluster, through an `ioredis` client or
 * a connected `redis` (node-redis) client; see docs/redis.md.
 *
 * - A session that JSON keeps exactly is stored as plain JSON text at
 *   `prefix + key`, as `@grammyjs/storage-redis` stores it: its data is read
 *   in place, and what this store writes stays readable by it. Other values
 *   (Date, Map, Set, bigint, typed arrays, `undefined` inside objects, ...)
 *   are stored as `#sessionkit:v8:` and the base64 of their V8
 *   serialisation.
 * - Every write is a compare-and-set that a Lua script does inside Redis,
 *   against a version made of a token in a companion key in the same hash
 *   slot and the stored text (its SHA-1 when long): a write by another
 *   process (an old bot with storage-redis too) between this update's read
 *   and its write makes the update fail with `SessionConflictError`.
 * - One `MGET` per read (a script call with `timeToLive`), one script call
 *   per write; `timeToLive` is Redis's own expiry, renewed by every read and
 *   write.
 *
 * @example A store on an ioredis client
 * ```ts
 * import { Redis } from "ioredis";
 * import { RedisStorage } from "../../../redis.ts";
 *
 * // Connects when the first session is read (here: never).
 * const client = new Redis("redis://127.0.0.1:6379", { lazyConnect: true });
 * const storage = new RedisStorage<{ count: number }>(client, {
 *   prefix: "session:", // default "": storage-redis's layout
 *   timeToLive: 30 * 24 * 60 * 60 * 1000, // 30 days, Redis's own expiry
 *   lease: true, // updates of one chat run one at a time everywhere
 * });
 * console.assert(typeof storage.acquireLease === "function");
 * client.disconnect();
 * ```
 *
 * @typeParam S The type of the session data.
 */
export class RedisStorage<S> implements StorageAdapter<S> {
  readonly #redis: RedisCommands;
  readonly #options: ResolvedRedisOptions;
  readonly #known = new BoundedMap<string, Version>(KNOWN_LIMIT);

  /**
   * With the option `lease`: takes the lease of a session key across all
   * processes sharing this Redis, waiting while another update holds it.
   * The session middleware calls it; the lease is released by the script
   * that writes the session, or by `release()` when nothing is written.
   */
  readonly acquireLease?: (
    key: string,
    options?: AcquireLeaseOptions,
  ) => Promise<SessionLease>;

  /**
   * Used by `enhanceStorage()`: this store takes the write option that marks
   * stored data put back (a refreshed deadline, a migration on read), which
   * `maxBytes` does not limit.
   */
  readonly [REWRITE] = true;

  /**
   * Creates a store over a client (which it does not close).
   *
   * @param client An ioredis `Redis` or `Cluster`, or a connected node-redis
   * client or cluster. Anything else (also a promise, or a node-redis client
   * not connected yet) throws a `TypeError` that names what it got.
   * @param options The key prefix, time to live, size limit and lease.
   */
  constructor(client: RedisClientLike, options: RedisStorageOptions = {}) {
    this.#redis = redisCommands(client);
    this.#options = resolveRedisOptions(options);
    const leaseTtl = leaseTimeToLive(options.lease);
    if (leaseTtl !== undefined) {
      this.acquireLease = async (key, acquire = {}) => {
        try {
          return await acquireRedisLease(
            this.#redis.send,
            this.#keys(key),
            leaseTtl,
            acquire.maxHold ?? DEFAULT_MAX_HOLD,
          );
        } catch (error) {
          throw this.#failure(key, "read", error);
        }
      };
    }
  }

  #keys(key: string): SessionKeys {
    return sessionKeys(this.#options.prefix, key);
  }

  #failure(key: string, operation: StorageOperation, error: unknown) {
    return error instanceof SessionError
      ? error
      : new SessionStorageError(key, operation, error);
  }

  /**
   * Reads a session; `undefined` if there is none (or it expired).
   */
  async read(key: string): Promise<S | undefined> {
    return (await this.readWithVersion(key)).value;
  }

  /**
   * Reads a session with its version, for a later
   * {@linkcode RedisStorage.compareAndSet}: one `MGET` of the session and its
   * version token (a script call with `timeToLive`). A key of another Redis
   * type reads as absent.
   *
   * @throws {SessionStorageError} if Redis fails (naming the key and the
   * operation), or {@linkcode SessionValueError} for a value that is not a
   * session (neither JSON nor this module's encoding).
   */
  async readWithVersion(key: string): Promise<VersionedValue<S>> {
    let stored;
    try {
      stored = await readStored(
        this.#redis.send,
        this.#keys(key),
        this.#options.timeToLive,
      );
    } catch (error) {
      throw this.#failure(key, "read", error);
    }
    if (stored === undefined) {
      this.#known.set(key, null);
      return { value: undefined, version: null };
    }
    const { text, version } = stored;
    const value = decodeSession(key, text) as S;
    this.#known.set(key, version);
    return { value, version };
  }

  /**
   * Stores a session, replacing what was there.
   *
   * @throws {SessionValueError} if the value holds a function, a symbol or
   * a class instance, or is larger than `maxBytes`. Nothing was written.
   */
  async write(key: string, value: S, options?: WriteOptions): Promise<void> {
    await this.#put(key, "*", value, options);
  }

  /** Deletes a session (and its version key). */
  async delete(key: string, options?: WriteOptions): Promise<void> {
    await this.#put(key, "*", undefined, options);
  }

  /**
   * Writes (or, with `value` `undefined`, deletes) a session only if its
   * version is still `expected`, the version that
   * {@linkcode RedisStorage.readWithVersion} returned (`null`: still
   * absent). One script call.
   */
  compareAndSet(
    key: string,
    expected: Version,
    value: S | undefined,
    options?: WriteOptions,
  ): Promise<CompareAndSetResult> {
    return this.#put(key, expected ?? "", value, options);
  }

  async #put(
    key: string,
    expected: string,
    value: S | undefined,
    options: WriteOptions | undefined,
  ): Promise<CompareAndSetResult> {
    try {
      const outcome = await putSession(
        this.#redis.send,
        this.#keys(key),
        { key, expected, value, options },
        this.#options,
      );
      if (outcome.ok) this.#known.set(key, outcome.version);
      else this.#known.delete(key);
      return outcome;
    } catch (error) {
      throw this.#failure(key, value === undefined ? "delete" : "write", error);
    }
  }

  /** Tells whether a session is stored under `key`. */
  async has(key: string): Promise<boolean> {
    try {
      // A key of another Redis type is not a session (it reads as absent).
      return await this.#redis.send(["TYPE", this.#keys(key).value], key) ===
        "string";
    } catch (error) {
      throw this.#failure(key, "read", error);
    }
  }

  /**
   * Lists the keys of all sessions under the prefix (SCAN on every primary;
   * see {@linkcode RedisStorage.readAllEntries}).
   */
  async *readAllKeys(): AsyncGenerator<string, void, undefined> {
    for await (const [key] of this.readAllEntries()) yield key;
  }

  /** Lists the values of all sessions under the prefix. */
  async *readAllValues(): AsyncGenerator<S, void, undefined> {
    for await (const [, value] of this.readAllEntries()) yield value;
  }

  /**
   * Lists all sessions as `[key, value]` pairs: SCAN (never KEYS) on every
   * primary, a page of keys at a time, skipping this store's companion keys,
   * keys of other Redis types and values that are not sessions.
   */
  async *readAllEntries(): AsyncGenerator<[key: string, value: S], void> {
    const prefix = this.#options.prefix;
    let primaries;
    try {
      primaries = await this.#redis.primaries();
    } catch (error) {
      throw this.#failure(prefix + "*", "read", error);
    }
    try {
      yield* listSessions(
        primaries,
        this.#redis.send,
        prefix,
      ) as AsyncGenerator<[string, S]>;
    } catch (error) {
      throw this.#failure(prefix + "*", "read", error);
    }
  }

  /**
   * Used by the session middleware: the version of a session as this store
   * last saw it, after its own reads and writes (`undefined` if it does not
   * remember it).
   *
   * @param key The session key.
   * @returns The version, `null` if nothing was stored, or `undefined`.
   */
  [KNOWN_VERSION](key: string): Version | undefined {
    return this.#known.get(key);
  }
}
