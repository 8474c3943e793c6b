// RedisStorage on a local 3-node Redis Cluster: scripts touch one hash slot
// (also for keys with a hash tag), listing visits every primary, and a
// node-redis cluster works as ioredis's Cluster does.
import { createCluster } from "redis";
import { RedisStorage } from "../redis.ts";
import { assert, assertEquals, assertStrictEquals } from "./deps.ts";
import { Redis, withRedisCluster } from "./_redis_clients.ts";

Deno.test("Redis Cluster (ioredis): compare-and-set and listing across every primary", async () => {
  await withRedisCluster(async (client, cluster) => {
    const storage = new RedisStorage<{ i: number; d?: Date }>(client, {
      prefix: "s:",
    });
    for (let i = 0; i < 60; i++) {
      assert((await storage.compareAndSet(String(i), null, { i })).ok);
    }
    // The sessions are spread over the three primaries.
    const perNode = await Promise.all(cluster.nodes.map(async (node) => {
      const direct = new Redis(node.port, { host: "127.0.0.1" });
      try {
        return await direct.dbsize();
      } finally {
        direct.disconnect();
      }
    }));
    assert(perNode.every((n) => n > 0), `keys per node: ${perNode}`);
    const keys = await Array.fromAsync(storage.readAllKeys());
    assertStrictEquals(keys.length, 60);
    assertEquals(
      new Set(keys),
      new Set(Array.from({ length: 60 }, (_, i) => String(i))),
    );
    const read = await storage.readWithVersion("7");
    assert(!(await storage.compareAndSet("7", null, { i: 0 })).ok);
    assert(
      (await storage.compareAndSet("7", read.version, { i: 8, d: new Date(1) }))
        .ok,
    );
    assertEquals(await storage.read("7"), { i: 8, d: new Date(1) });
    // A key with its own hash tag keeps its companions in its slot.
    const tagged = new RedisStorage<number>(client, { prefix: "{bot}:" });
    assert((await tagged.compareAndSet("1", null, 1)).ok);
    assertStrictEquals(await client.get("{bot}:1~sk:v") !== null, true);
  });
});

Deno.test("Redis Cluster (node-redis): the same through createCluster", async () => {
  await withRedisCluster(async (_, cluster) => {
    const client = await createCluster({
      rootNodes: cluster.nodes.map((node) => ({ url: node.url })),
    }).connect();
    try {
      const storage = new RedisStorage<number>(client as never);
      for (let i = 0; i < 30; i++) await storage.write(`k${i}`, i);
      const read = await storage.readWithVersion("k3");
      assertStrictEquals(read.value, 3);
      assert((await storage.compareAndSet("k3", read.version, 4)).ok);
      assert(!(await storage.compareAndSet("k3", read.version, 5)).ok);
      const entries = await Array.fromAsync(storage.readAllEntries());
      assertStrictEquals(entries.length, 30);
    } finally {
      await client.quit();
    }
  });
});
