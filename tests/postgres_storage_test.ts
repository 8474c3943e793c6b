// PostgresStorage on a real PostgreSQL server (started by the test): the
// clients it takes, compare-and-set, values, limits, expiry, listing and
// errors.
import type { Context } from "grammy";
import pg from "pg";
import postgres from "postgres";
import {
  lazySession,
  session,
  type SessionFlavor,
  SessionStorageError,
  SessionValueError,
} from "../mod.ts";
import { type PostgresClient, PostgresStorage } from "../postgres.ts";
import {
  assert,
  assertEquals,
  assertRejects,
  assertStrictEquals,
  fakeTime,
} from "./deps.ts";
import { createBot, message } from "./_helpers.ts";
import {
  PG_INSTALL_HINT,
  type PostgresServer,
  startPostgres,
} from "./_postgres_server.ts";

/** A pg Pool whose idle connections may be ended by the server. */
function newPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url });
  pool.on("error", () => {});
  return pool;
}

/** Shared references and a cycle through a Map, a Set and an error. */
function cyclic(): unknown {
  const shared = { n: 1 };
  const root: Record<string, unknown> = { a: shared, b: [shared] };
  const error = new Error("e", { cause: root });
  root.map = new Map<unknown, unknown>([[shared, root], ["e", error]]);
  root.set = new Set([root, shared]);
  return root;
}

function alive(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
}

Deno.test("the PostgreSQL test helpers", async (t) => {
  await t.step("a missing server fails with the install hint", async () => {
    const error = await startPostgres("/nonexistent/bin").catch((e) => e);
    assert(error instanceof Error);
    assert(error.message.includes("apt-get install postgresql"));
    assert(PG_INSTALL_HINT.includes("apt-get install postgresql"));
  });
  await t.step("stop() ends exactly the server it started", async () => {
    const server = await startPostgres();
    assert(alive(server.pid));
    await server.stop();
    assert(!alive(server.pid));
  });
});

/** Runs `body` with a pg Pool, a pg Client and a postgres.js sql in turn. */
async function eachClient(
  server: PostgresServer,
  body: (client: PostgresClient, table: string) => Promise<void>,
): Promise<void> {
  const pool = newPool(server.url);
  const client = new pg.Client({ connectionString: server.url });
  client.on("error", () => {});
  await client.connect();
  const sql = postgres(server.url, { onnotice: () => {} });
  try {
    await body(pool, "pool_sessions");
    await body(client, "client_sessions");
    await body(sql as unknown as PostgresClient, "js_sessions");
  } finally {
    await pool.end();
    await client.end();
    await sql.end();
  }
}

