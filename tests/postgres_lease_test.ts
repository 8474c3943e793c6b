// The lease of PostgresStorage (option `lease`), on a real server: waiting,
// the release in the statement that writes, a lost lease, and the waiting
// rule (the waiter that came first goes next).
import pg from "pg";
import { SessionConflictError } from "../mod.ts";
import { PostgresStorage } from "../postgres.ts";
import { assert, assertEquals, fakeTime } from "./deps.ts";
import { startPostgres } from "./_postgres_server.ts";

const tick = () => new Promise((r) => setTimeout(r, 5));

Deno.test("PostgresStorage with lease", async (t) => {
  await using server = await startPostgres();
  const pool = new pg.Pool({ connectionString: server.url });
  pool.on("error", () => {});
  try {
    const storage = await PostgresStorage.create<number>(pool, {
      lease: true,
    });
    const other = await PostgresStorage.create<number>(pool, { lease: true });
    const row = async (key: string) =>
      (await pool.query("SELECT * FROM sessions_leases WHERE key = $1", [key]))
        .rows[0];

    await t.step(
      "a second update waits until the first gives it back",
      async () => {
        const first = await storage.acquireLease!("a");
        let taken = false;
        const second = other.acquireLease!("a").then((lease) => {
          taken = true;
          return lease;
        });
        for (let i = 0; i < 10; i++) await tick();
        assert(!taken);
        await first.release();
        await (await second).release();
        assert(taken);
      },
    );

    await t.step(
      "the write gives the lease back in the same statement",
      async () => {
        const lease = await storage.acquireLease!("b");
        const result = await storage.compareAndSet("b", null, 1, { lease });
        assert(result.ok);
        assertEquals((await row("b")).owner, "");
        await lease.release(); // a no-op now
        const next = await other.acquireLease!("b");
        await next.release();
      },
    );

    await t.step("the waiter that came first goes next", async () => {
      const holder = await storage.acquireLease!("c");
      const order: string[] = [];
      const first = other.acquireLease!("c").then((
        l,
      ) => (order.push("first"), l));
      while ((await row("c")).next_owner === null) await tick();
      await tick();
      const second = storage.acquireLease!("c").then((
        l,
      ) => (order.push("second"), l));
      for (let i = 0; i < 5; i++) await tick();
      await holder.release();
      await (await first).release();
      await (await second).release();
      assertEquals(order, ["first", "second"]);
    });

    await t.step(
      "a lost lease refuses the write; nothing is written",
      async () => {
        const clock = fakeTime(Date.now());
        try {
          await storage.write("d", 1);
          const { version } = await storage.readWithVersion("d");
          const lost = await storage.acquireLease!("d", { maxHold: 100 });
          clock.tick(20_000); // past its deadline: another update takes it
          const taker = await other.acquireLease!("d");
          const error = await storage.compareAndSet("d", version, 2, {
            lease: lost,
          }).catch((e) => e);
          assert(error instanceof SessionConflictError, String(error));
          assert(error.message.includes("lease"));
          assertEquals(await storage.read("d"), 1);
          await taker.release();
          await lost.release();
        } finally {
          clock.uninstall();
        }
      },
    );

    await t.step(
      "a lease living longer than 2^31 ms is not renewed every millisecond",
      async () => {
        // A third of this time to live is beyond what one timer holds
        // (2^31 - 1 ms): given more, setTimeout fires after 1 ms.
        const long = await PostgresStorage.create<number>(pool, {
          lease: { timeToLive: 2 ** 33 },
        });
        const lease = await long.acquireLease!("e", { maxHold: Infinity });
        const taken = (await row("e")).until;
        await new Promise((r) => setTimeout(r, 100));
        const later = (await row("e")).until;
        await lease.release();
        assertEquals(later, taken, "the lease was renewed within 100 ms");
      },
    );
  } finally {
    await pool.end();
  }
});
