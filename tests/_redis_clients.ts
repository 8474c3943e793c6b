// Clients for the Redis tests: ioredis (also Cluster) and node-redis over the
// servers of `_redis_server.ts`, opened and closed around a test body.
import { Cluster, Redis } from "ioredis";
import {
  type RedisCluster,
  type RedisServer,
  startRedis,
  startRedisCluster,
} from "./_redis_server.ts";

export { Cluster, Redis };

/** Runs `body` with a fresh server and an ioredis client on it. */
export async function withRedis(
  body: (client: Redis, server: RedisServer) => Promise<void>,
): Promise<void> {
  const server = await startRedis();
  const client = new Redis(server.port, { host: "127.0.0.1" });
  try {
    await body(client, server);
  } finally {
    client.disconnect();
    await server.stop();
  }
}

/** Runs `body` with a fresh 3-node cluster and an ioredis `Cluster`. */
export async function withRedisCluster(
  body: (client: Cluster, cluster: RedisCluster) => Promise<void>,
): Promise<void> {
  const cluster = await startRedisCluster();
  const client = new Cluster(cluster.startupNodes);
  try {
    await body(client, cluster);
  } finally {
    client.disconnect();
    await cluster.stop();
  }
}
