// `lockTimeout` beyond what one timer can wait (2^31 - 1 ms, about 24.8 days)
// means what it says: a timer given more fires after 1 ms, so every queued
// update evicted the holder at once. Fake timers play the days through a real
// Bot; they overflow long delays just as Deno and Node do.
import { BotError, type Context } from "grammy";
import {
  MemorySessionStorage,
  session,
  type SessionFlavor,
  SessionLockTimeoutError,
} from "../mod.ts";
import { assert, assertEquals, FakeTimers } from "./deps.ts";
import { createBot, message } from "./_helpers.ts";

const DAY = 24 * 60 * 60 * 1000;

/**
 * Three updates of one chat under `lockTimeout`: the first waits for
 * `release()`, each adds 1 to the stored count.
 */
function threeUpdates(lockTimeout: number) {
  const bot = createBot<Context & SessionFlavor<{ count: number }>>();
  const storage = new MemorySessionStorage<{ count: number }>();
  bot.use(session({ storage, initial: () => ({ count: 0 }), lockTimeout }));
  const gate = Promise.withResolvers<void>();
  let first = true;
  bot.on("message", async (ctx) => {
    if (first) {
      first = false;
      await gate.promise;
    }
    ctx.session.count++;
  });
  const outcomes: unknown[] = [undefined, undefined, undefined];
  const done = Promise.all(
    [0, 1, 2].map((i) =>
      bot.handleUpdate(message(1, `u${i}`)).then(
        () => void (outcomes[i] = "ok"),
        (e) => void (outcomes[i] = e instanceof BotError ? e.error : e),
      )
    ),
  );
  return {
    outcomes: (): unknown[] => [...outcomes],
    release: () => gate.resolve(),
    done,
    stored: () => storage.read("1")?.count,
  };
}

function fakeTimers() {
  return FakeTimers.withGlobal(globalThis).install({
    toFake: ["setTimeout", "clearTimeout", "performance", "Date"],
  });
}

Deno.test("lockTimeout beyond the timer's range", async (t) => {
  for (
    const [name, lockTimeout] of [
      ["30 days", 30 * DAY],
      ["2^31 ms", 2 ** 31],
      ["Number.MAX_SAFE_INTEGER", Number.MAX_SAFE_INTEGER],
    ] as const
  ) {
    await t.step(`${name}: queued updates wait for the holder`, async () => {
      const clock = fakeTimers();
      try {
        const run = threeUpdates(lockTimeout);
        await clock.tickAsync(DAY);
        assertEquals(run.outcomes(), [undefined, undefined, undefined]);
        run.release();
        await clock.runAllAsync().catch(() => {});
        await run.done;
        assertEquals(run.outcomes(), ["ok", "ok", "ok"]);
        assertEquals(run.stored(), 3);
      } finally {
        clock.uninstall();
      }
    });
  }

  await t.step(
    "30 days: the holder is evicted after 30 days, not before",
    async () => {
      const clock = fakeTimers();
      try {
        const run = threeUpdates(30 * DAY);
        await clock.tickAsync(30 * DAY - 1);
        assertEquals(run.outcomes(), [undefined, undefined, undefined]);
        await clock.tickAsync(1);
        assertEquals(run.outcomes().slice(1), ["ok", "ok"]);
        run.release();
        await run.done;
        assert(
          run.outcomes()[0] instanceof SessionLockTimeoutError,
          String(run.outcomes()[0]),
        );
        assertEquals(run.stored(), 2);
      } finally {
        clock.uninstall();
      }
    },
  );
});
