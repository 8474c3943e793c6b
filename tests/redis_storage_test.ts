// RedisStorage on a real redis-server: clients it takes and refuses, the
// compare-and-set, values of every kind, maxBytes, expiry, failures.
import { Buffer } from "node:buffer";
import { createClient } from "redis";
import { RedisStorage } from "../redis.ts";
import {
  SessionStorageError,
  SessionValueError,
} from "../src/contract/errors.ts";
import {
  assert,
  assertEquals,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "./deps.ts";
import { Redis, withRedis } from "./_redis_clients.ts";
import { type RedisServer, startRedis } from "./_redis_server.ts";

/** The error `run` rejects with, checked to be a `Class`. */
async function rejection<E extends Error>(
  run: () => Promise<unknown>,
  Class: new (...args: never[]) => E,
): Promise<E> {
  try {
    await run();
  } catch (error) {
    assert(error instanceof Class, String(error));
    return error;
  }
  throw new Error("it did not reject");
}

Deno.test("RedisStorage: anything but a Redis client is a TypeError naming it", async () => {
  assertThrows(
    () => new RedisStorage("redis://localhost" as never),
    /needs an ioredis Redis or Cluster.*got string redis:\/\/localhost/,
  );
  assertThrows(() => new RedisStorage({} as never), /got an? Object/);
  assertThrows(() => new RedisStorage(new Map() as never), /got a Map/);
  assertThrows(
    () => new RedisStorage(Promise.resolve() as never),
    /got a Promise: await the client/,
  );
  const unconnected = createClient();
  assertThrows(
    () => new RedisStorage(unconnected as never),
    /connected node-redis client, got one that is not connected/,
  );
  assertThrows(
    () => new RedisStorage(new Redis({ lazyConnect: true }), { maxBytes: 0 }),
    RangeError,
  );
  await Promise.resolve();
});

Deno.test("RedisStorage: compare-and-set refuses a stale version, also after A->B->A", async () => {
  await withRedis(async (client) => {
    const a = new RedisStorage<{ n: number }>(client);
    const b = new RedisStorage<{ n: number }>(client);
    assertEquals(await a.readWithVersion("1"), {
      value: undefined,
      version: null,
    });
    assert((await a.compareAndSet("1", null, { n: 1 })).ok);
    assert(!(await b.compareAndSet("1", null, { n: 9 })).ok);
    const first = await a.readWithVersion("1");
    assertEquals(first.value, { n: 1 });
    // Another store writes B then A again: the old version is stale.
    await b.write("1", { n: 2 });
    await b.write("1", { n: 1 });
    assert(!(await a.compareAndSet("1", first.version, { n: 5 })).ok);
    assertEquals(await a.read("1"), { n: 1 });
    const fresh = await a.readWithVersion("1");
    const won = await a.compareAndSet("1", fresh.version, { n: 3 });
    assert(won.ok);
    assertEquals(await b.readWithVersion("1"), {
      value: { n: 3 },
      version: won.version,
    });
    // A delete through compare-and-set, then "absent" is the version.
    assert((await a.compareAndSet("1", won.version, undefined)).ok);
    assertStrictEquals(await client.exists("1", "{1}~sk:v"), 0);
  });
});

Deno.test("RedisStorage: versions of short and long texts, with and without a time to live, catch a foreign write", async () => {
  await withRedis(async (client) => {
    for (const options of [{}, { timeToLive: 60_000 }]) {
      // 30 and 3,000 characters: kept whole in the version, or hashed.
      for (const size of [30, 3000]) {
        const note = "ü".repeat(size);
        const key = `v${options.timeToLive ?? 0}-${size}`;
        const a = new RedisStorage<{ n: number; note: string }>(
          client,
          options,
        );
        const b = new RedisStorage<{ n: number; note: string }>(
          client,
          options,
        );
        const wrote = await a.compareAndSet(key, null, { n: 1, note });
        assert(wrote.ok);
        // The version a write gives is the version a read sees.
        const read = await b.readWithVersion(key);
        assertEquals(read, { value: { n: 1, note }, version: wrote.version });
        // An older bot (storage-redis: a plain SET of JSON) writes between.
        await client.set(key, JSON.stringify({ n: 2, note }));
        assert(!(await b.compareAndSet(key, read.version, { n: 9, note })).ok);
        assertEquals(JSON.parse((await client.get(key))!).n, 2);
        const fresh = await b.readWithVersion(key);
        assert((await b.compareAndSet(key, fresh.version, { n: 3, note })).ok);
        assertEquals((await a.read(key))?.n, 3);
      }
    }
    // A text that is not valid UTF-8 (written by another program) decodes
    // with U+FFFD; its version is still the one the write script sees.
    await client.set("bad", Buffer.from([0x22, 0xff, 0x22])); // "\xff"
    const storage = new RedisStorage<string>(client);
    const odd = await storage.readWithVersion("bad");
    assertStrictEquals(odd.value, "\uFFFD");
    assert((await storage.compareAndSet("bad", odd.version, "fixed")).ok);
    assertStrictEquals(await client.get("bad"), '"fixed"');
  });
});

Deno.test("RedisStorage: JSON-safe sessions are plain JSON, the rest round-trips", async () => {
  await withRedis(async (client) => {
    const storage = new RedisStorage<unknown>(client);
    await storage.write("plain", { a: [1, "x", null, true], b: { c: 1.5 } });
    assertStrictEquals(
      await client.get("plain"),
      '{"a":[1,"x",null,true],"b":{"c":1.5}}',
    );
    const shared = { s: 1 };
    const cycle: Record<string, unknown> = { name: "cycle" };
    cycle.self = cycle;
    const values: unknown[] = [
      new Date(1234),
      new Map<unknown, unknown>([[1, { a: 1 }], ["k", new Set([1, 2])]]),
      new Set(["a", 1n]),
      2n ** 70n,
      new Uint8Array([1, 2, 3]),
      new Float64Array([0.5, -0]),
      { inner: undefined, n: NaN, z: -0, inf: -Infinity },
      [1, , 3],
      { a: shared, b: shared },
      cycle,
      /re+/gi,
      "just a string",
      42,
    ];
    for (const [i, value] of values.entries()) {
      await storage.write(`v${i}`, value);
      const back = await storage.read(`v${i}`);
      assertEquals(back, value, `value ${i}`);
    }
    const both = await storage.read("v8") as { a: object; b: object };
    assert(both.a === both.b, "a shared reference stays shared");
    const cycled = await storage.read("v9") as Record<string, unknown>;
    assert(cycled.self === cycled);
    assert((await client.get("v0"))!.startsWith("#sessionkit:v8:"));
    assertStrictEquals(await client.get("v11"), '"just a string"');
    await assertRejects(
      () => storage.write("f", { f: () => 1 }),
      SessionValueError,
      "f",
    );
    assertStrictEquals(await client.exists("f"), 0);
  });
});

Deno.test("RedisStorage: over maxBytes is a SessionValueError and nothing is written", async () => {
  await withRedis(async (client) => {
    const storage = new RedisStorage<string>(client, { maxBytes: 1000 });
    await storage.write("k", "small");
    const error = await rejection(
      () => storage.write("k", "é".repeat(500)), // 1,002 bytes
      SessionValueError,
    );
    assert(error.message.includes('"k"') && error.message.includes("1000"));
    assertStrictEquals(await client.get("k"), '"small"');
    await storage.write("k", "e".repeat(998)); // 1000 bytes exactly
    assertStrictEquals((await storage.read("k"))?.length, 998);
  });
});

Deno.test("RedisStorage: a 5 MiB session is stored and read back", async () => {
  await withRedis(async (client) => {
    const storage = new RedisStorage<{ text: string; bytes: Uint8Array }>(
      client,
    );
    const text = "x".repeat(5 * 1024 * 1024);
    assert(
      (await storage.compareAndSet("big", null, {
        text,
        bytes: new Uint8Array(10),
      })).ok,
    );
    const back = await storage.readWithVersion("big");
    assertStrictEquals(back.value?.text.length, text.length);
    assert(
      (await storage.compareAndSet("big", back.version, {
        text: text + "!",
        bytes: new Uint8Array(1),
      })).ok,
    );
    assertStrictEquals(
      (await storage.read("big"))?.text.length,
      text.length + 1,
    );
  });
});

Deno.test("RedisStorage: timeToLive is Redis's own expiry, on the session and its version key", async () => {
  await withRedis(async (client) => {
    const storage = new RedisStorage<number>(client, { timeToLive: 300 });
    await storage.write("t", 1);
    const ttl = await client.pttl("t");
    assert(ttl > 0 && ttl <= 300, `pttl ${ttl}`);
    assert((await client.pttl("{t}~sk:v")) > 0);
    await new Promise((r) => setTimeout(r, 450));
    assertStrictEquals(await storage.read("t"), undefined);
    assertStrictEquals(await client.exists("t", "{t}~sk:v"), 0);
  });
});

Deno.test("RedisStorage: a failing command and a server that is down name the key and the operation", async () => {
  await withRedis(async (client, server) => {
    const storage = new RedisStorage<number>(client);
    await client.hset("h", "field", "1"); // another Redis type
    // A key of another type is not a session: it reads as absent (as listing
    // skips it), and a checked write to it fails naming the key and the
    // operation, leaving it as it was.
    assertEquals(await storage.readWithVersion("h"), {
      value: undefined,
      version: null,
    });
    assertStrictEquals(await storage.has("h"), false);
    for (const expected of [null, "x:y", "x=1"]) {
      const write = await rejection(
        () => storage.compareAndSet("h", expected, 1),
        SessionStorageError,
      );
      assert(write.message.includes('write session "h"'), write.message);
      assert(write.message.includes("WRONGTYPE"), write.message);
    }
    assertEquals(await client.hgetall("h"), { field: "1" });

    // The server goes away: the update fails naming the key, nothing is half
    // written.
    const offline = new Redis(server.port, {
      host: "127.0.0.1",
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    offline.on("error", () => {});
    await offline.ping();
    const cut = new RedisStorage<number>(offline);
    await server.stop();
    const down = await rejection(
      () => cut.compareAndSet("7", null, 1),
      SessionStorageError,
    );
    assert(down.message.includes('write session "7"'), down.message);
    assertStrictEquals(down.operation, "write");
    offline.disconnect();
  });
});

Deno.test("RedisStorage: a client that reconnects to a restarted server keeps working", async () => {
  const first = await startRedis();
  const client = new Redis(first.port, { host: "127.0.0.1" });
  client.on("error", () => {});
  let second: RedisServer | undefined;
  try {
    const storage = new RedisStorage<number>(client);
    await storage.write("1", 1);
    await first.stop();
    second = await startRedis({ port: first.port });
    // A new server: no data, no cached scripts (EVALSHA falls back to EVAL).
    const read = await storage.readWithVersion("1");
    assertStrictEquals(read.value, undefined);
    assert((await storage.compareAndSet("1", read.version, 2)).ok);
    assertStrictEquals(await storage.read("1"), 2);
  } finally {
    client.disconnect();
    await second?.stop();
    await first.stop();
  }
});

Deno.test("RedisStorage: a node-redis client works the same", async () => {
  await withRedis(async (_, server) => {
    const client = await createClient({ url: server.url }).connect();
    try {
      const storage = new RedisStorage<{ d: Date }>(client as never, {
        prefix: "bot:",
      });
      assert((await storage.compareAndSet("1", null, { d: new Date(5) })).ok);
      const read = await storage.readWithVersion("1");
      assertEquals(read.value, { d: new Date(5) });
      assert(!(await storage.compareAndSet("1", null, { d: new Date(6) })).ok);
      assertEquals(await Array.fromAsync(storage.readAllKeys()), ["1"]);
    } finally {
      await client.quit();
    }
  });
});
