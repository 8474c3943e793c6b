// The lease on Redis: one holder at a time, a dead holder's lease runs out,
// and a write under a lease that another holder took is refused.
import { RedisStorage, SessionLeaseLostError } from "../redis.ts";
import { assert, assertEquals, assertStrictEquals } from "./deps.ts";
import { withRedis } from "./_redis_clients.ts";

Deno.test("Redis lease: the second holder waits for the first to release", async () => {
  await withRedis(async (client) => {
    const a = new RedisStorage<number>(client, { lease: true });
    const b = new RedisStorage<number>(client, { lease: true });
    const first = await a.acquireLease!("1");
    let second = false;
    const waiting = b.acquireLease!("1").then((lease) => {
      second = true;
      return lease;
    });
    await new Promise((r) => setTimeout(r, 100));
    assertStrictEquals(second, false);
    const read = await a.readWithVersion("1");
    // The write releases the lease in the same script.
    assert((await a.compareAndSet("1", read.version, 1, { lease: first })).ok);
    const lease = await waiting;
    assertStrictEquals(await client.exists("{1}~sk:lease"), 1);
    await lease.release();
    await first.release(); // released already: nothing happens
    assertStrictEquals(await client.exists("{1}~sk:lease"), 0);
    assertEquals(await b.read("1"), 1);
  });
});

Deno.test("Redis lease: a holder that died frees the key within the lease's time to live", async () => {
  await withRedis(async (client) => {
    // A lease left by a process that died: nobody renews it. It runs out
    // no earlier than 300 ms after `before`.
    const before = Date.now();
    await client.set("{2}~sk:lease", "dead-process", "PX", 300);
    const storage = new RedisStorage<number>(client, { lease: true });
    const lease = await storage.acquireLease!("2");
    const after = Date.now();
    assert(after - before >= 295, `taken ${after - before} ms after`);
    assert((await client.get("{2}~sk:lease")) !== "dead-process");
    await lease.release();
  });
});

Deno.test("Redis lease: a write under a lease another holder took is refused", async () => {
  await withRedis(async (client) => {
    const storage = new RedisStorage<number>(client, {
      lease: { timeToLive: 100 },
    });
    const lease = await storage.acquireLease!("3", { maxHold: 100 });
    const read = await storage.readWithVersion("3");
    await new Promise((r) => setTimeout(r, 250)); // past maxHold: it expired
    const other = await storage.acquireLease!("3");
    let failure: unknown;
    try {
      await storage.compareAndSet("3", read.version, 1, { lease });
    } catch (error) {
      failure = error;
    }
    assert(failure instanceof SessionLeaseLostError, String(failure));
    assertStrictEquals(await client.exists("3"), 0);
    await other.release();
    await lease.release();
  });
});

Deno.test("Redis lease: a lease living longer than 2^31 ms is not renewed every millisecond", async () => {
  await withRedis(async (client) => {
    const storage = new RedisStorage<number>(client, {
      lease: { timeToLive: 2 ** 33 },
    });
    const calls = async () =>
      Number(
        /cmdstat_evalsha:calls=(\d+)/.exec(
          await client.info("commandstats"),
        )?.[1] ?? 0,
      );
    const lease = await storage.acquireLease!("1", { maxHold: Infinity });
    const before = await calls();
    await new Promise((r) => setTimeout(r, 100));
    const renewals = (await calls()) - before;
    await lease.release();
    assertStrictEquals(renewals, 0, `${renewals} renewals in 100 ms`);
  });
});
