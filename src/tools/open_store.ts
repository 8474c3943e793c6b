/**
 * How the CLI and the inspector open the sessions: the one place that turns
 * a `--kv` location into an open store. Each kind of location has an opener
 * in {@linkcode OPENERS}, tried in order; a Deno KV file or KV Connect URL is
 * the last one and takes everything else. A new kind of store (a `redis://`
 * or `postgres://` URL) is one more opener put before it.
 *
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import { DenoKvStorage } from "../stores/kv/deno_kv_storage.ts";
import type { KvKey } from "../stores/kv/kv_like.ts";
import { isRedisUrl, maskPassword, openRedis } from "./open_redis.ts";
import { isPostgresUrl, openPostgres } from "./_postgres_store.ts";
import type { OpenStore, ToolStorage } from "./store_handle.ts";

export type { OpenStore, ToolStorage };

/** Options of {@linkcode openStore}. */
export interface OpenStoreOptions {
  /** A file that does not exist is an error (instead of a new, empty KV). */
  mustExist?: boolean;
  /**
   * The folder a relative path is resolved against (default: the current
   * folder). The CLI passes the folder it was started from.
   */
  base?: string;
}

/** One kind of location the tools can open. */
interface StoreOpener {
  /** Whether this opener handles the location (as the user gave it). */
  accepts: (location: string) => boolean;
  /** Opens it; errors name the location. */
  open: (
    location: string,
    prefix: KvKey,
    options: OpenStoreOptions,
  ) => Promise<OpenStore>;
}

const KV_CONNECT_URL = /^https?:\/\//i;

/** A Deno KV file (made absolute against `base`) or a KV Connect URL. */
const denoKv: StoreOpener = {
  accepts: () => true,
  open: async (location, prefix, options) => {
    const isUrl = KV_CONNECT_URL.test(location);
    const where = isUrl || location === ":memory:"
      ? location
      : absolutePath(location, options.base);
    if (!isUrl && options.mustExist) await mustBeFile(where);
    let kv: Deno.Kv;
    try {
      kv = await Deno.openKv(where);
    } catch (error) {
      throw new Error(
        `Cannot open KV at ${where}: ${(error as Error).message}`,
      );
    }
    return {
      kv,
      storage: new DenoKvStorage<unknown>(kv, { prefix }),
      expiring: (timeToLive) =>
        new DenoKvStorage<unknown>(kv, {
          prefix,
          timeToLive,
          refreshRatio: 1,
        }),
      location: where,
      prefix,
      [Symbol.dispose]: () => kv.close(),
    };
  },
};

/**
 * A Redis URL (`redis://`, `rediss://`): `RedisStorage` through ioredis
 * (`open_redis.ts`). The prefix is one string (`["bot:"]`), none by
 * default; messages show the URL with its password masked.
 */
const redis: StoreOpener = {
  accepts: isRedisUrl,
  open: async (location, prefix) => {
    if (prefix.length > 1 || typeof (prefix[0] ?? "") !== "string") {
      throw new Error(
        `a Redis prefix is one string (--prefix '["bot:"]'), got ${
          JSON.stringify(prefix.map(String))
        }`,
      );
    }
    const opened = await openRedis(location, (prefix[0] as string) ?? "");
    return {
      storage: opened.storage,
      expiring: opened.expiring,
      location: maskPassword(location),
      prefix,
      [Symbol.dispose]: opened.close,
    };
  },
};

/**
 * The openers, tried in order: the first that accepts a location opens it.
 * Add new kinds of stores before `denoKv`, which accepts everything.
 */
const OPENERS: readonly StoreOpener[] = [
  redis,
  { accepts: isPostgresUrl, open: openPostgres },
  denoKv,
];

/**
 * A path made absolute against `base` (default: the current folder), so
 * that every message names the file that was tried.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { absolutePath } from "./open_store.ts";
 *
 * assert.equal(absolutePath("bot.kv", "/home/me/bot"), "/home/me/bot/bot.kv");
 * assert.equal(absolutePath("/srv/bot.kv", "/home/me"), "/srv/bot.kv");
 * ```
 */
export function absolutePath(path: string, base?: string): string {
  if (isAbsolute(path)) return path;
  return resolve(base ?? Deno.cwd(), path);
}

async function mustBeFile(path: string): Promise<void> {
  let stat: Deno.FileInfo;
  try {
    stat = await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(`No KV file at ${path}`);
    }
    throw new Error(`Cannot read ${path}: ${(error as Error).message}`);
  }
  if (!stat.isFile) throw new Error(`${path} is not a KV file`);
}

/**
 * Opens a KV file or KV Connect URL. A relative path is resolved against
 * `options.base` (default: the current folder), and every error names the
 * absolute path it tried. With `mustExist`, a file that does not exist is an
 * error (instead of a new, empty KV).
 *
 * @throws {Error} If the file is missing (with `mustExist`) or KV fails.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openStore } from "./open_store.ts";
 *
 * const path = await Deno.makeTempFile({ suffix: ".kv" });
 * using store = await openStore(path, ["sessions"], { mustExist: true });
 * assert.equal(await store.storage.read("42"), undefined);
 * ```
 */
export function openStore(
  location: string,
  prefix: KvKey,
  options: OpenStoreOptions = {},
): Promise<OpenStore> {
  const opener = OPENERS.find((o) => o.accepts(location)) ?? denoKv;
  return opener.open(location, prefix, options);
}
