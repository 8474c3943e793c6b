// The options of DenoKvStorage, and their checks.
import type { KvKey } from "./kv_like.ts";
import {
  checkRefreshRatio,
  checkTimeToLive,
} from "../../contract/_option_checks.ts";

/** Options of `DenoKvStorage`. */
export interface DenoKvStorageOptions {
  /**
   * The key prefix under which sessions are stored: session `key` lives at
   * `[...prefix, key]`. Defaults to `["sessions"]`, the layout of
   * `@grammyjs/storage-denokv`, so its data is read in place. The prefixes
   * of stores sharing one KV must not nest (`["a"]` and `["a", "b"]`):
   * their keys would collide. A second store on the same KV handle whose
   * prefix nests with an earlier one's throws a `TypeError`.
   */
  prefix?: KvKey;
  /**
   * Time to live of a session in milliseconds, counted from its last write
   * or refresh. Expired sessions are never returned, and KV deletes them some
   * time after the deadline (`expireIn`). Default: sessions never expire.
   */
  timeToLive?: number;
  /**
   * With `timeToLive`: after which part of it a session that is read is
   * written again with a fresh deadline, so that the sessions of active
   * chats stay alive without a write on every update. From 0 (refresh on
   * every read) to 1 (never refresh on read). Default: 0.5.
   */
  refreshRatio?: number;
  /**
   * The largest session the store accepts in a write, in bytes of V8
   * serialisation. Larger values are refused with a `SessionValueError` and
   * the stored value stays as it was. Sessions stored before the limit was
   * lowered stay readable. Default: 8 MiB.
   */
  maxBytes?: number;
  /**
   * A lease per session key across every process and isolate sharing this
   * KV: updates of one chat run one at a time everywhere, instead of
   * conflicting (see `docs/deploy.md`). `true` for a lease that lasts 10
   * seconds without renewal (a holder that dies frees its key within that),
   * or `{ timeToLive }` in milliseconds. Costs one commit per update that
   * uses its session (two if it writes nothing). Default: off.
   */
  lease?: boolean | { timeToLive?: number };
}

/** The options with their defaults applied, checked. */
export interface ResolvedOptions {
  prefix: KvKey;
  timeToLive: number | undefined;
  /** Age after which a read refreshes the deadline (`undefined`: never). */
  refreshAfter: number | undefined;
  maxBytes: number;
}

const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;

/** Applies defaults to `options` and throws on invalid ones. */
export function resolveOptions(options: DenoKvStorageOptions): ResolvedOptions {
  const {
    prefix = ["sessions"],
    timeToLive,
    maxBytes = DEFAULT_MAX_BYTES,
    refreshRatio = 0.5,
  } = options;
  if (!Array.isArray(prefix)) {
    throw new TypeError("The prefix must be an array of KV key parts");
  }
  checkTimeToLive(timeToLive);
  checkRefreshRatio(refreshRatio);
  if (!(Number.isSafeInteger(maxBytes) && maxBytes > 0)) {
    throw new RangeError(
      `maxBytes must be a positive integer, got ${maxBytes}`,
    );
  }
  return {
    prefix: [...prefix],
    timeToLive,
    refreshAfter: timeToLive === undefined || refreshRatio >= 1
      ? undefined
      : timeToLive * refreshRatio,
    maxBytes,
  };
}
