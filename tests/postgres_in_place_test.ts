// PostgresStorage over a table of @grammyjs/storage-psql, on a real server,
// while an old bot (storage-psql itself, with grammY's own enhanceStorage)
// still reads and writes it.
import {
  BotError,
  type Context,
  enhanceStorage as grammyEnhance,
} from "grammy";
import { PsqlAdapter } from "@grammyjs/storage-psql";
import pg from "pg";
import {
  type Enhance,
  enhanceStorage,
  session,
  SessionConflictError,
  type SessionFlavor,
  type StorageAdapter,
} from "../mod.ts";
import { PostgresStorage } from "../postgres.ts";
import { assert, assertEquals } from "./deps.ts";
import { createBot, message } from "./_helpers.ts";
import { startPostgres } from "./_postgres_server.ts";

type Counter = { count: number };

Deno.test("PostgresStorage on a storage-psql table", async (t) => {
  await using server = await startPostgres();
  const client = new pg.Client({ connectionString: server.url });
  client.on("error", () => {});
  await client.connect();
  const pool = new pg.Pool({ connectionString: server.url });
  pool.on("error", () => {});
  try {
    const old = await PsqlAdapter.create({
      tableName: "sessions",
      client,
    }) as unknown as StorageAdapter<Counter>;
    await old.write("1", { count: 5 });
    const oldEnhanced = grammyEnhance<Counter>({
      storage: old as never,
      millisecondsToLive: 60_000,
      migrations: { 1: (data: Counter) => data },
    });
    await oldEnhanced.write("2", { count: 7 });

    // The old bot writes all along while the store is created.
    let writing = true;
    let oldWrites = 0;
    const writer = (async () => {
      while (writing) {
        await old.write("busy", { count: ++oldWrites });
      }
    })();
    const storage = await PostgresStorage.create<Counter>(pool);
    writing = false;
    await writer;

    await t.step("create() adds one column and nothing else", () => {
      assertEquals(storage.schemaChanges, [
        'ALTER TABLE "sessions" ADD COLUMN IF NOT EXISTS "expires_at" BIGINT',
      ]);
      assert(oldWrites > 0);
    });

    await t.step("its rows are read as they are", async () => {
      assertEquals(await storage.read("1"), { count: 5 });
      assertEquals(await storage.read("busy"), { count: oldWrites });
      const enhanced = enhanceStorage<Counter>({
        storage: storage as unknown as StorageAdapter<Enhance<Counter>>,
        migrations: { 1: (data: Counter) => data },
      });
      assertEquals(await enhanced.read("2"), { count: 7 });
      assertEquals((await Array.fromAsync(storage.readAllKeys())).sort(), [
        "1",
        "2",
        "busy",
      ]);
    });

    await t.step("the old bot keeps working on the changed table", async () => {
      await PsqlAdapter.create({ tableName: "sessions", client });
      await storage.write("3", { count: 3 });
      assertEquals(await old.read("3"), { count: 3 }); // plain JSON
      await old.write("3", { count: 4 });
      assertEquals(await storage.read("3"), { count: 4 });
      await old.delete("3");
      assertEquals(await storage.read("3"), undefined);
      const indexes = await pool.query(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'sessions'",
      );
      assertEquals(
        indexes.rows.map((r: { indexname: string }) => r.indexname),
        ["idx_sessions"],
      );
    });

    await t.step(
      "an old bot's write in the middle of an update is a conflict",
      async () => {
        const bot = createBot<Context & SessionFlavor<Counter>>();
        bot.use(session({ storage, initial: () => ({ count: 0 }) }));
        bot.on("message", async (ctx) => {
          const seen = ctx.session.count;
          await old.write("1", { count: 100 }); // storage-psql's upsert
          ctx.session.count = seen + 1;
        });
        const error = await bot.handleUpdate(message(1, "+")).catch((e) => e);
        assert(error instanceof BotError, String(error));
        assert(
          error.error instanceof SessionConflictError,
          String(error.error),
        );
        assertEquals(await storage.read("1"), { count: 100 });
        assertEquals(await old.read("1"), { count: 100 });
        // A session that was absent: the old bot inserts it meanwhile.
        const fresh = createBot<Context & SessionFlavor<Counter>>();
        fresh.use(session({ storage, initial: () => ({ count: 0 }) }));
        fresh.on("message", async (ctx) => {
          await old.write("9", { count: 9 });
          ctx.session.count = 1;
        });
        const again = await fresh.handleUpdate(message(9, "+")).catch((e) => e);
        assert(again?.error instanceof SessionConflictError, String(again));
        assertEquals(await storage.read("9"), { count: 9 });
      },
    );
  } finally {
    await client.end();
    await pool.end();
  }
});
