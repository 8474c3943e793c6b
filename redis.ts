/**
 * The Redis session store: {@linkcode RedisStorage} keeps sessions in Redis
 * or Redis Cluster through an `ioredis` client or a connected `redis`
 * (node-redis) client, with compare-and-set done inside Redis, so that
 * several processes can share one database without losing an update. Data
 * written by `@grammyjs/storage-redis` is read in place. See docs/redis.md.
 *
 * @example A store needs a Redis client
 * ```ts
 * import assert from "node:assert/strict";
 * import { RedisStorage } from "./redis.ts";
 *
 * // With ioredis: new RedisStorage(new Redis("redis://localhost:6379"))
 * assert.throws(
 *   () => new RedisStorage("redis://localhost:6379" as never),
 *   /needs an ioredis Redis or Cluster, or a connected node-redis client/,
 * );
 * ```
 *
 * @module
 */
export * from "./src/contract/errors.ts";
export * from "./src/contract/lease_errors.ts";
export * from "./src/stores/redis/redis_storage.ts";
