// RedisStorage keeps the store contract: checkStorage against a real
// redis-server and a local 3-node cluster, one prefix per store (so the listing check sees two stores
// in one database), expiry in real time (Redis keeps the time).
import { assert } from "./deps.ts";
import { RedisStorage } from "../redis.ts";
import { checkStorage } from "../testing.ts";
import { withRedis, withRedisCluster } from "./_redis_clients.ts";

Deno.test("RedisStorage passes checkStorage (ioredis, a real server)", async () => {
  await withRedis(async (client) => {
    let stores = 0;
    const report = await checkStorage(
      (settings) =>
        new RedisStorage(client, {
          prefix: `check:${stores++}:`,
          ...settings,
          lease: true,
        }),
      { maxBytes: 4096, timeToLive: 600 },
    );
    assert(report.ok, JSON.stringify(report.failures, null, 2));
    assert(report.passed.includes("lease: one holder per key at a time"));
    assert(
      report.passed.includes(
        "size limit: a value over maxBytes is refused, nothing written",
      ),
    );
  });
});

Deno.test("RedisStorage passes checkStorage on a 3-node cluster (ioredis Cluster)", async () => {
  await withRedisCluster(async (client) => {
    let stores = 0;
    const report = await checkStorage(
      (settings) =>
        new RedisStorage(client, {
          prefix: `check:${stores++}:`,
          ...settings,
          lease: true,
        }),
      { maxBytes: 4096, timeToLive: 600 },
    );
    assert(report.ok, JSON.stringify(report.failures, null, 2));
    assert(report.passed.includes("lease: one holder per key at a time"));
  });
});
