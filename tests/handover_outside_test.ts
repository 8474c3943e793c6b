// A queued update is handed the state the update before it left only if
// nothing else changed the session through the same store meanwhile: a
// handler that deletes, writes or moves its own session key through the
// storage (not through `ctx.session`) is seen by the next update, however
// slow the read was and however fast that write.
import type { Context } from "grammy";
import {
  type Enhance,
  enhanceStorage,
  moveSession,
  session,
  type SessionFlavor,
  type StorageAdapter,
} from "../mod.ts";
import { DenoKvStorage } from "../kv.ts";
import { assertEquals } from "./deps.ts";
import { createBot, message, withKv } from "./_helpers.ts";
import { slow } from "./_slow_storage.ts";

interface Data {
  count: number;
}

type Strict = Context & SessionFlavor<Data>;

/**
 * A bot whose session reads take 30 ms and whose "+1" increments; `other`
 * runs in the handler of any other text, after the session was looked at.
 */
function botOver(
  store: StorageAdapter<Data>,
  other: (ctx: Strict) => unknown,
) {
  const storage = slow(store, 30, 0);
  const bot = createBot<Strict>();
  bot.use(session({ storage, initial: () => ({ count: 0 }) }));
  const seen: number[] = [];
  bot.on("message:text", async (ctx) => {
    seen.push(ctx.session.count);
    if (ctx.message.text === "+1") ctx.session.count++;
    else if (ctx.message.text !== "look") await other(ctx);
  });
  return { bot, seen, storage };
}

/** "+1" alone, then `text` with "look" queued behind it. */
async function run(bot: ReturnType<typeof botOver>["bot"], text: string) {
  await bot.handleUpdate(message(1, "+1"));
  await Promise.all([
    bot.handleUpdate(message(1, text)),
    bot.handleUpdate(message(1, "look")),
  ]);
}

Deno.test("a write made outside the session is seen by the next update", async (t) => {
  await t.step("a delete through the store", () =>
    withKv(async (kv) => {
      const store = new DenoKvStorage<Data>(kv);
      const { bot, seen } = botOver(store, () => store.delete("1"));
      await run(bot, "wipe");
      assertEquals(seen, [0, 1, 0]);
      assertEquals(await store.read("1"), undefined);
    }));

  await t.step("a write through the store", () =>
    withKv(async (kv) => {
      const store = new DenoKvStorage<Data>(kv);
      const { bot, seen } = botOver(
        store,
        () => store.write("1", { count: 50 }),
      );
      await run(bot, "set");
      assertEquals(seen, [0, 1, 50]);
      assertEquals(await store.read("1"), { count: 50 });
    }));

  await t.step(
    "moveSession() of the update's own key",
    () =>
      withKv(async (kv) => {
        const store = new DenoKvStorage<Data>(kv);
        const { bot, seen } = botOver(
          store,
          (ctx) => moveSession(store, "1", "2", { ctx }),
        );
        await run(bot, "move");
        assertEquals(seen, [0, 1, 0]);
        assertEquals(await store.read("1"), undefined);
        assertEquals(await store.read("2"), { count: 1 });
      }),
  );

  await t.step(
    "a delete through enhanceStorage around the store",
    () =>
      withKv(async (kv) => {
        const store = new DenoKvStorage<Enhance<Data>>(kv);
        const enhanced = enhanceStorage<Data>({ storage: store });
        const { bot, seen } = botOver(enhanced, () => enhanced.delete("1"));
        await run(bot, "wipe");
        assertEquals(seen, [0, 1, 0]);
      }),
  );
});

Deno.test("without such a write, the next update still skips its read", () =>
  withKv(async (kv) => {
    const store = new DenoKvStorage<Data>(kv);
    // A write to another key through the same store changes nothing here.
    const { bot, seen, storage } = botOver(
      store,
      () => store.write("9", { count: 9 }),
    );
    await run(bot, "other");
    assertEquals(seen, [0, 1, 1]);
    assertEquals(storage.reads, 2);
  }));
