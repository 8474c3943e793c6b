// One bot process of tests/npm/lease_node.test.mjs, run by Node.js from the
// project that installed the packed tarball: a real grammY bot whose
// sessions are in `DenoKvStorage` with `lease: true`, on the KV file at PATH
// opened with `openKv(path)` from `@deno/kv`. It handles COUNT updates of
// one chat, one after another, each incrementing a counter with an await
// between its read and its write.
//
//   node lease_bot_node.mjs PATH strict|lazy COUNT ID
//
// It prints "ready" once set up, starts when its stdin ends (so that both
// processes run at the same time), and ends with one JSON line:
// `{ ok, errors }`.
import { Bot } from "grammy";
import { lazySession, session } from "@sessionkit/grammy";
import { DenoKvStorage } from "@sessionkit/grammy/kv";

// (Imported when run: `@deno/kv` is a dependency of the test project only.)
const { openKv } = await import("@deno/kv");

const [path, mode, countArg = "10", id = "0"] = process.argv.slice(2);
if (path === undefined || !["strict", "lazy"].includes(mode ?? "")) {
  throw new Error("usage: lease_bot_node.mjs PATH strict|lazy COUNT ID");
}

/** Opens the shared file; two processes opening it at once may be busy. */
async function open() {
  for (let attempt = 0;; attempt++) {
    try {
      return await openKv(path);
    } catch (error) {
      if (!/locked|busy/i.test(String(error)) || attempt >= 40) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 + attempt * 20));
    }
  }
}

const kv = await open();
const storage = new DenoKvStorage(kv, { lease: true });
const bot = new Bot("0:test", {
  botInfo: {
    id: 1,
    is_bot: true,
    first_name: "Counter",
    username: "counter_bot",
  },
});
const initial = () => ({ count: 0 });
const pause = () => new Promise((resolve) => setTimeout(resolve, 3));
if (mode === "strict") {
  bot.use(session({ storage, initial }));
  bot.on("message", async (ctx) => {
    const seen = ctx.session.count;
    await pause();
    ctx.session = { count: seen + 1 };
  });
} else {
  bot.use(lazySession({ storage, initial }));
  bot.on("message", async (ctx) => {
    const seen = (await ctx.session).count;
    await pause();
    ctx.session = { count: seen + 1 };
  });
}
bot.api.config.use(() => Promise.resolve({ ok: true, result: true }));

console.log("ready");
for await (const _ of process.stdin);

const report = { ok: 0, errors: [] };
for (let i = 0; i < Number(countArg); i++) {
  const updateId = Number(id) * 1_000_000 + i;
  try {
    await bot.handleUpdate({
      update_id: updateId,
      message: {
        message_id: updateId,
        date: 0,
        chat: { id: 7, type: "private", first_name: "User" },
        from: { id: 7, is_bot: false, first_name: "User" },
        text: "+1",
      },
    });
    report.ok++;
  } catch (error) {
    report.errors.push(String(error?.error ?? error));
  }
}
kv.close();
console.log(JSON.stringify(report));
