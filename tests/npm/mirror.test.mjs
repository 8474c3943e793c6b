// The npm mirror, tested the way a Node user meets it: packed with `npm pack`,
// installed from the tarball into a fresh Node project beside `grammy` and
// `@deno/kv` from the npm registry, then used by a grammY bot on Node and
// type-checked by `tsc` with `nodenext` resolution.
//
// Run with `node --test tests/npm/` after `deno task build:npm` (the test
// builds the mirror itself if `npm/` is missing and `deno` is on the PATH).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const mirror = join(root, "npm");
const denoJson = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));
const name = denoJson.name;

/** Versions of what a Node user installs beside the mirror. */
const NEIGHBOURS = [
  "grammy@^1",
  "@deno/kv@^0.14",
  "typescript@^5",
  "@types/node@^20",
];

let project = "";
/** The modules as the temporary project resolves them. */
let mods;

before(async () => {
  if (!existsSync(join(mirror, "package.json"))) {
    console.log("npm/ is missing, running `deno task build:npm`");
    run("deno", ["task", "build:npm"], root);
  }
  project = mkdtempSync(join(tmpdir(), "sessionkit-npm-"));
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }),
  );
  const [packed] = JSON.parse(
    run("npm", ["pack", "--json", "--pack-destination", project], mirror),
  );
  run("npm", [
    "install",
    "--no-audit",
    "--no-fund",
    "--no-update-notifier",
    join(project, packed.filename),
    ...NEIGHBOURS,
  ], project);
  // Imported from inside the project, so that Node resolves every bare
  // specifier in the project's node_modules, as it would for a user.
  writeFileSync(
    join(project, "entry.mjs"),
    [
      `export * as grammy from "grammy";`,
      `export * as denoKv from "@deno/kv";`,
      `export * as core from "${name}";`,
      `export * as kv from "${name}/kv";`,
    ].join("\n"),
  );
  mods = await import(pathToFileURL(join(project, "entry.mjs")).href);
}, { timeout: 150_000 });

after(() => {
  if (project !== "") rmSync(project, { recursive: true, force: true });
});

test("the installed package.json is the generated one", () => {
  const pkg = JSON.parse(
    readFileSync(join(project, "node_modules", name, "package.json"), "utf8"),
  );
  assert.equal(pkg.name, name);
  assert.equal(pkg.version, denoJson.version);
  assert.equal(pkg.type, "module");
  assert.deepEqual(pkg.engines, { node: ">=18" });
  assert.equal(pkg.dependencies, undefined, "no runtime dependencies");
  // The session tools (./cli) run on Deno only and are left out of the
  // mirror (DENO_ONLY_EXPORTS in scripts/build_npm.ts).
  assert.equal(pkg.exports["./cli"], undefined);
  const mirrored = Object.keys(denoJson.exports).filter((s) => s !== "./cli");
  for (const subpath of mirrored) {
    assert.ok(pkg.exports[subpath].types.endsWith(".d.ts"), subpath);
    assert.ok(pkg.exports[subpath].import.endsWith(".js"), subpath);
  }
});

test("session() on the memory store counts pizzas per chat", async () => {
  const { session, MemorySessionStorage } = mods.core;
  const { bot, replies } = pizzaBot((bot) =>
    bot.use(session({
      initial: () => ({ pizzaCount: 0 }),
      storage: new MemorySessionStorage(),
    }))
  );
  await feedPizzas(bot);
  assert.deepEqual(replies, [
    { chat: 1, text: "Your hunger level is 3!" },
    { chat: 2, text: "Your hunger level is 1!" },
    { chat: 3, text: "Your hunger level is 0!" },
  ]);
});

test("session() on Deno KV through @deno/kv counts and persists", async (t) => {
  const { session } = mods.core;
  const { DenoKvStorage } = mods.kv;
  if (typeof DenoKvStorage !== "function") {
    t.skip(`${name}/kv does not export DenoKvStorage yet`);
    return;
  }
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

test("lazySession() counts, and reads nothing it does not need", async () => {
  const { lazySession, MemorySessionStorage } = mods.core;
  const store = new MemorySessionStorage();
  let reads = 0;
  const storage = {
    read: (key) => (reads++, store.read(key)),
    write: (key, value) => store.write(key, value),
    delete: (key) => store.delete(key),
  };
  const { bot, replies } = pizzaBot(
    (bot) =>
      bot.use(lazySession({ initial: () => ({ pizzaCount: 0 }), storage })),
    { lazy: true },
  );
  await bot.handleUpdate(message(1, "no food here"));
  assert.equal(
    reads,
    0,
    "an update that does not touch the session reads nothing",
  );
  await feedPizzas(bot);
  assert.deepEqual(replies.map((r) => r.text), [
    "Your hunger level is 3!",
    "Your hunger level is 1!",
    "Your hunger level is 0!",
  ]);
  assert.equal((await storage.read("1"))?.pizzaCount, 3);
});

test("a TypeScript consumer type-checks with nodenext", (t) => {
  const hasKv = typeof mods.kv.DenoKvStorage === "function";
  if (!hasKv) t.diagnostic("DenoKvStorage is missing: KV lines left out");
  writeFileSync(join(project, "consumer.ts"), consumerSource(hasKv));
  writeFileSync(
    join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        module: "nodenext",
        moduleResolution: "nodenext",
        target: "es2022",
        strict: true,
        noEmit: true,
        // Check our .d.ts files too, not only the consumer.
        skipLibCheck: false,
      },
      files: ["consumer.ts"],
    }),
  );
  const errors = tsc(project, "tsconfig.json");
  // grammY's own .d.ts refer to `node-fetch`, which ships no types: that is
  // grammY's business. Everything in the consumer and in our package counts.
  const ours = errors.filter((line) =>
    !line.startsWith("node_modules/") ||
    line.startsWith(`node_modules/${name}/`)
  );
  for (const line of errors.filter((line) => !ours.includes(line))) {
    t.diagnostic(`ignored (not ours): ${line}`);
  }
  assert.deepEqual(ours, []);
});

