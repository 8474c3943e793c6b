// A queued update of a chat starts from the state the update before it left
// (what it wrote, or read and left unchanged) instead of reading it again:
// when that state is no older than the storage call that produced it took,
// on a storage with compare-and-set, without a lease. The commit still
// decides every outcome. Real bots over DenoKvStorage (`:memory:`), with a
// storage wrapper that adds latency and counts reads.
import type { Context } from "grammy";
import {
  type Enhance,
  enhanceStorage,
  lazySession,
  type LazySessionFlavor,
  session,
  SessionConflictError,
  type SessionFlavor,
  type StorageAdapter,
  type Version,
} from "../mod.ts";
import { DenoKvStorage } from "../kv.ts";
import { assert, assertEquals } from "./deps.ts";
import { chatAndUserBot, createBot, message, withKv } from "./_helpers.ts";
import { sleep, slow } from "./_slow_storage.ts";

interface Data {
  count: number;
  blob?: Uint8Array;
}

type Strict = Context & SessionFlavor<Data>;

/** A bot with a strict session over `storage`, and no handler yet. */
function sessionBot(storage: StorageAdapter<Data>) {
  const bot = createBot<Strict>();
  bot.use(session({ storage, initial: () => ({ count: 0 }) }));
  return bot;
}

/** A strict bot: "+1" increments, anything else only looks. */
function strictBot(storage: StorageAdapter<Data>, seen: number[]) {
  const bot = sessionBot(storage);
  bot.on("message:text", (ctx) => {
    seen.push(ctx.session.count);
    if (ctx.message.text === "+1") ctx.session.count++;
  });
  return bot;
}

