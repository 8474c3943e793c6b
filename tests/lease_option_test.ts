// The option `lease` of every store with a lease (Deno KV, Redis,
// PostgreSQL): off by default, on with `true` or `{}`, and a time to live
// that is not a positive, finite number refused at construction with the
// same message. No server is needed: the option is checked first.
import { Redis } from "./_redis_clients.ts";
import pg from "pg";
import { DenoKvStorage } from "../kv.ts";
import { PostgresStorage } from "../postgres.ts";
import { RedisStorage } from "../redis.ts";
import { assert, assertRejects, assertThrows } from "./deps.ts";

const BAD = [0, -1, NaN, Infinity, "10" as unknown as number];

Deno.test("lease option: Deno KV", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    assert(new DenoKvStorage(kv).acquireLease === undefined);
    assert(new DenoKvStorage(kv, { lease: false }).acquireLease === undefined);
    assert(new DenoKvStorage(kv, { lease: true }).acquireLease !== undefined);
    assert(new DenoKvStorage(kv, { lease: {} }).acquireLease !== undefined);
    for (const timeToLive of BAD) {
      assertThrows(
        () => new DenoKvStorage(kv, { lease: { timeToLive } }),
        {
          name: "RangeError",
          message:
            `lease.timeToLive must be a positive number of milliseconds, got ${timeToLive}`,
        },
      );
    }
  } finally {
    kv.close();
  }
});

Deno.test("lease option: Redis", () => {
  const client = new Redis({ lazyConnect: true });
  assert(new RedisStorage(client).acquireLease === undefined);
  assert(new RedisStorage(client, { lease: false }).acquireLease === undefined);
  assert(new RedisStorage(client, { lease: true }).acquireLease !== undefined);
  assert(new RedisStorage(client, { lease: {} }).acquireLease !== undefined);
  for (const timeToLive of BAD) {
    assertThrows(
      () => new RedisStorage(client, { lease: { timeToLive } }),
      {
        name: "RangeError",
        message:
          `lease.timeToLive must be a positive number of milliseconds, got ${timeToLive}`,
      },
    );
  }
  client.disconnect();
});

Deno.test("lease option: PostgreSQL", async () => {
  // Never connected: the option is refused before the first statement.
  const pool = new pg.Pool({ connectionString: "postgres://127.0.0.1:1/none" });
  try {
    for (const timeToLive of BAD) {
      await assertRejects(
        () => PostgresStorage.create(pool, { lease: { timeToLive } }),
        {
          name: "RangeError",
          message:
            `lease.timeToLive must be a positive number of milliseconds, got ${timeToLive}`,
        },
      );
    }
  } finally {
    await pool.end();
  }
});
