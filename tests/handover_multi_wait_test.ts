// A multi session takes its parts' locks in order and reads once it holds
// them all. A part handed a state by the update before it may then wait long
// for another part's lock (held by an update of another chat of the same
// user); by the time it reads, that state is old, and another instance may
// have replaced it. The part must read again, as a fresh update would.
import { BotError } from "grammy";
import type { StorageAdapter } from "../mod.ts";
import { DenoKvStorage } from "../kv.ts";
import { assertEquals } from "./deps.ts";
import { chatAndUserBot, message, withKv } from "./_helpers.ts";
import { sleep, slow } from "./_slow_storage.ts";

/**
 * Updates of user 5 in chats 2, 1, 3 and 1 again; the one in chat 3 keeps
 * the user's key for 300 ms. Meanwhile another instance writes 100 to chat
 * 1. Returns what the handlers saw, the errors, and chat 1's value.
 */
async function waitForOtherPart(kv: Deno.Kv, store: StorageAdapter<number>) {
  const bot = chatAndUserBot(slow(store, 5, 10));
  const seen: string[] = [];
  bot.on("message:text", async (ctx) => {
    seen.push(`${ctx.chat.id}:${ctx.session.chat}`);
    if (ctx.message.text === "slow") return void await sleep(300);
    ctx.session.chat++;
    ctx.session.user++;
  });
  const errors: unknown[] = [];
  const run = (chat: number, text: string) =>
    bot.handleUpdate(message(chat, text, { from: 5 })).catch((e) =>
      errors.push(e instanceof BotError ? e.error : e)
    );
  const updates = [run(2, "+1")];
  await sleep(1);
  updates.push(run(1, "+1")); // holds chat 1, waits for user 5
  await sleep(1);
  updates.push(run(3, "slow")); // next for user 5, then holds it 300 ms
  await sleep(1);
  // Handed chat 1 by the update before it, then waits for user 5.
  updates.push(run(1, "+1"));
  await sleep(150);
  await new DenoKvStorage<number>(kv).write("1", 100); // another instance
  await Promise.all(updates);
  return { seen, errors, stored: await store.read("1") };
}

const expected = {
  seen: ["2:0", "1:0", "3:0", "1:100"],
  errors: [],
  stored: 101,
};

Deno.test("a part handed a state reads again after waiting for another part", () =>
  withKv(async (kv) => {
    const result = await waitForOtherPart(kv, new DenoKvStorage<number>(kv));
    assertEquals(result, expected);
  }));

Deno.test("the same with a store that hands nothing over", () =>
  withKv(async (kv) => {
    const inner = new DenoKvStorage<number>(kv);
    const result = await waitForOtherPart(kv, {
      read: (key) => inner.read(key),
      write: (key, value) => inner.write(key, value),
      delete: (key) => inner.delete(key),
      readWithVersion: (key) => inner.readWithVersion(key),
      compareAndSet: (key, expected, value) =>
        inner.compareAndSet(key, expected, value),
    });
    assertEquals(result, expected);
  }));