Deno.test("PostgresStorage", async (t) => {
  await using server = await startPostgres();
  const pool = newPool(server.url);
  try {
    await t.step("create() refuses what is not a client", async () => {
      for (
        const [value, named] of [
          [42, "a number"],
          [undefined, "undefined"],
          [null, "null"],
          [{}, "an object without query()"],
          [new Map(), "a Map"],
          [Promise.resolve(pool), "a Promise"],
        ] as const
      ) {
        const error = await PostgresStorage.create(value as never).catch((
          e,
        ) => e);
        assert(error instanceof TypeError, String(error));
        assert(error.message.includes(named), error.message);
      }
    });

    await t.step(
      "compare-and-set with pg Pool, Client and postgres.js",
      () =>
        eachClient(server, async (client, table) => {
          const storage = await PostgresStorage.create<{ n: number }>(client, {
            table,
          });
          assertEquals(await storage.readWithVersion("1"), {
            value: undefined,
            version: null,
          });
          const first = await storage.compareAndSet("1", null, { n: 1 });
          assert(first.ok);
          assertEquals(await storage.compareAndSet("1", null, { n: 9 }), {
            ok: false,
          });
          const read = await storage.readWithVersion("1");
          assertEquals(read, { value: { n: 1 }, version: first.version });
          const second = await storage.compareAndSet("1", read.version, {
            n: 2,
          });
          assert(second.ok && second.version !== first.version);
          // The version read before is stale now.
          assertEquals(
            await storage.compareAndSet("1", read.version, { n: 3 }),
            {
              ok: false,
            },
          );
          assertEquals(
            await storage.compareAndSet("1", read.version, undefined),
            {
              ok: false,
            },
          );
          assertEquals(await storage.read("1"), { n: 2 });
          assert(
            (await storage.compareAndSet("1", second.version, undefined)).ok,
          );
          assertEquals(await storage.has("1"), false);
          // Created again: nothing left to change.
          const again = await PostgresStorage.create(client, { table });
          assertEquals(again.schemaChanges, []);
        }),
    );

    await t.step(
      "prepare: false sends unnamed statements",
      () =>
        eachClient(server, async (client, table) => {
          const storage = await PostgresStorage.create<number>(client, {
            table: `${table}_unprepared`,
            prepare: false,
          });
          assert((await storage.compareAndSet("a", null, 1)).ok);
          assertEquals(await storage.read("a"), 1);
        }),
    );

    const storage = await PostgresStorage.create<unknown>(pool);
    const stored = async (key: string) =>
      (await pool.query("SELECT value FROM sessions WHERE key = $1", [key]))
        .rows[0]?.value;

    await t.step("a JSON-safe session is plain JSON in `value`", async () => {
      await storage.write("plain", { count: 1, note: "hi", tags: ["a"] });
      assertEquals(
        await stored("plain"),
        '{"count":1,"note":"hi","tags":["a"]}',
      );
    });

    await t.step("every type the memory store keeps round-trips", async () => {
      const sparse: unknown[] = [1];
      sparse[3] = 4;
      const values: unknown[] = [
        new Date(0),
        new Date(NaN),
        new Map<unknown, unknown>([[1n, new Set([undefined])], ["k", -0]]),
        { a: undefined, b: NaN, c: Infinity, d: -Infinity },
        [undefined, null],
        sparse,
        new Uint8Array([1, 2, 3]),
        new Float64Array([0.5]),
        new Uint8Array([9, 8]).buffer,
        new DataView(new Uint8Array([7]).buffer),
        /x+/gi,
        Object(1),
        Object("s"),
        new RangeError("bad", { cause: 42 }),
        12345678901234567890n,
        { $date: "not a tag" },
        cyclic(),
        Object.assign(JSON.parse('{"__proto__":{"x":1}}'), { at: new Date(0) }),
        { $sessionkit: 1, value: { $date: 0 } },
        "text",
        0,
      ];
      for (const [i, value] of values.entries()) {
        await storage.write(`t${i}`, value);
        const back = await storage.read(`t${i}`);
        if (value instanceof Error) {
          assert(back instanceof RangeError);
          assertEquals([back.message, back.cause], ["bad", 42]);
        } else assertEquals(back, value, `value ${i}`);
      }
      assertEquals(await stored(`t${values.indexOf("text")}`), '"text"');
    });

    await t.step(
      "an old row shaped like a tag is read as plain data",
      async () => {
        await pool.query(
          "INSERT INTO sessions (key, value) VALUES ('old', $1)",
          ['{"at":{"$date":"2020-01-01T00:00:00.000Z"},"$map":[]}'],
        );
        assertEquals(await storage.read("old"), {
          at: { $date: "2020-01-01T00:00:00.000Z" },
          $map: [],
        });
      },
    );

    await t.step(
      "a value it cannot keep is refused, nothing written",
      async () => {
        await storage.write("keep", { n: 1 });
        for (const bad of [{ f: () => 1 }, { u: new URL("http://x") }]) {
          const error = await storage.write("keep", bad).catch((e) => e);
          assert(error instanceof SessionValueError, String(error));
          assert(error.message.includes('"keep"'));
        }
        assertEquals(await storage.read("keep"), { n: 1 });
      },
    );

    await t.step(
      "maxBytes counts the UTF-8 text; over it nothing is written",
      async () => {
        const small = await PostgresStorage.create<string>(pool, {
          maxBytes: 10,
        });
        await small.write("m", "ab"); // '"ab"': 4 bytes
        await small.write("m", "éééé"); // 10 bytes
        const error = await small.write("m", "ééééé").catch((e) => e);
        assert(error instanceof SessionValueError);
        assert(error.message.includes("maxBytes (10)"), error.message);
        const version = (await small.readWithVersion("m")).version;
        await assertRejects(
          () =>
            Promise.resolve(small.compareAndSet("m", version, "x".repeat(11))),
          SessionValueError,
        );
        assertEquals(await small.read("m"), "éééé");
      },
    );

    await t.step("a 5 MiB session is stored and read back", async () => {
      const big = {
        items: Array.from(
          { length: 5 * 1024 },
          (_, i) => `${i}`.padEnd(1024, "x"),
        ),
      };
      const { version } = await storage.readWithVersion("big");
      assert((await storage.compareAndSet("big", version, big)).ok);
      assertEquals(await storage.read("big"), big);
    });

    await t.step("listing pages by key, exactly once each", async () => {
      const lister = await PostgresStorage.create<number>(pool, {
        table: "listed",
      });
      const keys = Array.from({ length: 1234 }, (_, i) => `k${i}`).sort();
      await pool.query(
        `INSERT INTO listed (key, value) SELECT 'k' || i, i::text FROM generate_series(0, 1233) i`,
      );
      assertEquals(await Array.fromAsync(lister.readAllKeys()), keys);
      const entries = await Array.fromAsync(lister.readAllEntries());
      assertEquals(entries.length, 1234);
      assertEquals(entries[0], ["k0", 0]);
      assertEquals(
        (await Array.fromAsync(lister.readAllValues())).length,
        1234,
      );
    });

    await t.step(
      "a failing statement names the key and the operation",
      async () => {
        const doomed = await PostgresStorage.create<number>(pool, {
          table: "doomed",
        });
        await doomed.write("5", 5);
        await pool.query("DROP TABLE doomed");
        const read = await doomed.read("5").catch((e) => e);
        assert(read instanceof SessionStorageError);
        assertEquals([read.key, read.operation], ["5", "read"]);
        const write = await doomed.compareAndSet("5", null, 6).catch((e) => e);
        assert(write instanceof SessionStorageError);
        assertEquals([write.key, write.operation], ["5", "write"]);
        assert(write.message.includes('Could not write session "5"'));
      },
    );

    await t.step(
      "statements per update: one read, one write if changed",
      async () => {
        let statements = 0;
        const counted = new Proxy(pool, {
          get: (target, property) =>
            property === "query"
              ? (
                ...args: unknown[]
              ) => (statements++,
                (target.query as (...a: unknown[]) => unknown)(...args))
              : Reflect.get(target, property, target),
        });
        const mixed = await PostgresStorage.create<number>(
          counted as unknown as PostgresClient,
          { table: "mix" },
        );
        const texts = ["a", "b", "read", "c", "d", "read", "e", "+", "f", "g"];
        for (const lazy of [false, true]) {
          const bot = createBot<Context & SessionFlavor<number>>();
          const options = { storage: mixed, initial: () => 0 };
          bot.use(lazy ? lazySession(options) as never : session(options));
          bot.on("message:text", async (ctx, next) => {
            const text = ctx.msg.text;
            if (text !== "read" && text !== "+") return next();
            // deno-lint-ignore no-explicit-any
            const c = ctx as any;
            const count: number = lazy ? await c.session : c.session;
            if (text === "+") c.session = count + 1;
          });
          await bot.handleUpdate(message(8, "+")); // the session exists
          statements = 0;
          for (const text of texts) await bot.handleUpdate(message(8, text));
          // grammY with storage-psql: 10 reads and 3 writes.
          assertEquals(statements, lazy ? 4 : 11);
        }
      },
    );

    await t.step("a real bot counts in it", async () => {
      const bot = createBot<Context & SessionFlavor<number>>();
      const counter = await PostgresStorage.create<number>(pool, {
        table: "bot",
      });
      bot.use(session({ storage: counter, initial: () => 0 }));
      bot.on("message", (ctx) => {
        if (ctx.msg.text === "+") ctx.session++;
      });
      for (let i = 0; i < 3; i++) await bot.handleUpdate(message(7, "+"));
      await bot.handleUpdate(message(7, "look"));
      assertEquals(await counter.read("7"), 3);
      const rows = (await pool.query("SELECT xmin::text FROM bot")).rows;
      assertEquals(rows.length, 1);
    });
  } finally {
    await pool.end();
  }
});

