// PostgresStorage from the installed npm package on Node.js (run by
// tests/npm/postgres.test.mjs with DATABASE_URL set): a grammY bot over a pg
// Pool, the same sessions through postgres.js, and the CommonJS build.
// Prints one JSON line: the checks that passed, or the error.
import { Bot } from "grammy";
import { session } from "@sessionkit/grammy";
import { PostgresStorage } from "@sessionkit/grammy/postgres";
import { createRequire } from "node:module";
import pg from "pg";
import postgres from "postgres";

const url = process.env.DATABASE_URL;
const checks = [];
const pool = new pg.Pool({ connectionString: url });
const sql = postgres(url, { onnotice: () => {} });
try {
  const storage = await PostgresStorage.create(pool, { table: "node" });
  const bot = new Bot("0:test", {
    botInfo: { id: 1, is_bot: true, first_name: "T", username: "t_bot" },
  });
  bot.use(session({ storage, initial: () => ({ count: 0 }) }));
  bot.on("message", (ctx) => void ctx.session.count++);
  for (let i = 1; i <= 3; i++) {
    await bot.handleUpdate({
      update_id: i,
      message: {
        message_id: i,
        date: 0,
        chat: { id: 7, type: "private", first_name: "U" },
        from: { id: 7, is_bot: false, first_name: "U" },
        text: "+",
      },
    });
  }
  if ((await storage.read("7"))?.count === 3) checks.push("pg");
  const other = await PostgresStorage.create(sql, { table: "node" });
  const { value, version } = await other.readWithVersion("7");
  const written = await other.compareAndSet("7", version, {
    count: value.count + 1,
    at: new Date(0),
  });
  const stale = await other.compareAndSet("7", version, { count: 0 });
  const back = await storage.read("7");
  if (
    written.ok && !stale.ok && back.count === 4 && back.at instanceof Date
  ) checks.push("postgres.js");
  const require = createRequire(import.meta.url);
  const cjs = require("@sessionkit/grammy/postgres");
  const viaCjs = await cjs.PostgresStorage.create(pool, { table: "node" });
  if ((await viaCjs.read("7"))?.count === 4) checks.push("commonjs");
  console.log(JSON.stringify({ checks }));
} catch (error) {
  console.log(JSON.stringify({ checks, error: String(error?.stack ?? error) }));
} finally {
  await pool.end();
  await sql.end();
}
