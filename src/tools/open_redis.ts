/**
 * How the CLI and the inspector open sessions in Redis: a `redis://` or
 * `rediss://` URL, an ioredis client (loaded when needed: the tools do not
 * depend on it otherwise) and `RedisStorage` over it. The URL's password is
 * never shown: messages use {@linkcode maskPassword}.
 *
 * @module
 */
import { RedisStorage } from "../stores/redis/redis_storage.ts";
import type { RedisClientLike } from "../stores/redis/client.ts";

/** Whether `location` is a Redis URL. */
export function isRedisUrl(location: string): boolean {
  return /^rediss?:\/\//i.test(location);
}

/**
 * `url` with its password replaced by `****` (also in the user part).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { maskPassword } from "./open_redis.ts";
 *
 * assert.equal(
 *   maskPassword("redis://bot:s3cret@db.example:6379/0"),
 *   "redis://bot:****@db.example:6379/0",
 * );
 * assert.equal(maskPassword("redis://:s3cret@db"), "redis://:****@db");
 * ```
 */
export function maskPassword(url: string): string {
  return url.replace(
    /^([a-z][a-z0-9+.-]*:\/\/)([^@/]*)@/i,
    (_, scheme: string, user: string) => {
      const colon = user.indexOf(":");
      return `${scheme}${
        colon === -1 ? "****" : `${user.slice(0, colon)}:****`
      }@`;
    },
  );
}

/** An open ioredis client with the store over it. */
export interface OpenRedis {
  /** The client (closed by `close()`). */
  client: RedisClientLike;
  /** The session store (no time to live: reads never renew). */
  storage: RedisStorage<unknown>;
  /** A store over the same sessions that writes with a time to live. */
  expiring: (timeToLive: number) => RedisStorage<unknown>;
  /** Closes the client. */
  close: () => void;
}

interface IoRedisModule {
  Redis: new (url: string, options: object) => RedisClientLike & {
    connect(): Promise<void>;
    disconnect(): void;
  };
}

/** Loads ioredis: `npm:ioredis` on Deno, the installed package elsewhere. */
async function loadIoRedis(): Promise<IoRedisModule> {
  const specifier = "Deno" in globalThis ? "npm:ioredis@^5" : "ioredis";
  try {
    return await import(specifier) as IoRedisModule;
  } catch (error) {
    throw new Error(
      `the Redis tools need ioredis (npm i ioredis): ${
        (error as Error).message
      }`,
    );
  }
}

/**
 * Connects to the Redis at `url` with ioredis (failing fast if it does not
 * answer) and opens the store with `prefix`.
 */
export async function openRedis(
  url: string,
  prefix: string,
): Promise<OpenRedis> {
  const { Redis } = await loadIoRedis();
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: (times: number) => times > 2 ? null : 100,
  });
  // The reason a connection fails (a wrong password) comes as an event.
  let reason: unknown;
  (client as unknown as { on(e: string, f: (e: unknown) => void): void }).on(
    "error",
    (error) => reason = error,
  );
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    const cause = reason instanceof Error ? reason : error as Error;
    throw new Error(
      `Cannot open Redis at ${maskPassword(url)}: ${
        maskPassword(cause.message)
      }`,
    );
  }
  return {
    client,
    storage: new RedisStorage<unknown>(client, { prefix }),
    expiring: (timeToLive) =>
      new RedisStorage<unknown>(client, { prefix, timeToLive }),
    close: () => client.disconnect(),
  };
}
