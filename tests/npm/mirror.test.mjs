// The npm mirror as a Node.js user meets it: packed with `npm pack` and
// installed from the tarball into a Node project beside `grammy` and
// `@deno/kv` (tests/npm/prepare.mjs does that, in a cached project). This
// file checks the package's shape and the KV store on `@deno/kv`; the pizza
// bot on each runtime is in runtimes.test.mjs, the types in types.test.mjs.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { denoJson, name, project, run } from "./_project.mjs";

/** The modules as the project resolves them. */
let mods;

before(async () => {
  // Imported from inside the project, so that Node resolves every bare
  // specifier in the project's node_modules, as it would for a user.
  const entry = join(project, "mirror_entry.mjs");
  writeFileSync(
    entry,
    [
      `export * as grammy from "grammy";`,
      `export * as denoKv from "@deno/kv";`,
      `export * as core from "${name}";`,
      `export * as kv from "${name}/kv";`,
    ].join("\n"),
  );
  mods = await import(pathToFileURL(entry).href);
});

test("the installed package.json is the generated one", () => {
  const pkg = JSON.parse(
    readFileSync(join(project, "node_modules", name, "package.json"), "utf8"),
  );
  assert.equal(pkg.name, name);
  assert.equal(pkg.version, denoJson.version);
  assert.equal(pkg.type, "module");
  // Only what was tested: Node 20.
  assert.deepEqual(pkg.engines, { node: ">=20" });
  assert.equal(pkg.dependencies, undefined, "no runtime dependencies");
  assert.equal(pkg.peerDependenciesMeta["@deno/kv"].optional, true);
  // The session tools (./cli) run on Deno only and are left out of the
  // mirror (DENO_ONLY_EXPORTS in scripts/build_npm.ts).
  assert.equal(pkg.exports["./cli"], undefined);
  const mirrored = Object.keys(denoJson.exports).filter((s) => s !== "./cli");
  for (const subpath of mirrored) {
    const conditions = pkg.exports[subpath];
    assert.ok(conditions.import.types.endsWith(".d.ts"), subpath);
    assert.ok(conditions.require.types.endsWith(".d.ts"), subpath);
    assert.ok(conditions.require.default.endsWith(".js"), subpath);
  }
});

test("the main entry point loads none of the KV store; ./kv does", () => {
  // What `require()` loads, listed by a fresh Node process.
  const loaded = (specifier) =>
    JSON.parse(run(process.execPath, [
      "-e",
      `require(${JSON.stringify(specifier)});` +
      "console.log(JSON.stringify(Object.keys(require.cache)))",
    ], project)).filter((file) => file.includes(`${name}/`))
      // Inside the package only: the project's own path may contain "kv".
      .map((file) => file.slice(file.indexOf(`${name}/`)));
  const main = loaded(name);
  assert.ok(main.length > 5, main.join("\n"));
  assert.deepEqual(main.filter((file) => /kv/i.test(file)), []);
  assert.ok(loaded(`${name}/kv`).some((file) => /src\/.*kv/i.test(file)));
  assert.equal(typeof mods.core.DenoKvStorage, "undefined");
  assert.equal(typeof mods.kv.DenoKvStorage, "function");
});

test("session() on Deno KV through @deno/kv counts and persists", async () => {
  const { session } = mods.core;
  const { DenoKvStorage } = mods.kv;
  const kv = await mods.denoKv.openKv(":memory:");
  try {
    const storage = new DenoKvStorage(kv);
    const { bot, replies } = pizzaBot((bot) =>
      bot.use(session({ initial: () => ({ pizzaCount: 0 }), storage }))
    );
    await feedPizzas(bot);
    assert.deepEqual(replies.map((r) => r.text), [
      "Your hunger level is 3!",
      "Your hunger level is 1!",
      "Your hunger level is 0!",
    ]);
    // A second bot on the same database sees what the first one stored.
    const second = pizzaBot((bot) =>
      bot.use(session({
        initial: () => ({ pizzaCount: 0 }),
        storage: new DenoKvStorage(kv),
      }))
    );
    await second.bot.handleUpdate(message(1, "🍕"));
    await second.bot.handleUpdate(command(1, "hunger"));
    assert.deepEqual(second.replies, [
      { chat: 1, text: "Your hunger level is 4!" },
    ]);
    assert.equal((await storage.read("1"))?.pizzaCount, 4);
    // Past KV's 64 KiB value limit: the store splits it on Node as on Deno.
    const big = { pizzaCount: 1, notes: "🍕".repeat(100_000) };
    await storage.write("big", big);
    assert.deepEqual(await storage.read("big"), big);
  } finally {
    kv.close();
  }
});

