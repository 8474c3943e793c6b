// The options of RedisStorage, and their checks.

/** Options of `RedisStorage`. */
export interface RedisStorageOptions {
  /**
   * Prepended to every Redis key: session `key` lives at `prefix + key`.
   * Default `""`, the layout of `@grammyjs/storage-redis` (whose keys are
   * grammY's session keys as they are), so its data is read in place.
   */
  prefix?: string;
  /**
   * Time to live of a session in milliseconds, with Redis's own expiry
   * (`PX`): counted from the session's last write or read by this store.
   * Redis never returns an expired key and deletes it itself. Default:
   * sessions never expire.
   */
  timeToLive?: number;
  /**
   * The largest session the store accepts in a write, in bytes stored in
   * Redis (the UTF-8 JSON text, or the V8 encoding in base64). Larger values
   * are refused with a `SessionValueError` and nothing is written. Sessions
   * stored before the limit was lowered stay readable. Default: 8 MiB.
   */
  maxBytes?: number;
  /**
   * A lease per session key across every process sharing this Redis: updates
   * of one chat run one at a time everywhere, instead of conflicting. `true`
   * for a lease that lasts 10 seconds without renewal (a holder that dies
   * frees its key within that), or `{ timeToLive }` in milliseconds. Costs
   * one script call per update that uses its session (two if it writes
   * nothing). Default: off.
   */
  lease?: boolean | { timeToLive?: number };
}

/** The options with their defaults applied, checked. */
export interface ResolvedRedisOptions {
  prefix: string;
  /** In ms, as a string for the scripts ("0": none). */
  timeToLive: string;
  maxBytes: number;
}

const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;

/** Applies defaults to `options` and throws on invalid ones. */
export function resolveRedisOptions(
  options: RedisStorageOptions,
): ResolvedRedisOptions {
  const { prefix = "", timeToLive, maxBytes = DEFAULT_MAX_BYTES } = options;
  if (typeof prefix !== "string") {
    throw new TypeError(`prefix must be a string, got ${typeof prefix}`);
  }
  if (
    timeToLive !== undefined &&
    !(typeof timeToLive === "number" && timeToLive >= 1 &&
      Number.isFinite(timeToLive))
  ) {
    throw new RangeError(
      `timeToLive must be a number of milliseconds of at least 1, got ${timeToLive}`,
    );
  }
  if (!(typeof maxBytes === "number" && maxBytes > 0)) {
    throw new RangeError(
      `maxBytes must be a positive number of bytes, got ${maxBytes}`,
    );
  }
  return {
    prefix,
    timeToLive: timeToLive === undefined ? "0" : String(Math.ceil(timeToLive)),
    maxBytes,
  };
}
