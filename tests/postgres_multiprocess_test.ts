// Four bot processes share one PostgreSQL table and 5 chats, each with 8
// updates in flight (a real server, started by the test). Without a lease,
// compare-and-set on the row's xmin turns every would-be lost update into a
// SessionConflictError: the stored counters equal the updates reported
// counted. With `lease: true`, updates of one chat run one at a time across
// the processes: every increment is counted.
import pg from "pg";
import { PostgresStorage } from "../postgres.ts";
import type { Report } from "./fixtures/kv_counter.ts";
import { assert, assertEquals } from "./deps.ts";
import { runTogether } from "./_helpers.ts";
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
