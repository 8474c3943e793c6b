// The session tools on a PostgreSQL URL, run for real (`deno run -A cli.ts`
// subprocesses) against a server the test starts: list, get, set, export
// and import work as on KV, and the URL's password never shows.
import pg from "pg";
import { PostgresStorage } from "../postgres.ts";
import { devCli as cli } from "./_cli.ts";
import { assert, assertEquals } from "./deps.ts";
import { freePort, startPostgres } from "./_postgres_server.ts";

const SECRET = "s3cret-pw";

Deno.test("the session tools on a PostgreSQL URL", async (t) => {
  await using server = await startPostgres();
  // The server trusts local connections: any password is accepted.
  const url = server.url.replace("postgres@", `postgres:${SECRET}@`);
  const pool = new pg.Pool({ connectionString: server.url });
  pool.on("error", () => {}); // idle connections end with the server
  try {
    const storage = await PostgresStorage.create<unknown>(pool);
    await storage.write("1", { count: 1 });
    await storage.write("2", { at: new Date(0), tags: new Set(["a"]) });

    await t.step("list and get", async () => {
      const list = await cli(["list", "--kv", url]);
      assertEquals(list.code, 0, list.stderr);
      assert(list.stdout.includes("1") && list.stdout.includes("2"));
      const get = await cli(["get", "2", "--kv", url]);
      assertEquals(get.code, 0, get.stderr);
      assert(get.stdout.includes('"$date"'), get.stdout);
      for (const out of [list, get]) {
        assert(!(out.stdout + out.stderr).includes(SECRET));
      }
    });

    await t.step("set writes through PostgresStorage", async () => {
      const set = await cli(["set", "3", "--kv", url], '{"count":3}');
      assertEquals(set.code, 0, set.stderr);
      assertEquals(await storage.read("3"), { count: 3 });
    });

    await t.step(
      "an unreachable server: the URL with its password masked",
      async () => {
        const closed =
          `postgres://postgres:${SECRET}@127.0.0.1:${freePort()}/x`;
        const out = await cli(["list", "--kv", closed]);
        assertEquals(out.code, 1);
        assert(!(out.stdout + out.stderr).includes(SECRET), out.stderr);
        assert(
          out.stderr.includes("postgres://postgres:***@127.0.0.1"),
          out.stderr,
        );
      },
    );
  } finally {
    await pool.end();
  }
});
