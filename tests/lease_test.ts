// The lease protocol (src/stores/kv/lease.ts) on a real KV: `:memory:` and a temp
// file. Multi-process behaviour is in tests/lease_process_test.ts.
import {
  acquireLease,
  SessionLeaseLostError,
  SessionLeaseTimeoutError,
} from "../src/stores/kv/lease.ts";
import { SessionConflictError } from "../src/contract/errors.ts";
import { assert, assertEquals, assertRejects } from "./deps.ts";
import { settlesWithin } from "./_helpers.ts";

const KEY = ["sessions", "42", "~lease"];
const CLAIM = [...KEY, "next"];

async function withKv(
  where: "memory" | "file",
  body: (kv: Deno.Kv, path: string) => Promise<void>,
): Promise<void> {
  const path = where === "memory"
    ? ":memory:"
    : await Deno.makeTempFile({ suffix: ".kv" });
  const kv = await Deno.openKv(path);
  try {
    await body(kv, path);
  } finally {
    kv.close();
    if (where === "file") await Deno.remove(path);
  }
}

/** Resolves once `key` holds a value. */
async function present(kv: Deno.Kv, key: Deno.KvKey): Promise<void> {
  while ((await kv.get(key)).versionstamp === null) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

for (const where of ["memory", "file"] as const) {
  Deno.test(`acquireLease on a ${where} KV`, async (t) => {
    await t.step(
      "takes a free key with one commit and stores a deadline",
      () =>
        withKv(where, async (kv) => {
          let commits = 0;
          const counted = Object.assign(Object.create(kv), {
            atomic: () => {
              const atomic = kv.atomic();
              const commit = atomic.commit.bind(atomic);
              atomic.commit = () => (commits++, commit());
              return atomic;
            },
          }) as Deno.Kv;
          const before = Date.now();
          const lease = await acquireLease(counted, KEY, { timeToLive: 5000 });
          assertEquals(commits, 1);
          const stored = await kv.get<{ owner: string; until: number }>(KEY);
          assertEquals(stored.value?.owner, lease.owner);
          assert(stored.value!.until >= before + 5000);
          await lease.release();
          assertEquals((await kv.get(KEY)).versionstamp, null);
          await lease.release(); // twice is fine
        }),
    );

    await t.step(
      "a second holder waits until the first releases",
      () =>
        withKv(where, async (kv) => {
          const order: string[] = [];
          const first = await acquireLease(kv, KEY, { timeToLive: 5000 });
          const second = acquireLease(kv, KEY, { timeToLive: 5000 }).then(
            (lease) => (order.push("second"), lease),
          );
          await present(kv, CLAIM); // it waits, and is next in line
          order.push("release");
          await first.release();
          const lease = await settlesWithin(second, 10_000);
          assertEquals(order, ["release", "second"]);
          // Taking the lease also removed its claim.
          assertEquals((await kv.get(CLAIM)).versionstamp, null);
          await lease.release();
        }),
    );

    await t.step(
      "an expired lease that KV has not deleted yet is taken",
      () =>
        withKv(where, async (kv) => {
          await kv.set(KEY, { owner: "dead", until: Date.now() - 1 });
          const lease = await settlesWithin(
            acquireLease(kv, KEY, { timeToLive: 5000 }),
            10_000,
          );
          assertEquals(
            (await kv.get<{ owner: string }>(KEY)).value?.owner,
            lease.owner,
          );
          await lease.release();
        }),
    );

    await t.step(
      "a holder that never releases frees the key at its deadline",
      () =>
        withKv(where, async (kv) => {
          // Written as a dead process leaves it: no renewal will come.
          await kv.set(KEY, { owner: "dead", until: Date.now() + 300 });
          const lease = await settlesWithin(
            acquireLease(kv, KEY, { timeToLive: 5000 }),
            10_000,
          );
          assert(lease.held);
          await lease.release();
        }),
    );

    await t.step(
      "gives up after `timeout` and leaves no claim behind",
      () =>
        withKv(where, async (kv) => {
          const holder = await acquireLease(kv, KEY, { timeToLive: 5000 });
          const error = await acquireLease(kv, KEY, {
            timeToLive: 5000,
            timeout: 200,
            label: "42",
          }).catch((error) => error);
          assert(error instanceof SessionLeaseTimeoutError);
          assert(error instanceof SessionConflictError);
          assert(String(error).includes('"42"'));
          assertEquals((await kv.get(CLAIM)).versionstamp, null);
          assert(holder.held);
          await holder.release();
        }),
    );

    await t.step(
      "stops waiting when its signal aborts",
      () =>
        withKv(where, async (kv) => {
          const holder = await acquireLease(kv, KEY, { timeToLive: 5000 });
          const controller = new AbortController();
          const waiting = acquireLease(kv, KEY, {
            timeToLive: 5000,
            signal: controller.signal,
          });
          await present(kv, CLAIM);
          controller.abort(new Error("shutting down"));
          await assertRejects(() => waiting, Error, "shutting down");
          assertEquals((await kv.get(CLAIM)).versionstamp, null);
          await holder.release();
        }),
    );

    await t.step(
      "gives its claim back when the signal aborts between two rounds",
      () =>
        withKv(where, async (kv) => {
          const holder = await acquireLease(kv, KEY, { timeToLive: 5000 });
          const controller = new AbortController();
          // The abort lands while the waiter, its claim written, reads the
          // lease again: it is seen at the top of the next round.
          let claimedReads = 0;
          const aborting = new Proxy(kv, {
            get(target, property) {
              const value = Reflect.get(target, property, target);
              if (property !== "getMany") {
                return typeof value === "function" ? value.bind(target) : value;
              }
              return async (...args: Parameters<Deno.Kv["getMany"]>) => {
                const entries = await target.getMany(...args);
                if (
                  entries.length === 2 && // a round's read: lease and claim
                  entries.some((entry) =>
                    entry.key.length === CLAIM.length &&
                    entry.versionstamp !== null
                  ) && ++claimedReads === 1
                ) {
                  controller.abort(new Error("shutting down"));
                }
                return entries;
              };
            },
          });
          await assertRejects(
            () =>
              acquireLease(aborting, KEY, {
                timeToLive: 5000,
                signal: controller.signal,
              }),
            Error,
            "shutting down",
          );
          assertEquals(claimedReads, 1);
          assertEquals((await kv.get(CLAIM)).versionstamp, null);
          await holder.release();
        }),
    );

    await t.step(
      "renews while held, so a waiter does not get in",
      () =>
        withKv(where, async (kv) => {
          const holder = await acquireLease(kv, KEY, { timeToLive: 400 });
          const first = holder.until;
          // Waits for more than three times the time to live.
          await assertRejects(
            () => acquireLease(kv, KEY, { timeToLive: 400, timeout: 1300 }),
            SessionLeaseTimeoutError,
          );
          assert(holder.held && holder.until > first);
          await holder.release();
        }),
    );

    await t.step(
      "releases in the commit of a write, or not at all",
      () =>
        withKv(where, async (kv) => {
          const lease = await acquireLease(kv, KEY, { timeToLive: 5000 });
          await lease.pause();
          // A commit whose own check fails: nothing happens, the lease stays.
          const stale = kv.atomic()
            .check({
              key: ["sessions", "42"],
              versionstamp: "00000000000000990000",
            })
            .set(["sessions", "42"], 1);
          lease.addRelease(stale);
          await lease.settle(await stale.commit());
          assert(lease.held);
          assertEquals((await kv.get(["sessions", "42"])).versionstamp, null);
          const write = kv.atomic().set(["sessions", "42"], 2);
          lease.addRelease(write);
          await lease.settle(await write.commit());
          assert(!lease.held);
          assertEquals((await kv.get(["sessions", "42"])).value, 2);
          assertEquals((await kv.get(KEY)).versionstamp, null);
        }),
    );

    await t.step(
      "a holder past maxHold loses the key and its write",
      () =>
        withKv(where, async (kv) => {
          const slow = await acquireLease(kv, KEY, {
            timeToLive: 100,
            maxHold: 200,
          });
          // Renewed up to maxHold, then the key is free for the next one.
          const next = await settlesWithin(
            acquireLease(kv, KEY, { timeToLive: 5000 }),
            10_000,
          );
          await slow.pause();
          const write = kv.atomic().set(["sessions", "42"], "stale");
          slow.addRelease(write);
          await assertRejects(
            async () => await slow.settle(await write.commit()),
            SessionLeaseLostError,
          );
          assert(slow.lost);
          assertEquals((await kv.get(["sessions", "42"])).versionstamp, null);
          // The loser's release does not touch the new holder's lease.
          await slow.release();
          assertEquals(
            (await kv.get<{ owner: string }>(KEY)).value?.owner,
            next.owner,
          );
          await next.release();
        }),
    );

    await t.step(
      "the instance that just released waits for the claimer",
      () =>
        withKv(where, async (kv, path) => {
          // Two handles on one database, as two instances would have.
          const other = where === "file" ? await Deno.openKv(path) : kv;
          try {
            const order: string[] = [];
            const a = await acquireLease(kv, KEY, {
              timeToLive: 5000,
              owner: "a",
            });
            const b = acquireLease(other, KEY, { timeToLive: 5000, owner: "b" })
              .then((lease) => (order.push("b"), lease));
            await present(kv, CLAIM);
            await a.release();
            const again = acquireLease(kv, KEY, {
              timeToLive: 5000,
              owner: "a",
            })
              .then((lease) => (order.push("a"), lease));
            await (await settlesWithin(b, 10_000)).release();
            await (await settlesWithin(again, 10_000)).release();
            assertEquals(order, ["b", "a"]);
          } finally {
            if (other !== kv) other.close();
          }
        }),
    );

    await t.step(
      "the longest waiter takes the claim from a newer one",
      () =>
        withKv(where, async (kv) => {
          const a = await acquireLease(kv, KEY, { timeToLive: 5000 });
          // A live claim by a waiter that started waiting later than b will.
          const later = Date.now() + 60_000;
          await kv.set(CLAIM, { owner: "young", until: later, since: later });
          const b = acquireLease(kv, KEY, { timeToLive: 5000, owner: "b" });
          while (
            (await kv.get<{ owner: string }>(CLAIM)).value?.owner !== "b"
          ) {
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          await a.release();
          await (await settlesWithin(b, 10_000)).release();
        }),
    );

    await t.step(
      "refuses a bad time to live",
      () =>
        withKv(where, async (kv) => {
          await assertRejects(
            () => acquireLease(kv, KEY, { timeToLive: 0 }),
            RangeError,
          );
        }),
    );
  });
}

Deno.test("acquireLease polls a KV handle that is not Deno's own: its watch is never used", async () => {
  // Like `@deno/kv` on Node.js, whose watch stream spins at 100% CPU once
  // cancelled with a read pending: the waiter must get the lease without it.
  await withKv("memory", async (kv) => {
    let watched = 0;
    const foreign = {
      getMany: (keys: Deno.KvKey[]) => kv.getMany(keys),
      atomic: () => kv.atomic(),
      watch: (keys: Deno.KvKey[]) => {
        watched++;
        return kv.watch(keys);
      },
    };
    const first = await acquireLease(foreign, KEY, { timeToLive: 5000 });
    const second = acquireLease(foreign, KEY, { timeToLive: 5000 });
    await present(kv, CLAIM);
    await first.release();
    const lease = await settlesWithin(second, 10_000);
    assert(lease.held);
    await lease.release();
    assertEquals(watched, 0);
  });
});