test("the types need neither @types/node nor the DOM library", () => {
  // Only our package, the strictest flags, no ambient types at all: if this
  // passes, a Node user of the mirror needs nothing but TypeScript.
  writeFileSync(
    join(project, "bare.ts"),
    [
      `import * as core from "${name}";`,
      `import * as kv from "${name}/kv";`,
      `export const modules: unknown[] = [core, kv];`,
      `export type Storage = core.StorageAdapter<{ n: number }>;`,
    ].join("\n"),
  );
  writeFileSync(
    join(project, "tsconfig.bare.json"),
    JSON.stringify({
      compilerOptions: {
        module: "nodenext",
        moduleResolution: "nodenext",
        target: "es2022",
        lib: ["es2022"],
        types: [],
        strict: true,
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
        noEmit: true,
        skipLibCheck: false,
      },
      files: ["bare.ts"],
    }),
  );
  assert.deepEqual(tsc(project, "tsconfig.bare.json"), []);
});

// ---------------------------------------------------------------------------

function run(command, args, cwd) {
  try {
    return execFileSync(command, args, {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (error) {
    throw new Error(
      `${command} ${args.join(" ")} failed in ${cwd}:\n${error.stdout ?? ""}${
        error.stderr ?? error.message
      }`,
    );
  }
}

/** Runs tsc and returns its error lines (empty when it passes). */
function tsc(cwd, config) {
  try {
    execFileSync(
      process.execPath,
      [
        join(cwd, "node_modules/typescript/bin/tsc"),
        "-p",
        config,
        "--pretty",
        "false",
      ],
      { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
    return [];
  } catch (error) {
    const lines = `${error.stdout}`.split("\n").filter((l) =>
      /error TS/.test(l)
    );
    if (lines.length === 0) throw error;
    return lines;
  }
}

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

/** A small bot a Node user could write, in TypeScript. */
function consumerSource(hasKv) {
  return `
import { Bot, type Context } from "grammy";
import {
  lazySession,
  type LazySessionFlavor,
  MemorySessionStorage,
  session,
  type SessionFlavor,
  type StorageAdapter,
} from "${name}";
${
    hasKv
      ? `import { DenoKvStorage } from "${name}/kv";
import { openKv } from "@deno/kv";`
      : ""
  }

interface SessionData {
  pizzaCount: number;
}
type MyContext = Context & SessionFlavor<SessionData>;

const bot = new Bot<MyContext>("");
bot.use(session({
  initial: (): SessionData => ({ pizzaCount: 0 }),
  storage: new MemorySessionStorage<SessionData>(),
}));
bot.command("hunger", async (ctx) => {
  const count: number = ctx.session.pizzaCount;
  await ctx.reply(\`Your hunger level is \${count}!\`);
});
bot.hears(/.*🍕.*/, (ctx) => ctx.session.pizzaCount++);
// @ts-expect-error: the session is typed, not any
bot.on("message", (ctx) => ctx.session.pizzaCount.toUpperCase());

${
    hasKv
      ? `const kv = await openKv(":memory:");
const kvStorage: StorageAdapter<SessionData> = new DenoKvStorage<SessionData>(kv);
bot.use(session({ initial: (): SessionData => ({ pizzaCount: 0 }), storage: kvStorage }));
kv.close();`
      : `export const storage: StorageAdapter<SessionData> = new MemorySessionStorage<SessionData>();`
  }

type LazyContext = Context & LazySessionFlavor<SessionData>;
const lazyBot = new Bot<LazyContext>("");
lazyBot.use(lazySession({ initial: (): SessionData => ({ pizzaCount: 0 }) }));
lazyBot.hears(/.*🍕.*/, async (ctx) => {
  const data = await ctx.session;
  data.pizzaCount++;
});
`;
}