Deno.test("a queued update is handed the state before it", async (t) => {
  await t.step(
    "after a write: one read for two updates",
    () =>
      withKv(async (kv) => {
        const storage = slow(new DenoKvStorage<Data>(kv), 10, 20);
        const seen: number[] = [];
        const bot = strictBot(storage, seen);
        await Promise.all([
          bot.handleUpdate(message(1, "+1")),
          bot.handleUpdate(message(1, "+1")),
        ]);
        assertEquals(seen, [0, 1]);
        assertEquals(storage.reads, 1);
        assertEquals((await kv.get(["sessions", "1"])).value, { count: 2 });
      }),
  );

  await t.step("after a read that changed nothing", () =>
    withKv(async (kv) => {
      const storage = slow(new DenoKvStorage<Data>(kv), 20, 20);
      const seen: number[] = [];
      const bot = strictBot(storage, seen);
      await bot.handleUpdate(message(1, "+1"));
      await Promise.all([
        bot.handleUpdate(message(1, "look")),
        bot.handleUpdate(message(1, "+1")),
        bot.handleUpdate(message(1, "look")),
      ]);
      assertEquals(seen, [0, 1, 1, 2]);
      assertEquals(storage.reads, 2);
      assertEquals((await kv.get(["sessions", "1"])).value, { count: 2 });
    }));

  await t.step("lazy sessions too", () =>
    withKv(async (kv) => {
      const storage = slow(new DenoKvStorage<Data>(kv), 10, 20);
      const bot = createBot<Context & LazySessionFlavor<Data>>();
      bot.use(lazySession({ storage, initial: () => ({ count: 0 }) }));
      const seen: number[] = [];
      bot.on("message:text", async (ctx) => {
        const session = await ctx.session;
        seen.push(session.count);
        if (ctx.message.text === "+1") session.count++;
      });
      await Promise.all([
        bot.handleUpdate(message(1, "+1")),
        bot.handleUpdate(message(1, "+1")),
        bot.handleUpdate(message(1, "look")),
      ]);
      assertEquals(seen, [0, 1, 2]);
      assertEquals(storage.reads, 1);
    }));

  await t.step("after a delete", () =>
    withKv(async (kv) => {
      for (
        const inner of [
          new DenoKvStorage<Data>(kv, { prefix: ["plain"] }),
          enhanceStorage<Data>({
            storage: new DenoKvStorage<Enhance<Data>>(kv, {
              prefix: ["enhanced"],
            }),
          }),
        ]
      ) {
        const storage = slow(inner, 10, 20);
        const bot = sessionBot(storage);
        const seen: number[] = [];
        bot.on("message:text", (ctx) => {
          seen.push(ctx.session.count);
          if (ctx.message.text === "/reset") ctx.session = undefined!;
          else ctx.session.count++;
        });
        await bot.handleUpdate(message(1, "+1"));
        await Promise.all([
          bot.handleUpdate(message(1, "/reset")),
          bot.handleUpdate(message(1, "+1")),
        ]);
        assertEquals(seen, [0, 1, 0]);
        assertEquals(storage.reads, 2);
        assertEquals((await storage.read("1"))?.count, 1);
      }
    }));

  await t.step("each part of a multi session", () =>
    withKv(async (kv) => {
      const storage = slow(new DenoKvStorage<number>(kv), 10, 20);
      const bot = chatAndUserBot(storage);
      bot.on("message:text", (ctx) => {
        ctx.session.chat++;
        ctx.session.user++;
      });
      await Promise.all(
        [1, 2, 3].map(() => bot.handleUpdate(message(1, "+1"))),
      );
      // The first update reads both parts; the others are handed the chat
      // part. They wait for the user part only once they hold the chat part
      // (locks are taken in order), after the write before was made, which
      // then had no update waiting to copy it for: they read it.
      assertEquals(storage.reads, 4);
      assertEquals(await storage.read("1"), 3);
      assertEquals(await storage.read("user-1"), 3);
    }));

  await t.step(
    "a session in chunks, and through enhanceStorage",
    () =>
      withKv(async (kv) => {
        const storage = slow(
          enhanceStorage<Data>({
            storage: new DenoKvStorage<Enhance<Data>>(kv),
            millisecondsToLive: 60_000,
          }),
          10,
          20,
        );
        const seen: number[] = [];
        const bot = sessionBot(storage);
        bot.on("message:text", (ctx) => {
          seen.push(ctx.session.count);
          ctx.session.count++;
          ctx.session.blob = new Uint8Array(200_000).fill(ctx.session.count);
        });
        // No conflict: the version handed over is the one a read would give.
        await Promise.all(
          [1, 2, 3].map(() => bot.handleUpdate(message(1, "+1"))),
        );
        assertEquals(seen, [0, 1, 2]);
        assertEquals(storage.reads, 1);
        const stored = await storage.read("1");
        assertEquals(stored?.count, 3);
        assertEquals(stored?.blob?.[199_999], 3);
      }),
  );

  await t.step(
    "from inline to chunks and back, with timeToLive",
    () =>
      withKv(async (kv) => {
        const inner = new DenoKvStorage<Data>(kv, { timeToLive: 60_000 });
        const storage = slow(inner, 10, 20);
        const seen: number[] = [];
        const bot = sessionBot(storage);
        bot.on("message:text", (ctx) => {
          seen.push(ctx.session.count);
          const count = ++ctx.session.count;
          if (count === 2) ctx.session.blob = new Uint8Array(100_000);
          if (count === 3) delete ctx.session.blob;
        });
        // Every version handed over is the one a read would give: no conflict.
        await Promise.all(
          [1, 2, 3, 4].map(() => bot.handleUpdate(message(1, "+1"))),
        );
        assertEquals(seen, [0, 1, 2, 3]);
        assertEquals(storage.reads, 1);
        assertEquals(await inner.read("1"), { count: 4 });
        assertEquals((await inner.readInfo("1"))?.chunks, 0);
      }),
  );
});

