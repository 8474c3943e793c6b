// The Redis test helpers: a server and a 3-node cluster that answer, and
// that are gone (processes and folders) after stop(); a missing binary is an
// error with the install hint.
import { assert, assertRejects } from "./deps.ts";
import {
  findBinary,
  rawCommand,
  startRedis,
  startRedisCluster,
} from "./_redis_server.ts";

async function alive(pid: number): Promise<boolean> {
  try {
    await Deno.stat(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

Deno.test("redis helpers: a missing redis-server names the install command", async () => {
  await assertRejects(
    () => findBinary("redis-server", "/nonexistent-folder"),
    /apt-get install redis-server/,
  );
});

Deno.test("redis helpers: a server answers and is stopped by its PID", async () => {
  const server = await startRedis();
  try {
    assert((await rawCommand(server.port, "PING")).startsWith("+PONG"));
    assert(await alive(server.pid));
  } finally {
    await server.stop();
  }
  assert(!(await alive(server.pid)), `process ${server.pid} still runs`);
});

Deno.test("redis helpers: a 3-node cluster is ok and stopped", async () => {
  const cluster = await startRedisCluster();
  try {
    for (const node of cluster.nodes) {
      const info = await rawCommand(node.port, "CLUSTER INFO");
      assert(info.includes("cluster_state:ok"), info);
      assert(info.includes("cluster_known_nodes:3"), info);
    }
  } finally {
    await cluster.stop();
  }
  for (const node of cluster.nodes) assert(!(await alive(node.pid)));
});
