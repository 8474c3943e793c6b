// A lease stops renewing when the write that gives it back begins, also
// when a renewal is under way at that moment: no renewal timer may be left
// behind (it would keep the process alive and fire for a lease long gone).
// The Redis and PostgreSQL leases over a database whose renewals are slow.
import { RedisLease } from "../src/stores/redis/lease.ts";
import { sessionKeys } from "../src/stores/redis/keys.ts";
import { PostgresLease } from "../src/stores/postgres/lease.ts";
import type { LeaseStatements } from "../src/stores/postgres/statements.ts";
import { assertEquals } from "./deps.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `body` with the timers it starts counted: those still pending. */
async function pendingTimers(body: () => Promise<void>): Promise<number> {
  type Id = ReturnType<typeof setTimeout>;
  const pending = new Set<Id>();
  const { setTimeout: set, clearTimeout: clear } = globalThis;
  globalThis.setTimeout = ((fn: () => void, ms?: number) => {
    const id: Id = set(() => {
      pending.delete(id);
      fn();
    }, ms);
    pending.add(id);
    return id;
  }) as unknown as typeof setTimeout;
  globalThis.clearTimeout = ((id?: Id) => {
    if (id !== undefined) pending.delete(id);
    clear(id);
  }) as typeof clearTimeout;
  try {
    await body();
  } finally {
    globalThis.setTimeout = set;
    globalThis.clearTimeout = clear;
  }
  const left = pending.size;
  for (const id of pending) clear(id);
  return left;
}

// Time to live 60 ms: renewals every 20 ms, each taking 30 ms to answer.
const TTL = 60;

Deno.test("RedisLease: pause() during a renewal leaves no renewal timer", async () => {
  const left = await pendingTimers(async () => {
    const send = async () => {
      await sleep(30);
      return 1; // RENEW: still ours
    };
    const lease = new RedisLease(
      send,
      sessionKeys("", "42"),
      "me",
      TTL,
      Date.now() + 60_000,
    );
    await sleep(25); // the first renewal is under way
    await lease.pause();
    lease.settle(true); // the write gave it back
    assertEquals(lease.held, false);
  });
  assertEquals(left, 0);
});

Deno.test("PostgresLease: release() and the write during a renewal leave no renewal timer", async () => {
  for (const end of ["release", "write"] as const) {
    const left = await pendingTimers(async () => {
      const run = async () => {
        await sleep(30);
        return [{ owner: "me" }]; // renew: still ours; release: done
      };
      const lease = new PostgresLease(
        {},
        run,
        { renew: "renew", release: "release" } as unknown as LeaseStatements,
        { key: "42", owner: "me", until: Date.now() + TTL },
        { timeToLive: TTL, latest: Date.now() + 60_000 },
      );
      await sleep(25); // the first renewal is under way
      if (end === "release") await lease.release();
      else {
        await lease.settleBeforeWrite();
        lease.settleAfterWrite(true);
      }
      assertEquals(lease.held, false);
    });
    assertEquals(left, 0, end);
  }
});