test("DenoKvStorage on @deno/kv: legacy data, conflicts, bad values", async () => {
  const { SessionValueError, SessionConflictError, session } = mods.core;
  const { DenoKvStorage } = mods.kv;
  const kv = await mods.denoKv.openKv(":memory:");
  try {
    // Written raw by @grammyjs/storage-denokv: read in place, then updated.
    await kv.set(["sessions", "7"], { pizzaCount: 5 });
    const storage = new DenoKvStorage(kv);
    assert.deepEqual(await storage.read("7"), { pizzaCount: 5 });

    // Compare-and-set: a write based on a stale read is refused.
    const { version } = await storage.readWithVersion("7");
    await storage.write("7", { pizzaCount: 6 });
    const stale = await storage.compareAndSet("7", version, { pizzaCount: 99 });
    assert.equal(stale.ok, false);
    assert.deepEqual(await storage.read("7"), { pizzaCount: 6 });

    // The same through the middleware: the conflict reaches the caller.
    const { bot } = pizzaBot((bot) =>
      bot.use(session({ storage, sequential: false }))
    );
    bot.on("message", async (ctx) => {
      ctx.session.pizzaCount++;
      await kv.set(["sessions", "7"], { pizzaCount: 50 }); // another process
    });
    await assert.rejects(
      bot.handleUpdate(message(7, "hi")),
      (error) => error.error instanceof SessionConflictError,
    );
    assert.deepEqual(await storage.read("7"), { pizzaCount: 50 });

    // A value KV cannot store: a clear error, nothing changed.
    await assert.rejects(
      storage.write("7", { pizzaCount: 1, callback: () => {} }),
      (error) => error instanceof SessionValueError && error.key === "7",
    );
    assert.deepEqual(await storage.read("7"), { pizzaCount: 50 });
  } finally {
    kv.close();
  }
});

// ---------------------------------------------------------------------------

const BOT_INFO = {
  id: 42,
  is_bot: true,
  first_name: "Pizza Bot",
  username: "pizza_bot",
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
};

/**
 * The guide's pizza bot with the session middleware that `install` adds.
 * Every API call is answered locally; replies are collected.
 */
function pizzaBot(install, { lazy = false } = {}) {
  const { Bot } = mods.grammy;
  const bot = new Bot("42:test", { botInfo: BOT_INFO });
  const replies = [];
  bot.api.config.use((_prev, method, payload) => {
    if (method !== "sendMessage") {
      throw new Error(`unexpected API call ${method}`);
    }
    replies.push({ chat: payload.chat_id, text: payload.text });
    return Promise.resolve({
      ok: true,
      result: {
        message_id: replies.length,
        date: 0,
        chat: { id: payload.chat_id, type: "private", first_name: "U" },
        text: payload.text,
      },
    });
  });
  install(bot);
  const sessionOf = lazy
    ? (ctx) => ctx.session
    : (ctx) => Promise.resolve(ctx.session);
  bot.command("hunger", async (ctx) => {
    const count = (await sessionOf(ctx)).pizzaCount;
    await ctx.reply(`Your hunger level is ${count}!`);
  });
  bot.hears(/.*🍕.*/, async (ctx) => {
    (await sessionOf(ctx)).pizzaCount++;
  });
  return { bot, replies };
}

/** Three pizzas in chat 1, one in chat 2, none in chat 3; then /hunger each. */
async function feedPizzas(bot) {
  for (
    const [chat, text] of [[1, "🍕"], [2, "one 🍕 please"], [1, "🍕🍕"], [
      1,
      "more 🍕",
    ]]
  ) {
    await bot.handleUpdate(message(chat, text));
  }
  for (const chat of [1, 2, 3]) await bot.handleUpdate(command(chat, "hunger"));
}

let updateId = 0;

function message(chat, text, entities) {
  updateId++;
  return {
    update_id: updateId,
    message: {
      message_id: updateId,
      date: 1_700_000_000,
      chat: { id: chat, type: "private", first_name: "U" },
      from: { id: chat, is_bot: false, first_name: "U" },
      text,
      ...(entities ? { entities } : {}),
    },
  };
}

function command(chat, name) {
  return message(chat, `/${name}`, [
    { type: "bot_command", offset: 0, length: name.length + 1 },
  ]);
}