Deno.test("what is handed over is what was stored", async (t) => {
  await t.step(
    "not a change made after the handler returned",
    () =>
      withKv(async (kv) => {
        const storage = slow(new DenoKvStorage<Data>(kv), 10, 30);
        const bot = sessionBot(storage);
        const seen: number[] = [];
        let late: Promise<void> | undefined;
        bot.on("message:text", (ctx) => {
          seen.push(ctx.session.count);
          const session = ctx.session;
          session.count++;
          // Background work: changes the object while the write commits.
          late ??= sleep(5).then(() => void (session.count = 999));
        });
        await Promise.all([
          bot.handleUpdate(message(1, "+1")),
          bot.handleUpdate(message(1, "+1")),
        ]);
        await late;
        assertEquals(seen, [0, 1]);
        assertEquals((await kv.get(["sessions", "1"])).value, { count: 2 });
      }),
  );

  await t.step(
    "not a change made after the handler returned, to a session it left alone",
    () =>
      withKv(async (kv) => {
        const storage = slow(new DenoKvStorage<Data>(kv), 10, 30);
        const bot = sessionBot(storage);
        const seen: number[] = [];
        let late: Promise<void> | undefined;
        bot.on("message:text", async (ctx) => {
          if (ctx.message.text === "later") {
            // Background work that looks at the session only after the
            // handler returned, and changes it.
            late = sleep(1).then(() => void (ctx.session.count = 999));
            return;
          }
          await sleep(10);
          seen.push(ctx.session.count);
          ctx.session.count++;
        });
        await bot.handleUpdate(message(1, "+1"));
        await Promise.all([
          bot.handleUpdate(message(1, "later")),
          bot.handleUpdate(message(1, "+1")),
        ]);
        await late;
        assertEquals(seen, [0, 1]);
        assertEquals(storage.reads, 2);
        assertEquals((await kv.get(["sessions", "1"])).value, { count: 2 });
      }),
  );

  await t.step(
    "a failed write hands nothing over: the next one reads",
    () =>
      withKv(async (kv) => {
        const { seen, errors, reads } = await racedByAnother(kv, 1);
        assertEquals(errors.length, 1);
        assert(errors[0] instanceof SessionConflictError);
        assertEquals(seen, [0, 100]);
        assertEquals(reads, 2);
        assertEquals((await kv.get(["sessions", "1"])).value, { count: 101 });
      }),
  );

  await t.step(
    "a state another instance replaced is refused by the commit",
    () =>
      withKv(async (kv) => {
        const { seen, errors } = await racedByAnother(kv, 2);
        assertEquals(seen, [0, 1]);
        assertEquals(errors.length, 1);
        assert(errors[0] instanceof SessionConflictError);
        // The other instance's value stands.
        assertEquals((await kv.get(["sessions", "1"])).value, { count: 100 });
      }),
  );
});

/**
 * Two "+1" updates of chat 1 in flight on a bot over `kv`, while another
 * instance writes `{ count: 100 }` in the handler of update `during`: what
 * the handlers saw, the errors, and the reads.
 */
async function racedByAnother(kv: Deno.Kv, during: number) {
  const other = new DenoKvStorage<Data>(kv);
  const storage = slow(new DenoKvStorage<Data>(kv), 10, 20);
  const bot = sessionBot(storage);
  const seen: number[] = [];
  bot.on("message:text", async (ctx) => {
    seen.push(ctx.session.count);
    if (seen.length === during) await other.write("1", { count: 100 });
    ctx.session.count++;
  });
  const errors: unknown[] = [];
  await Promise.all(
    [1, 2].map(() =>
      bot.handleUpdate(message(1, "+1")).catch((e) => errors.push(e.error))
    ),
  );
  return { seen, errors, reads: storage.reads };
}

Deno.test("when a queued update reads after all", async (t) => {
  await t.step(
    "the state is older than the read that produced it took",
    () =>
      withKv(async (kv) => {
        const storage = slow(new DenoKvStorage<Data>(kv), 1, 1);
        const bot = sessionBot(storage);
        bot.on("message:text", async (ctx) => {
          void ctx.session.count;
          await sleep(250); // much longer than the read
        });
        await Promise.all([1, 2].map(() => bot.handleUpdate(message(1, "x"))));
        assertEquals(storage.reads, 2);
      }),
  );

  for (
    const [name, make] of [
      [
        "a storage with a lease",
        (kv: Deno.Kv) => new DenoKvStorage<Data>(kv, { lease: true }),
      ],
      [
        "a storage with compare-and-set that remembers no versions",
        (kv: Deno.Kv) => {
          const inner = new DenoKvStorage<Data>(kv);
          return {
            read: (key: string) => inner.read(key),
            write: (key: string, value: Data) => inner.write(key, value),
            delete: (key: string) => inner.delete(key),
            readWithVersion: (key: string) => inner.readWithVersion(key),
            compareAndSet: (key: string, expected: Version, value?: Data) =>
              inner.compareAndSet(key, expected, value),
          };
        },
      ],
      [
        "a storage without compare-and-set",
        (kv: Deno.Kv) => {
          const inner = new DenoKvStorage<Data>(kv);
          return {
            read: (key: string) => inner.read(key),
            write: (key: string, value: Data) => inner.write(key, value),
            delete: (key: string) => inner.delete(key),
          };
        },
      ],
    ] as const
  ) {
    await t.step(name, () =>
      withKv(async (kv) => {
        const storage = slow<Data>(make(kv), 10, 20);
        const seen: number[] = [];
        const bot = strictBot(storage, seen);
        await Promise.all([1, 2].map(() => bot.handleUpdate(message(1, "+1"))));
        assertEquals(seen, [0, 1]);
        assertEquals(storage.reads, 2);
      }));
  }
});
