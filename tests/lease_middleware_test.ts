// The session middleware with a leasing store (DenoKvStorage `lease`): when
// the lease is taken and given back, renewal during a long handler, and a
// write refused when the lease was lost. "Instances" are two stores on one
// KV: each has its own key locks, as two processes would.
import { Bot, BotError, type Context } from "grammy";
import {
  enhanceStorage,
  lazySession,
  type LazySessionFlavor,
  session,
  type SessionFlavor,
} from "../mod.ts";
import { DenoKvStorage, SessionLeaseLostError } from "../kv.ts";
import { assert, assertEquals } from "./deps.ts";
import { message, settlesWithin, withKv } from "./_helpers.ts";

const botInfo = {
  id: 1,
  is_bot: true,
  first_name: "Test",
  username: "test_bot",
} as Bot["botInfo"];
const LEASE = ["sessions", "42", "~lease"];

function strictBot(storage: DenoKvStorage<number>) {
  const bot = new Bot<Context & SessionFlavor<number>>("0:test", { botInfo });
  bot.use(session({ storage, initial: () => 0 }));
  return bot;
}

/** Counts commits made through the handle. */
function counting(kv: Deno.Kv): Deno.Kv & { commits: number } {
  const counts = { commits: 0 };
  return new Proxy(kv, {
    get(target, property) {
      if (property === "commits") return counts.commits;
      if (property === "atomic") {
        return () => {
          const atomic = target.atomic();
          const commit = atomic.commit.bind(atomic);
          atomic.commit = () => (counts.commits++, commit());
          return atomic;
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  }) as Deno.Kv & { commits: number };
}

Deno.test("session middleware with a lease", async (t) => {
  await t.step(
    "releases the lease in the write's commit",
    () =>
      withKv(async (kv) => {
        const counted = counting(kv);
        const bot = strictBot(new DenoKvStorage(counted, { lease: true }));
        let held = false;
        bot.on("message", async (ctx) => {
          held = (await kv.get(LEASE)).versionstamp !== null;
          ctx.session++;
        });
        await bot.handleUpdate(message(42, "+1"));
        assert(held, "the lease is held while the handler runs");
        assertEquals(counted.commits, 2); // take the lease; write + release
        assertEquals((await kv.get(LEASE)).versionstamp, null);
        assertEquals((await kv.get(["sessions", "42"])).value, 1);
      }),
  );

  await t.step(
    "enhanceStorage keeps the wrapped store's lease",
    () =>
      withKv(async (kv) => {
        const counted = counting(kv);
        const bot = new Bot<Context & SessionFlavor<number>>("0:test", {
          botInfo,
        });
        bot.use(session({
          storage: enhanceStorage({
            storage: new DenoKvStorage(counted, { lease: true }),
            millisecondsToLive: 60_000,
          }),
          initial: () => 0,
        }));
        let held = false;
        bot.on("message", async (ctx) => {
          held = (await kv.get(LEASE)).versionstamp !== null;
          ctx.session++;
        });
        await bot.handleUpdate(message(42, "+1"));
        assert(held, "the lease is held while the handler runs");
        assertEquals(counted.commits, 2); // take the lease; write + release
        assertEquals((await kv.get(LEASE)).versionstamp, null);
      }),
  );

  await t.step(
    "a session stored in chunks releases in its write too",
    () =>
      withKv(async (kv) => {
        const commits: number[] = [];
        for (const lease of [false, true]) {
          const counted = counting(kv);
          const bot = new Bot<Context & SessionFlavor<Uint8Array>>("0:test", {
            botInfo,
          });
          bot.use(session({
            storage: new DenoKvStorage<Uint8Array>(counted, { lease }),
            initial: () => new Uint8Array(0),
          }));
          bot.on("message", (ctx) => {
            ctx.session = new Uint8Array(200_000).fill(7);
          });
          // Each on a new session: the same write, with and without the lease.
          await bot.handleUpdate(message(lease ? 42 : 43, "big"));
          commits.push(counted.commits);
        }
        // One more commit, to take the lease: its release went into the write.
        assertEquals(commits[1], commits[0]! + 1);
        assertEquals((await kv.get(LEASE)).versionstamp, null);
      }),
  );

  await t.step(
    "gives the lease back when nothing is written",
    () =>
      withKv(async (kv) => {
        const counted = counting(kv);
        const bot = strictBot(new DenoKvStorage(counted, { lease: true }));
        bot.on("message", () => {});
        await bot.handleUpdate(message(42, "read only"));
        assertEquals(counted.commits, 2); // take, release
        assertEquals((await kv.get(LEASE)).versionstamp, null);
      }),
  );

  await t.step(
    "gives the lease back when the handler throws",
    () =>
      withKv(async (kv) => {
        // A long time to live: only a release lets the next update in.
        const storage = new DenoKvStorage<number>(kv, {
          lease: { timeToLive: 60_000 },
        });
        const bot = strictBot(storage);
        bot.on("message", (ctx) => {
          if (ctx.msg.text === "throw") throw new Error("handler failed");
          ctx.session++;
        });
        const failed = await bot.handleUpdate(message(42, "throw")).catch((
          error,
        ) => error);
        assert(failed instanceof BotError);
        const other = strictBot(
          new DenoKvStorage<number>(kv, { lease: { timeToLive: 60_000 } }),
        );
        other.on("message", (ctx) => void ctx.session++);
        await settlesWithin(other.handleUpdate(message(42, "+1")), 10_000);
        assertEquals(await storage.read("42"), 1);
      }),
  );

  await t.step(
    "a lazy session takes the lease only when it is used",
    () =>
      withKv(async (kv) => {
        const counted = counting(kv);
        const bot = new Bot<Context & LazySessionFlavor<number>>("0:test", {
          botInfo,
        });
        bot.use(lazySession({
          storage: new DenoKvStorage<number>(counted, { lease: true }),
          initial: () => 0,
        }));
        bot.hears("+1", async (ctx) => {
          ctx.session = Promise.resolve((await ctx.session) + 1);
        });
        await bot.handleUpdate(message(42, "hello"));
        assertEquals(counted.commits, 0);
        await bot.handleUpdate(message(42, "+1"));
        assertEquals(counted.commits, 2);
        assertEquals((await kv.get(["sessions", "42"])).value, 1);
        assertEquals((await kv.get(LEASE)).versionstamp, null);
      }),
  );

  await t.step(
    "renews during a long handler: the other instance waits",
    () =>
      withKv(async (kv) => {
        const options = { lease: { timeToLive: 400 } };
        const order: string[] = [];
        const slow = strictBot(new DenoKvStorage<number>(kv, options));
        slow.on("message", async (ctx) => {
          order.push("slow starts");
          await new Promise((resolve) => setTimeout(resolve, 1300));
          ctx.session++;
          order.push("slow ends");
        });
        const fast = strictBot(new DenoKvStorage<number>(kv, options));
        fast.on("message", (ctx) => {
          order.push("fast runs");
          ctx.session++;
        });
        const first = slow.handleUpdate(message(42, "+1"));
        while ((await kv.get(LEASE)).versionstamp === null) {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        await settlesWithin(
          Promise.all([first, fast.handleUpdate(message(42, "+1"))]),
          10_000,
        );
        assertEquals(order, ["slow starts", "slow ends", "fast runs"]);
        assertEquals((await kv.get(["sessions", "42"])).value, 2);
      }),
  );

  await t.step(
    "lockTimeout bounds a stuck holder in another instance",
    () =>
      withKv(async (kv) => {
        const options = { lease: { timeToLive: 100 } };
        const stuck = new Bot<Context & SessionFlavor<number>>("0:test", {
          botInfo,
        });
        stuck.use(session({
          storage: new DenoKvStorage<number>(kv, options),
          initial: () => 0,
          lockTimeout: 300,
        }));
        let unstick = () => {};
        stuck.on("message", async (ctx) => {
          ctx.session = 1000;
          await new Promise<void>((resolve) => unstick = resolve);
        });
        const other = new Bot<Context & SessionFlavor<number>>("0:test", {
          botInfo,
        });
        other.use(session({
          storage: new DenoKvStorage<number>(kv, options),
          initial: () => 0,
          lockTimeout: 300,
        }));
        other.on("message", (ctx) => void ctx.session++);
        const first = stuck.handleUpdate(message(42, "stuck")).catch((e) => e);
        while ((await kv.get(LEASE)).versionstamp === null) {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        // The other instance gets the key once the holder's lockTimeout ran
        // out, although the holder is still running.
        await settlesWithin(other.handleUpdate(message(42, "+1")), 10_000);
        assertEquals((await kv.get(["sessions", "42"])).value, 1);
        unstick();
        const error = await first;
        assert(error instanceof BotError);
        assert(
          error.error instanceof SessionLeaseLostError,
          String(error.error),
        );
        assertEquals((await kv.get(["sessions", "42"])).value, 1);
      }),
  );

  await t.step(
    "a write after the lease was lost is refused, nothing stored",
    () =>
      withKv(async (kv) => {
        // Found lost at the write, or already by a renewal before it.
        for (const timeToLive of [10_000, 150]) {
          await kv.set(["sessions", "42"], 7);
          const thief = new DenoKvStorage<number>(kv, { lease: true });
          const bot = strictBot(
            new DenoKvStorage<number>(kv, { lease: { timeToLive } }),
          );
          bot.on("message", async (ctx) => {
            ctx.session = 1000;
            // The lease ran out (as if this process had been paused) and
            // another instance took the key.
            await kv.delete(LEASE);
            const stolen = await thief.acquireLease!("42");
            await stolen.release();
            await thief.acquireLease!("42");
            await new Promise((resolve) => setTimeout(resolve, 200));
          });
          const error = await bot.handleUpdate(message(42, "+1")).catch((
            e,
          ) => e);
          assert(error instanceof BotError);
          assert(
            error.error instanceof SessionLeaseLostError,
            String(error.error),
          );
          assertEquals((await kv.get(["sessions", "42"])).value, 7);
          // The other instance's lease is untouched.
          assert((await kv.get(LEASE)).versionstamp !== null);
          await kv.delete(LEASE);
        }
      }),
  );
  await t.step(
    "multi session parts take the lease with sequential: false too",
    () =>
      withKv(async (kv) => {
        const bot = new Bot<
          Context & SessionFlavor<{ a: number; b: number }>
        >("0:test", { botInfo });
        bot.use(session({
          type: "multi",
          a: {
            storage: new DenoKvStorage<number>(kv, { lease: true }),
            initial: () => 0,
            sequential: false,
          },
          b: {
            storage: new DenoKvStorage<number>(kv, {
              lease: true,
              prefix: ["other"],
            }),
            initial: () => 0,
          },
        }));
        let held: boolean[] = [];
        bot.on("message", async (ctx) => {
          held = [
            (await kv.get(LEASE)).versionstamp !== null,
            (await kv.get(["other", "42", "~lease"])).versionstamp !== null,
          ];
          ctx.session.a++;
          ctx.session.b++;
        });
        await bot.handleUpdate(message(42, "+1"));
        assertEquals(held, [true, true], "both leases held in the handler");
        assertEquals((await kv.get(LEASE)).versionstamp, null);
        assertEquals((await kv.get(["sessions", "42"])).value, 1);
        assertEquals((await kv.get(["other", "42"])).value, 1);
      }),
  );
});
