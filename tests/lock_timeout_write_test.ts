// `lockTimeout` is the waiting rule for a stuck handler. An update that runs
// out of it before it writes fails and writes nothing; one that has already
// sent its write keeps its key until the write's outcome is known, so the
// next update starts from what was stored, instead of conflicting with it.
import { BotError, type Context } from "grammy";
import {
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
  return { seen, outcome, run };
}

Deno.test("an update whose write outlasts lockTimeout keeps its key until the write ends", () =>
  withKv(async (kv) => {
    const inner = new DenoKvStorage<Data>(kv);
    const { seen, outcome, run } = counterBot(slowWrites(inner, 300), 0);
    const a = run("A");
    await sleep(1);
    await Promise.all([a, run("B")]);
    assertEquals({ outcome, seen }, {
      outcome: { A: "ok", B: "ok" },
      seen: ["A:0", "B:1"],
    });
    assertEquals(await inner.read("1"), { count: 11 });
  }));

Deno.test("a handler that outlasts lockTimeout still writes nothing", () =>
  withKv(async (kv) => {
    const inner = new DenoKvStorage<Data>(kv);
    const { seen, outcome, run } = counterBot(slowWrites(inner, 0), 300);
    const a = run("A");
    await sleep(1);
    await Promise.all([a, run("B")]);
    assert(outcome.A instanceof SessionLockTimeoutError);
    assertEquals({ B: outcome.B, seen }, { B: "ok", seen: ["A:0", "B:0"] });
    assertEquals(await inner.read("1"), { count: 10 });
  }));

Deno.test("a part of a multi session keeps its key while its write is under way, when another part ran out of time", () =>
  withKv(async (kv) => {
    const events: string[] = [];
    let open!: () => void;
    const gate = new Promise<void>((resolve) => open = resolve);
    const chats = new DenoKvStorage<Data>(kv, { prefix: ["chat"] });
    // The first write of chat 1 waits for the gate; events are chat 1's.
    const slowChats: StorageAdapter<Data> = {
      ...slowWrites(chats, 0),
      compareAndSet: async (key, expected, value) => {
        if (key !== "1") return await chats.compareAndSet(key, expected, value);
        const isFirst = !events.includes("chat write starts");
        events.push("chat write starts");
        if (isFirst) await gate;
        const result = await chats.compareAndSet(key, expected, value);
        events.push("chat write ends");
        return result;
      },
    };
    const users = new DenoKvStorage<Data>(kv, { prefix: ["user"] });
    type C = Context & SessionFlavor<{ chat: Data; user: Data }>;
    const bot = createBot<C>();
    bot.use(session({
      type: "multi",
      chat: {
        storage: slowChats,
        initial: () => ({ count: 0 }),
        lockTimeout: 100,
      },
      user: {
        storage: users,
        initial: () => ({ count: 0 }),
        getSessionKey: (ctx) => ctx.from?.id.toString(),
        lockTimeout: 100,
      },
    }));
    let finishFirst!: () => void;
    const first = new Promise<void>((resolve) => finishFirst = resolve);
    bot.on("message:text", async (ctx) => {
      events.push(`${ctx.message.text} sees ${ctx.session.chat.count}`);
      ctx.session.chat.count++;
      ctx.session.user.count++;
      if (ctx.message.text === "first") await first;
    });
    const errors: Record<string, unknown> = {};
    const run = (chat: number, from: number, text: string) =>
      bot.handleUpdate(message(chat, text, { from })).catch((e) =>
        errors[text] = e instanceof BotError ? e.error : e
      );
    const a = run(1, 1, "first"); // holds chat 1 and user 1
    await sleep(5);
    await run(2, 1, "other"); // takes user 1 from "first" after 100 ms
    const c = run(1, 3, "third"); // waits for chat 1
    await sleep(5);
    finishFirst(); // its chat write starts; its user part fails at once
    await sleep(50);
    open();
    await Promise.all([a, c]);
    assert(errors.first instanceof SessionLockTimeoutError);
    assertEquals(Object.keys(errors), ["first"]);
    assertEquals(events, [
      "first sees 0",
      "other sees 0",
      "chat write starts",
      "chat write ends",
      "third sees 1",
      "chat write starts",
      "chat write ends",
    ]);
    assertEquals(await chats.read("1"), { count: 2 });
  }));
