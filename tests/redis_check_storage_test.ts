// RedisStorage keeps the store contract: checkStorage against a real
// redis-server and a local 3-node cluster, one prefix per store (so the listing check sees two stores
// in one database), expiry in real time (Redis keeps the time).
import { assert } from "./deps.ts";
import { RedisStorage } from "../redis.ts";
import { checkStorage } from "../testing.ts";
import { withRedis, withRedisCluster } from "./_redis_clients.ts";

/** checkStorage on `client`: a prefix per store, the lease and maxBytes on. */
function checkOn(client: ConstructorParameters<typeof RedisStorage>[0]) {
  let stores = 0;
  return checkStorage(
    (settings) =>
      new RedisStorage(client, {
        prefix: `check:${stores++}:`,
        ...settings,
        lease: true,
      }),
    { maxBytes: 4096, timeToLive: 600 },
  );
}

Deno.test("RedisStorage passes checkStorage (ioredis, a real server)", async () => {
  await withRedis(async (client) => {
    const report = await checkOn(client);
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
    const report = await checkOn(client);
    assert(report.ok, JSON.stringify(report.failures, null, 2));
    assert(report.passed.includes("lease: one holder per key at a time"));
  });
});
