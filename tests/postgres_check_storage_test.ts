// PostgresStorage keeps the store contract: checkStorage against a real
// PostgreSQL server, one table per store (so the listing check sees two
// stores in one database), expiry in real time (the server keeps the time).
import pg from "pg";
import { assert } from "./deps.ts";
import { PostgresStorage } from "../postgres.ts";
import { checkStorage } from "../testing.ts";
import { startPostgres } from "./_postgres_server.ts";

Deno.test("PostgresStorage passes checkStorage (a pg Pool, a real server)", async () => {
  const server = await startPostgres();
  const pool = new pg.Pool({ connectionString: server.url });
  // An idle connection the server ends (at its stop) is no test failure.
  pool.on("error", () => {});
  try {
    let tables = 0;
    const report = await checkStorage(
      (settings) =>
        PostgresStorage.create(pool, {
          table: `check_${tables++}`,
          ...settings,
          lease: true,
        }),
      { maxBytes: 4096, timeToLive: 600 },
    );
    assert(report.ok, JSON.stringify(report.failures, null, 2));
    assert(report.passed.includes("lease: one holder per key at a time"));
  } finally {
    await pool.end();
    await server.stop();
  }
});
