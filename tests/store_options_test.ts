// The options `timeToLive` and `refreshRatio` of the stores, refused with
// the same message where the rule is the same (Deno KV, PostgreSQL, and
// `refreshRatio` of enhanceStorage), checked before the first use of the
// client. The stores whose rule differs keep their own message: Redis
// wants at least 1 ms (it stores whole milliseconds), the memory store also
// takes Infinity (never expire), enhanceStorage names its own option.
import pg from "pg";
import { type Enhance, enhanceStorage, MemorySessionStorage } from "../mod.ts";
import { DenoKvStorage } from "../kv.ts";
import { PostgresStorage } from "../postgres.ts";
import { RedisStorage } from "../redis.ts";
import { Redis } from "./_redis_clients.ts";
import { assertRejects, assertThrows } from "./deps.ts";

const BAD_TTL = [0, -1, NaN, Infinity, "10" as unknown as number];
const BAD_RATIO = [-0.1, 1.5, NaN, "0.5" as unknown as number];
const ttlError = (v: unknown) => ({
  name: "RangeError",
  message: `timeToLive must be a positive number of milliseconds, got ${v}`,
});
const ratioError = (v: unknown) => ({
  name: "RangeError",
  message: `refreshRatio must be a number from 0 to 1, got ${v}`,
});

Deno.test("store options: Deno KV", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    for (const timeToLive of BAD_TTL) {
      assertThrows(
        () => new DenoKvStorage(kv, { timeToLive }),
        ttlError(timeToLive),
      );
    }
    for (const refreshRatio of BAD_RATIO) {
      assertThrows(
        () => new DenoKvStorage(kv, { timeToLive: 1000, refreshRatio }),
        ratioError(refreshRatio),
      );
    }
    new DenoKvStorage(kv, { timeToLive: 0.5, refreshRatio: 0 });
    new DenoKvStorage(kv, { timeToLive: 1000, refreshRatio: 1 });
  } finally {
    kv.close();
  }
});

Deno.test("store options: PostgreSQL", async () => {
  // Never connected: the options are refused before the first statement.
  const pool = new pg.Pool({ connectionString: "postgres://127.0.0.1:1/none" });
  try {
    for (const timeToLive of BAD_TTL) {
      await assertRejects(
        () => PostgresStorage.create(pool, { timeToLive }),
        ttlError(timeToLive),
      );
    }
    for (const refreshRatio of BAD_RATIO) {
      await assertRejects(
        () => PostgresStorage.create(pool, { timeToLive: 1000, refreshRatio }),
        ratioError(refreshRatio),
      );
    }
  } finally {
    await pool.end();
  }
});

Deno.test("store options: enhanceStorage's refreshRatio", () => {
  const storage = new MemorySessionStorage<Enhance<number>>();
  for (const refreshRatio of BAD_RATIO) {
    assertThrows(
      () => enhanceStorage({ storage, millisecondsToLive: 1000, refreshRatio }),
      ratioError(refreshRatio),
    );
  }
});

Deno.test("store options: the rules that differ", () => {
  const client = new Redis({ lazyConnect: true });
  for (const timeToLive of [0.5, 0, Infinity]) {
    assertThrows(() => new RedisStorage(client, { timeToLive }), {
      name: "RangeError",
      message:
        `timeToLive must be a number of milliseconds of at least 1, got ${timeToLive}`,
    });
  }
  client.disconnect();
  new MemorySessionStorage({ timeToLive: Infinity });
  assertThrows(() => new MemorySessionStorage({ timeToLive: 0 }), ttlError(0));
});
