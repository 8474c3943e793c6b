// Four bot processes share one Redis (a single server, then a 3-node
// cluster through ioredis Cluster): 300 increments each over 5 chats, 8 in
// flight per process. Without a lease no increment is lost (the stored
// counters add up to the updates that succeeded), at least a quarter is
// counted and the rest is reported as conflicts; with `lease: true` all
// 1,200 are counted. Outcomes, not speeds, are asserted.
import { RedisStorage } from "../redis.ts";
import { assert, assertEquals, assertStrictEquals } from "./deps.ts";
import { runTogether } from "./_helpers.ts";
import { Redis, withRedis, withRedisCluster } from "./_redis_clients.ts";
import type { CounterReport as Report } from "./fixtures/_counter_bot.ts";

const PROCESSES = 4;
const COUNT = 300;
const CHATS = 5;

async function stored(storage: RedisStorage<number>): Promise<number> {
  let total = 0;
  for (let chat = 1000; chat < 1000 + CHATS; chat++) {
    total += (await storage.read(String(chat))) ?? 0;
  }
  return total;
}

async function round(
  target: string,
  storage: RedisStorage<number>,
  mode: "strict" | "lazy",
  lease: boolean,
): Promise<void> {
  const reports = await runTogether<Report>(
    "redis_counter.ts",
    PROCESSES,
    (
      i,
    ) => [
      target,
      mode,
      String(COUNT),
      "8",
      String(i),
      lease ? "1" : "0",
      String(CHATS),
    ],
  );
  const ok = reports.reduce((sum, r) => sum + r.ok, 0);
  const conflicts = reports.reduce((sum, r) => sum + r.conflicts, 0);
  const errors = reports.flatMap((r) => r.errors);
  const label = `${target} ${mode}${
    lease ? " lease" : ""
  }: ok ${ok}, conflicts ${conflicts}`;
  console.log(label);
  assertEquals(errors, [], label);
  assertStrictEquals(ok + conflicts, PROCESSES * COUNT, label);
  assertStrictEquals(await stored(storage), ok, `lost updates: ${label}`);
  if (lease) assertStrictEquals(ok, PROCESSES * COUNT, label);
  else assert(ok >= PROCESSES * COUNT / 4, label);
}

async function clear(client: { flushall(): Promise<unknown> }) {
  await client.flushall();
}

Deno.test("Redis, 4 processes on one server: nothing lost, strict and lazy; all counted with the lease", async () => {
  await withRedis(async (client, server) => {
    const storage = new RedisStorage<number>(client);
    for (const mode of ["strict", "lazy"] as const) {
      for (const lease of [false, true]) {
        await clear(client);
        await round(String(server.port), storage, mode, lease);
      }
    }
  });
});

Deno.test("Redis Cluster, 4 processes: nothing lost, strict and lazy; all counted with the lease", async () => {
  await withRedisCluster(async (client, cluster) => {
    const storage = new RedisStorage<number>(client);
    const target = `cluster:${cluster.nodes.map((n) => n.port).join(",")}`;
    for (const mode of ["strict", "lazy"] as const) {
      for (const lease of [false, true]) {
        for (const node of cluster.nodes) {
          const direct = new Redis(node.port, { host: "127.0.0.1" });
          await clear(direct);
          direct.disconnect();
        }
        await round(target, storage, mode, lease);
      }
    }
  });
});
