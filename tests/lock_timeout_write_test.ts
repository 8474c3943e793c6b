// `lockTimeout` is the waiting rule for a stuck handler. An update that runs
// out of it before it writes fails and writes nothing; one that has already
// sent its write keeps its key until the write's outcome is known, so the
// next update starts from what was stored, instead of conflicting with it.
import { BotError, type Context } from "grammy";
import {
  MemorySessionStorage,
  session,
  type SessionFlavor,
  SessionLockTimeoutError,
  type StorageAdapter,
} from "../mod.ts";
import { DenoKvStorage } from "../kv.ts";
import { assert, assertEquals } from "./deps.ts";
import { createBot, message, withKv } from "./_helpers.ts";
import { sleep } from "./_slow_storage.ts";

interface Data {
  count: number;
}

/** `inner` whose writes reach the database only after `ms`. */
function slowWrites(
  inner: DenoKvStorage<Data>,
  ms: number,
): StorageAdapter<Data> {
  const late = async <T>(write: () => Promise<T>) => (await sleep(ms), write());
  return {
    read: (key) => inner.read(key),
    write: (key, value) => late(() => inner.write(key, value)),
    delete: (key) => late(() => inner.delete(key)),
    readWithVersion: (key) => inner.readWithVersion(key),
    compareAndSet: (key, expected, value) =>
      late(() => inner.compareAndSet(key, expected, value)),
  };
}

/** A bot whose "A" adds 1 and "B" adds 10, after `work` ms of handler. */
function counterBot(storage: StorageAdapter<Data>, work: number) {
  const bot = createBot<Context & SessionFlavor<Data>>();
  bot.use(
    session({ storage, initial: () => ({ count: 0 }), lockTimeout: 100 }),
  );
  const seen: string[] = [];
  bot.on("message:text", async (ctx) => {
    seen.push(`${ctx.message.text}:${ctx.session.count}`);
    if (ctx.message.text === "A") await sleep(work);
    ctx.session.count += ctx.message.text === "A" ? 1 : 10;
  });
  const outcome: Record<string, unknown> = {};
  const run = (text: string) =>
    bot.handleUpdate(message(1, text)).then(
      () => void (outcome[text] = "ok"),
      (e) => void (outcome[text] = e instanceof BotError ? e.error : e),
    );
  // "A", then "B" queued behind it.
  const aThenB = async () => {
    const a = run("A");
    await sleep(1);
    await Promise.all([a, run("B")]);
  };
  return { seen, outcome, aThenB };
}

Deno.test("an update whose write outlasts lockTimeout keeps its key until the write ends", () =>
  withKv(async (kv) => {
    const inner = new DenoKvStorage<Data>(kv);
    const { seen, outcome, aThenB } = counterBot(slowWrites(inner, 300), 0);
    await aThenB();
    assertEquals({ outcome, seen }, {
      outcome: { A: "ok", B: "ok" },
      seen: ["A:0", "B:1"],
    });
    assertEquals(await inner.read("1"), { count: 11 });
  }));

Deno.test("a handler that outlasts lockTimeout still writes nothing", () =>
  withKv(async (kv) => {
    const inner = new DenoKvStorage<Data>(kv);
    const { seen, outcome, aThenB } = counterBot(slowWrites(inner, 0), 300);
    await aThenB();
    assert(outcome.A instanceof SessionLockTimeoutError);
    assertEquals({ B: outcome.B, seen }, { B: "ok", seen: ["A:0", "B:0"] });
    assertEquals(await inner.read("1"), { count: 10 });
  }));

Deno.test("a multi session whose part ran out of lockTimeout writes no part", async () => {
  const users = new MemorySessionStorage<Data>();
  const chats = new MemorySessionStorage<Data>();
  type C = Context & SessionFlavor<{ user: Data; chat: Data }>;
  const bot = createBot<C>();
  bot.use(session({
    type: "multi",
    // `user` comes first: it fails before `chat` would start its write.
    user: {
      storage: users,
      initial: () => ({ count: 0 }),
      getSessionKey: (ctx) => ctx.from?.id.toString(),
      lockTimeout: 50,
    },
    chat: { storage: chats, initial: () => ({ count: 0 }), lockTimeout: 50 },
  }));
  let open!: () => void;
  const gate = new Promise<void>((resolve) => open = resolve);
  bot.on("message:text", async (ctx) => {
    ctx.session.user.count++;
    ctx.session.chat.count++;
    if (ctx.message.text === "slow") await gate;
  });
  const errors: Record<string, unknown> = {};
  const run = (chat: number, from: number, text: string) =>
    bot.handleUpdate(message(chat, text, { from })).catch((e) =>
      errors[text] = e instanceof BotError ? e.error : e
    );
  const slow = run(1, 7, "slow"); // holds user 7 and chat 1
  await sleep(5);
  await run(2, 7, "other"); // takes user 7 after 50 ms
  open();
  await slow;
  assert(errors.slow instanceof SessionLockTimeoutError);
  assertEquals(await users.read("7"), { count: 1 }); // "other" alone
  assertEquals(await chats.read("1"), undefined);
});
