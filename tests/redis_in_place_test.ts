// Switching a bot from grammY's session() + @grammyjs/storage-redis to this
// module's session() + RedisStorage on the same Redis, in place: its data
// is read as it is (enhanceStorage envelopes too), what we write stays
// readable by storage-redis, an old bot writing during one of our updates
// makes that update fail with a conflict, and listing skips foreign keys.
import { RedisAdapter } from "@grammyjs/storage-redis";
import {
  BotError,
  type Context,
  enhanceStorage as grammyEnhance,
  session as grammySession,
  type SessionFlavor,
} from "grammy";
import {
  enhanceStorage,
  session,
  SessionConflictError,
  type StorageAdapter,
} from "../mod.ts";
import { RedisStorage } from "../redis.ts";
import { assert, assertEquals, assertStrictEquals } from "./deps.ts";
import { createBot, message } from "./_helpers.ts";
import { withRedis } from "./_redis_clients.ts";

type Data = { count: number; note?: string };
type Ctx = Context & SessionFlavor<Data>;

/** A counting bot with grammY's own session() over `storage`. */
function grammyBot(storage: StorageAdapter<Data>) {
  const bot = createBot<Ctx>();
  bot.use(grammySession({ initial: () => ({ count: 0 }), storage }));
  bot.on("message", (ctx) => void ctx.session.count++);
  return bot;
}

/** The same bot with this module's session(). */
function ourBot(storage: StorageAdapter<Data>) {
  const bot = createBot<Ctx>();
  bot.use(session({ initial: () => ({ count: 0 }), storage }));
  bot.on("message", (ctx) => void ctx.session.count++);
  return bot;
}

Deno.test("Redis in place: storage-redis data is read as it is, and ours stays readable by it", async () => {
  await withRedis(async (client) => {
    const old = new RedisAdapter<Data>({ instance: client });
    await grammyBot(old).handleUpdate(message(42, "hi"));
    await grammyBot(old).handleUpdate(message(42, "hi"));
    assertStrictEquals(await client.get("42"), '{"count":2}');

    await ourBot(new RedisStorage(client)).handleUpdate(message(42, "hi"));
    // Still plain JSON, as redis-cli GET shows it.
    assertStrictEquals(await client.get("42"), '{"count":3}');
    // Rolling back: the old bot reads what we wrote.
    await grammyBot(old).handleUpdate(message(42, "hi"));
    assertEquals(await old.read("42"), { count: 4 });
    await ourBot(new RedisStorage(client)).handleUpdate(message(42, "hi"));
    assertStrictEquals(await client.get("42"), '{"count":5}');
  });
});

Deno.test("Redis in place: grammY enhanceStorage envelopes are read through our enhanceStorage", async () => {
  await withRedis(async (client) => {
    const old = grammyEnhance<Data>({
      storage: new RedisAdapter({ instance: client }),
      millisecondsToLive: 60_000,
    });
    await grammyBot(old).handleUpdate(message(7, "hi"));
    const envelope = JSON.parse((await client.get("7"))!);
    assertEquals(envelope.__d, { count: 1 });
    const ours = enhanceStorage<Data>({
      storage: new RedisStorage(client),
      millisecondsToLive: 60_000,
    });
    await ourBot(ours).handleUpdate(message(7, "hi"));
    const after = JSON.parse((await client.get("7"))!);
    assertEquals(after.__d, { count: 2 });
    await grammyBot(old).handleUpdate(message(7, "hi"));
    assertEquals(JSON.parse((await client.get("7"))!).__d, { count: 3 });
  });
});

Deno.test("Redis in place: an old storage-redis bot writing during our update makes it fail with a conflict", async () => {
  await withRedis(async (client) => {
    const old = new RedisAdapter<Data>({ instance: client });
    await old.write("5", { count: 10 });
    const bot = createBot<Ctx>();
    bot.use(session({
      initial: () => ({ count: 0 }),
      storage: new RedisStorage<Data>(client),
    }));
    let step = 0;
    bot.on("message", async (ctx) => {
      ctx.session.count++;
      // The old bot handles an update of the same chat meanwhile; the
      // second time it writes back exactly what we read (A -> B -> A).
      if (step++ === 0) await old.write("5", { count: 20 });
      else {
        await old.write("5", { count: 99 });
        await old.write("5", { count: 10 });
      }
    });
    for (let i = 0; i < 2; i++) {
      let failure: unknown;
      try {
        await bot.handleUpdate(message(5, "hi"));
      } catch (error) {
        failure = error instanceof BotError ? error.error : error;
      }
      if (i === 0) {
        assert(failure instanceof SessionConflictError, String(failure));
        assertEquals(await old.read("5"), { count: 20 });
        await old.write("5", { count: 10 });
      } else {
        // Content equal to what was read: nothing of the old bot's is lost
        // by writing on top of it (its last write is the state we read).
        assertStrictEquals(failure, undefined);
        assertEquals(await old.read("5"), { count: 11 });
      }
    }
  });
});

Deno.test("Redis in place: listing with the empty prefix skips companions, other types and non-sessions", async () => {
  await withRedis(async (client) => {
    const storage = new RedisStorage<unknown>(client);
    await storage.write("1", { a: 1 });
    await storage.write("{tagged}2", new Date(2));
    await client.set("3", '"legacy"');
    await client.hset("hash", "f", "v");
    await client.rpush("list", "x");
    await client.set("cache:html", "<html>");
    const entries = await Array.fromAsync(storage.readAllEntries());
    entries.sort(([a], [b]) => a < b ? -1 : 1);
    assertEquals(entries, [
      ["1", { a: 1 }],
      ["3", "legacy"],
      ["{tagged}2", new Date(2)],
    ]);
    const scoped = new RedisStorage<unknown>(client, { prefix: "{tagged}" });
    assertEquals(await Array.fromAsync(scoped.readAllKeys()), ["2"]);
    for (let i = 0; i < 450; i++) await client.set(`bulk:${i}`, String(i));
    const bulk = new RedisStorage<number>(client, { prefix: "bulk:" });
    const keys = await Array.fromAsync(bulk.readAllKeys());
    assertStrictEquals(keys.length, 450);
    assertStrictEquals(new Set(keys).size, 450);
  });
});
