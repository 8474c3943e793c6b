// Four bot processes share one PostgreSQL table and 5 chats, each with 8
// updates in flight (a real server, started by the test). Without a lease,
// compare-and-set on the row's xmin turns every would-be lost update into a
// SessionConflictError: the stored counters equal the updates reported
// counted. With `lease: true`, updates of one chat run one at a time across
// the processes: every increment is counted.
import pg from "pg";
import { PostgresStorage } from "../postgres.ts";
import type { CounterReport as Report } from "./fixtures/_counter_bot.ts";
import { assert, assertEquals } from "./deps.ts";
import { runTogether, spawnFixture } from "./_helpers.ts";
import { lines } from "../examples/_lines.ts";
import { startPostgres } from "./_postgres_server.ts";

const PROCESSES = 4;
const UPDATES = 300;
const IN_FLIGHT = 8;
const CHATS = 5;
const TOTAL = PROCESSES * UPDATES;

async function run(
  url: string,
  mode: "strict" | "lazy",
  lease: boolean,
): Promise<{ ok: number; conflicts: number; stored: number }> {
  const reports = await runTogether<Report>(
    "pg_counter.ts",
    PROCESSES,
    (i) => [
      url,
      mode,
      `${UPDATES}`,
      `${IN_FLIGHT}`,
      `${i + 1}`,
      `${CHATS}`,
      lease ? "lease" : "nolease",
    ],
  );
  for (const report of reports) assertEquals(report.errors, []);
  const ok = reports.reduce((n, r) => n + r.ok, 0);
  const conflicts = reports.reduce((n, r) => n + r.conflicts, 0);
  const pool = new pg.Pool({ connectionString: url });
  pool.on("error", () => {});
  try {
    const storage = await PostgresStorage.create<number>(pool);
    let stored = 0;
    for await (const value of storage.readAllValues()) stored += value;
    await pool.query("DROP TABLE sessions");
    await pool.query("DROP TABLE IF EXISTS sessions_leases");
    console.log(
      `${mode}${lease ? " with lease" : ""}: ${ok} of ${TOTAL} counted, ` +
        `${conflicts} conflicts, ${stored} stored`,
    );
    return { ok, conflicts, stored };
  } finally {
    await pool.end();
  }
}

Deno.test("PostgresStorage across processes loses no update", async (t) => {
  await using server = await startPostgres();
  for (const mode of ["strict", "lazy"] as const) {
    await t.step(
      `${mode} sessions: counted or reported, never lost`,
      async () => {
        const { ok, conflicts, stored } = await run(server.url, mode, false);
        assertEquals(stored, ok); // lost: 0
        assertEquals(ok + conflicts, TOTAL);
        assert(ok >= TOTAL / 4, `only ${ok} of ${TOTAL} counted`);
      },
    );
    await t.step(
      `${mode} sessions with lease: true count every update`,
      async () => {
        const { ok, conflicts, stored } = await run(server.url, mode, true);
        assertEquals({ ok, conflicts, stored }, {
          ok: TOTAL,
          conflicts: 0,
          stored: TOTAL,
        });
      },
    );
  }
});

Deno.test("PostgresStorage lists 10,000 sessions exactly while another process writes", async () => {
  await using server = await startPostgres();
  const pool = new pg.Pool({ connectionString: server.url });
  pool.on("error", () => {});
  const writer = spawnFixture("pg_writer.ts", [server.url], { stdin: "piped" });
  try {
    const storage = await PostgresStorage.create<number>(pool);
    await pool.query(
      `INSERT INTO sessions (key, value)
       SELECT 's' || lpad(i::text, 5, '0'), '0' FROM generate_series(0, 9999) i`,
    );
    const output = lines(writer.stdout);
    assertEquals((await output.next()).value, "ready");
    const seen = new Map<string, number>();
    for await (const key of storage.readAllKeys()) {
      seen.set(key, (seen.get(key) ?? 0) + 1);
      // Let the writer write between pages.
      if (seen.size % 500 === 0) await new Promise((r) => setTimeout(r, 10));
    }
    await writer.stdin.close();
    let last = "";
    for await (const line of output) last = line;
    assert((await writer.status).success);
    const { writes } = JSON.parse(last);
    assert(writes > 0, "the writer wrote nothing");
    for (let i = 0; i < 10_000; i++) {
      assertEquals(seen.get(`s${String(i).padStart(5, "0")}`), 1);
    }
    for (const [key, times] of seen) assertEquals(times, 1, key);
    console.log(`${seen.size} keys listed while ${writes} writes ran`);
  } finally {
    await pool.end();
    await new Response(writer.stderr).text();
  }
});
