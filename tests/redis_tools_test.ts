// The session tools on Redis: `--redis URL` (or a Redis URL as `--kv`)
// lists, reads, writes, deletes, exports and imports sessions stored by
// RedisStorage, keeping every type; a password in the URL is never printed.
import { decodeValue } from "../cli.ts";
import { RedisStorage } from "../redis.ts";
import { devCli as cli } from "./_cli.ts";
import { assert, assertEquals, assertStrictEquals } from "./deps.ts";
import { Redis } from "./_redis_clients.ts";
import { startRedis } from "./_redis_server.ts";

Deno.test("session tools on Redis: list, get, set, delete, export, import; the password stays hidden", async () => {
  const password = "s3cret-pw";
  const server = await startRedis({ args: ["--requirepass", password] });
  const client = new Redis(server.port, { host: "127.0.0.1", password });
  const url = `redis://:${password}@127.0.0.1:${server.port}`;
  try {
    const storage = new RedisStorage<unknown>(client);
    const typed = { d: new Date(0), m: new Map([[1, 2n]]), u: undefined };
    await storage.write("42", { count: 1 });
    await storage.write("7", typed);
    await client.hset("not-a-session", "f", "v");

    const list = await cli(["list", "--redis", url]);
    assertStrictEquals(list.code, 0, list.stderr);
    assertEquals(
      list.stdout.trim().split("\n").map((line) => line.split(/\s+/)[0]).sort(),
      ["42", "7"],
    );
    const get = await cli(["get", "7", "--redis", url]);
    assertStrictEquals(get.code, 0, get.stderr);
    assertEquals(decodeValue(JSON.parse(get.stdout)), typed);

    const set = await cli(["set", "42", "--kv", url], '{"count":5}');
    assertStrictEquals(set.code, 0, set.stderr);
    assertStrictEquals(await client.get("42"), '{"count":5}');

    const exported = await cli(["export", "--redis", url]);
    assertStrictEquals(exported.code, 0, exported.stderr);
    assertStrictEquals(exported.stdout.trim().split("\n").length, 2);
    const deleted = await cli(["delete", "7", "--redis", url]);
    assertStrictEquals(deleted.code, 0, deleted.stderr);
    assertStrictEquals(await client.exists("7"), 0);
    const imported = await cli(["import", "--redis", url], exported.stdout);
    assertStrictEquals(imported.code, 0, imported.stderr);
    assertEquals(await storage.read("7"), typed);

    // A message that names the database masks the password.
    const missing = await cli(["get", "nope", "--redis", url]);
    assertStrictEquals(missing.code, 1);
    assert(missing.stderr.includes(":****@127.0.0.1"), missing.stderr);
    const wrong = `redis://:wrong-pw@127.0.0.1:${server.port}`;
    const refused = await cli(["list", "--redis", wrong]);
    assertStrictEquals(refused.code, 1);
    for (const run of [list, get, set, exported, missing, refused]) {
      assert(!(run.stdout + run.stderr).includes(password));
      assert(!(run.stdout + run.stderr).includes("wrong-pw"));
    }
  } finally {
    client.disconnect();
    await server.stop();
  }
});
