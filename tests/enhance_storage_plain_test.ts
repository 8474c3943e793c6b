// enhanceStorage() over a store without compare-and-set (a plain grammY
// adapter such as @grammyjs/storage-redis): a read never writes. A refresh
// of the expiry, the write-back of migrated data, or the deletion of an
// expired session made on a read would be blind, and would revert or delete
// what another bot sharing the store wrote meanwhile. The expiry is renewed
// by the next real write instead.
import type { Context } from "grammy";
import {
  type Enhance,
  enhanceStorage,
  session,
  type SessionFlavor,
  type StorageAdapter,
} from "../mod.ts";
import { assertEquals, fakeTime } from "./deps.ts";
import { createBot, message } from "./_helpers.ts";

interface Pizza {
  eaten: number;
}

const TTL = 60_000;

/** A plain adapter that keeps JSON text, as Redis does (no shared objects). */
function jsonStorage<T>() {
  const text = new Map<string, string>();
  const storage: StorageAdapter<T> = {
    read: (key) => {
      const value = text.get(key);
      return value === undefined ? undefined : JSON.parse(value);
    },
    write: (key, value) => void text.set(key, JSON.stringify(value)),
    delete: (key) => void text.delete(key),
  };
  return Object.assign(storage, {
    get: (key: string): T | undefined => storage.read(key) as T | undefined,
    set: (key: string, value: T) => storage.write(key, value),
  });
}

/**
 * `shared` as one bot sees it: after the next read returns from the store,
 * `then` runs before the bot gets the value (another bot's update, in
 * flight at the same time).
 */
function hooked<T>(shared: StorageAdapter<T>) {
  let hook: (() => Promise<unknown>) | undefined;
  const calls: string[] = [];
  const storage: StorageAdapter<T> = {
    read: async (key) => {
      calls.push("read");
      const value = await shared.read(key);
      const then = hook;
      hook = undefined;
      if (then !== undefined) await then();
      return value;
    },
    write: (key, value) => (calls.push("write"), shared.write(key, value)),
    delete: (key) => (calls.push("delete"), shared.delete(key)),
  };
  return {
    storage,
    calls,
    after: (then: () => Promise<unknown>) => void (hook = then),
  };
}

/** A pizza bot over `storage`: /pizza eats one, /hunger only reads. */
function pizzaBot(storage: StorageAdapter<Enhance<Pizza>>) {
  const bot = createBot<Context & SessionFlavor<Pizza>>();
  bot.use(session({
    storage: enhanceStorage<Pizza>({ storage, millisecondsToLive: TTL }),
    initial: () => ({ eaten: 0 }),
  }));
  bot.command("pizza", (ctx) => void ctx.session.eaten++);
  bot.command("hunger", (ctx) => ctx.reply(`${ctx.session.eaten} eaten`));
  return bot;
}

Deno.test("enhanceStorage over a plain adapter shared by two bots", async (t) => {
  await t.step(
    "a read-only update never reverts the other bot's increment",
    async () => {
      const clock = fakeTime(0);
      try {
        const shared = jsonStorage<Enhance<Pizza>>();
        const a = hooked(shared);
        const botA = pizzaBot(a.storage);
        const botB = pizzaBot(shared);
        await botB.handleUpdate(message(1, "/pizza"));
        clock.tick(TTL * 0.75); // past refreshRatio (0.5) of the lifetime
        // B eats a pizza while A's /hunger read is in flight.
        a.after(() => botB.handleUpdate(message(1, "/pizza")));
        await botA.handleUpdate(message(1, "/hunger"));
        assertEquals(shared.get("1")?.__d, { eaten: 2 });
        assertEquals(a.calls, ["read"]);
      } finally {
        clock.uninstall();
      }
    },
  );

  await t.step("a read of an expired session deletes nothing", async () => {
    const clock = fakeTime(0);
    try {
      const shared = jsonStorage<Enhance<Pizza>>();
      const a = hooked(shared);
      const botA = pizzaBot(a.storage);
      const botB = pizzaBot(shared);
      await botB.handleUpdate(message(1, "/pizza"));
      clock.tick(TTL + 1); // expired
      a.after(() => botB.handleUpdate(message(1, "/pizza")));
      await botA.handleUpdate(message(1, "/hunger"));
      // B started afresh from the expired session; A deleted nothing.
      assertEquals(shared.get("1")?.__d, { eaten: 1 });
      assertEquals(a.calls, ["read"]);
    } finally {
      clock.uninstall();
    }
  });

  await t.step("the next real write renews the expiry", async () => {
    const clock = fakeTime(0);
    try {
      const shared = jsonStorage<Enhance<Pizza>>();
      const bot = pizzaBot(shared);
      await bot.handleUpdate(message(1, "/pizza"));
      clock.tick(TTL * 0.75);
      await bot.handleUpdate(message(1, "/hunger"));
      assertEquals(shared.get("1")?.e, TTL); // a read renews nothing
      await bot.handleUpdate(message(1, "/pizza"));
      assertEquals(shared.get("1"), {
        __d: { eaten: 2 },
        e: TTL * 1.75,
      });
    } finally {
      clock.uninstall();
    }
  });

  await t.step("migrated data is not written back on a read", async () => {
    const shared = jsonStorage<Enhance<Pizza>>();
    shared.set("1", { __d: { eaten: 5 } }); // before the migration
    const a = hooked(shared);
    let migrated = 0;
    const storage = enhanceStorage<Pizza>({
      storage: a.storage,
      migrations: { 1: (old: Pizza) => (migrated++, { eaten: old.eaten }) },
    });
    assertEquals(await storage.read("1"), { eaten: 5 });
    assertEquals(await storage.read("1"), { eaten: 5 });
    assertEquals(a.calls, ["read", "read"]);
    assertEquals(migrated, 2); // as grammY: each read migrates
    await storage.write("1", { eaten: 6 });
    assertEquals(shared.get("1"), { __d: { eaten: 6 }, v: 1 });
  });
});