Deno.test("PostgresStorage with timeToLive", async (t) => {
  await using server = await startPostgres();
  const pool = newPool(server.url);
  const clock = fakeTime(Date.now());
  try {
    const storage = await PostgresStorage.create<number>(pool, {
      timeToLive: 60_000,
      sweep: false,
    });
    await t.step("an expired session is never returned", async () => {
      await storage.write("a", 1);
      const { version } = await storage.readWithVersion("a");
      clock.tick(60_001);
      assertEquals(await storage.readWithVersion("a"), {
        value: undefined,
        version: null,
      });
      assertEquals(await storage.has("a"), false);
      assertEquals(await Array.fromAsync(storage.readAllKeys()), []);
      // Its old version no longer writes; a new session takes its place.
      assertEquals(await storage.compareAndSet("a", version, 2), { ok: false });
      assert((await storage.compareAndSet("a", null, 3)).ok);
      assertEquals(await storage.read("a"), 3);
    });
    await t.step(
      "a read refreshes the deadline once half of it passed",
      async () => {
        await storage.write("r", 1);
        clock.tick(20_000);
        const young = await storage.readWithVersion("r"); // no refresh yet
        clock.tick(20_000);
        const before = await storage.readWithVersion("r"); // refreshes
        assert(before.version !== young.version);
        clock.tick(25_000); // past the first deadline, not the new one
        assertEquals(await storage.readWithVersion("r"), before);
      },
    );
    await t.step(
      "sweeping deletes at most a batch of expired rows",
      async () => {
        await pool.query("DELETE FROM sessions");
        await storage.write("r", 1);
        await pool.query(
          `INSERT INTO sessions (key, value, expires_at)
         SELECT 'e' || i, '1', $1 FROM generate_series(1, 250) i`,
          [Date.now() - 1],
        );
        assertEquals(await storage.sweepExpired(100), 100);
        assertEquals(await storage.sweepExpired(1000), 150);
        assertEquals(await storage.sweepExpired(), 0);
        assertStrictEquals(await storage.read("r"), 1);
      },
    );
    await t.step("writes sweep as they go, a batch at a time", async () => {
      const swept = await PostgresStorage.create<number>(pool, {
        timeToLive: 60_000,
        sweep: { every: 2, batch: 3 },
      });
      await pool.query(
        `INSERT INTO sessions (key, value, expires_at)
         SELECT 'x' || i, '1', $1 FROM generate_series(1, 5) i`,
        [Date.now() - 1],
      );
      const count = async () =>
        Number(
          (await pool.query(
            "SELECT count(*) FROM sessions WHERE key LIKE 'x%'",
          )).rows[0].count,
        );
      await swept.write("w", 1);
      assertEquals(await count(), 5);
      await swept.write("w", 2);
      assertEquals(await count(), 2);
    });
  } finally {
    clock.uninstall();
    await pool.end();
  }
});

Deno.test("PostgresStorage when the server goes away", async () => {
  const server = await startPostgres();
  const pool = newPool(server.url);
  try {
    const storage = await PostgresStorage.create<number>(pool);
    await storage.write("1", 1);
    await server.stop();
    const error = await storage.read("1").catch((e) => e);
    assert(error instanceof SessionStorageError, String(error));
    assertEquals([error.key, error.operation], ["1", "read"]);
    const write = await storage.compareAndSet("1", null, 2).catch((e) => e);
    assert(write instanceof SessionStorageError);
    assertEquals(write.operation, "write");
  } finally {
    await pool.end();
    await server.stop();
  }
});
