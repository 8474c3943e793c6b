// `npx grammy-sessions`, the session tools of the npm package, as a bot
// author runs them: the packed tarball installed into a fresh folder beside
// grammY and @deno/kv, a KV file the bot wrote with @deno/kv, and commands
// given relative paths from the bot's folder and from a folder below it.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { project, run } from "./_project.mjs";

let bot; // the bot's folder

/** Runs `npx --no grammy-sessions ARGS` in `cwd`: exit code and output. */
function sessions(args, cwd, input = "") {
  return new Promise((resolve) => {
    const child = spawn("npx", ["--no", "grammy-sessions", ...args], {
      cwd,
      env: { ...process.env, INIT_CWD: "" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => stdout += chunk);
    child.stderr.on("data", (chunk) => stderr += chunk);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

before(() => {
  bot = mkdtempSync(join(tmpdir(), "sessionkit-bot-"));
  writeFileSync(
    join(bot, "package.json"),
    JSON.stringify({ name: "pizza-bot", private: true, type: "module" }),
  );
  // The tarball prepare.mjs packed; grammY and @deno/kv from npm's cache.
  run("npm", [
    "install",
    "--no-audit",
    "--no-fund",
    "--no-update-notifier",
    "--prefer-offline",
    join(project, "sessionkit-grammy.tgz"),
    "grammy@^1",
    "@deno/kv@^0.14",
  ], bot);
  // What the bot would have stored, written the way the bot writes it.
  writeFileSync(
    join(bot, "write.mjs"),
    [
      `import { openKv } from "@deno/kv";`,
      `import { DenoKvStorage } from "@sessionkit/grammy/kv";`,
      `const kv = await openKv("./bot.sqlite");`,
      `await new DenoKvStorage(kv).write("424242", { pizzaCount: 3 });`,
      `kv.close();`,
    ].join("\n"),
  );
  run("node", ["write.mjs"], bot);
  mkdirSync(join(bot, "src"));
});

after(() => rmSync(bot, { recursive: true, force: true }));

test("list and get with a path relative to the bot's folder", async () => {
  const list = await sessions(["list", "--kv", "./bot.sqlite"], bot);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^424242\t\d+ B\tno expiry\n$/);
  const get = await sessions(["get", "424242", "--kv", "bot.sqlite"], bot);
  assert.equal(get.code, 0, get.stderr);
  assert.deepEqual(JSON.parse(get.stdout), { pizzaCount: 3 });
});

test("relative paths from a folder below, and the absolute path in errors", async () => {
  const src = join(bot, "src");
  const list = await sessions(["list", "--kv", "../bot.sqlite"], src);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^424242\t/);
  const missing = await sessions(["list", "--kv", "./bot.sqlite"], src);
  assert.equal(missing.code, 1);
  assert.equal(
    missing.stderr,
    `sessions: No KV file at ${join(src, "bot.sqlite")}\n`,
  );
});

test("set from standard input, export, delete", async () => {
  const set = await sessions(
    ["set", "7", "--kv", "./bot.sqlite"],
    bot,
    '{ "pizzaCount": 1, "since": { "$date": "2026-01-01T00:00:00.000Z" } }',
  );
  assert.equal(set.code, 0, set.stderr);
  const exported = await sessions(["export", "--kv", "./bot.sqlite"], bot);
  assert.equal(exported.code, 0, exported.stderr);
  const keys = exported.stdout.trim().split("\n").map((l) => JSON.parse(l).key);
  assert.deepEqual(keys.sort(), ["424242", "7"]);
  const deleted = await sessions(["delete", "7", "--kv", "./bot.sqlite"], bot);
  assert.equal(deleted.code, 0, deleted.stderr);
  const gone = await sessions(["get", "7", "--kv", "./bot.sqlite"], bot);
  assert.equal(gone.code, 1);
});

test("a key named __proto__ is kept by set and get (Node.js assigns it as the prototype)", async () => {
  const text = '{"__proto__":{"x":1},"n":{"__proto__":[2]}}';
  const set = await sessions(["set", "9", "--kv", "./bot.sqlite"], bot, text);
  assert.equal(set.code, 0, set.stderr);
  const get = await sessions(["get", "9", "--kv", "./bot.sqlite"], bot);
  assert.equal(get.code, 0, get.stderr);
  // JSON.parse makes own "__proto__" properties, as the session has.
  assert.deepEqual(JSON.parse(get.stdout), JSON.parse(text));
  const deleted = await sessions(["delete", "9", "--kv", "./bot.sqlite"], bot);
  assert.equal(deleted.code, 0, deleted.stderr);
});

test("serve: the inspector page on Node.js, stopped by SIGTERM", async () => {
  const child = spawn(
    join(bot, "node_modules", ".bin", "grammy-sessions"),
    ["serve", "--kv", "./bot.sqlite"],
    {
      cwd: bot,
      // Not the folder `deno task test` was started in.
      env: { ...process.env, INIT_CWD: "" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const closed = new Promise((resolve) => child.on("close", resolve));
  let stdout = "";
  const url = await new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      const found = stdout.match(/Inspector: (\S+)/);
      if (found) resolve(found[1]);
    });
    child.on("close", () => reject(new Error(`serve ended: ${stdout}`)));
  });
  try {
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
    const { origin } = new URL(url);
    const noToken = await fetch(`${origin}/`);
    await noToken.body?.cancel();
    assert.notEqual(noToken.status, 200, "no token, no page");
  } finally {
    child.kill("SIGTERM");
  }
  assert.equal(await closed, 0);
});

test("without @deno/kv: one line that says what to install", async () => {
  const lone = mkdtempSync(join(tmpdir(), "sessionkit-lone-"));
  try {
    writeFileSync(join(lone, "package.json"), '{"private":true}');
    run("npm", [
      "install",
      "--no-audit",
      "--no-fund",
      "--prefer-offline",
      "--omit=peer",
      join(project, "sessionkit-grammy.tgz"),
    ], lone);
    writeFileSync(join(lone, "bot.sqlite"), "");
    const result = await sessions(["list", "--kv", "bot.sqlite"], lone);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^sessions: Cannot open KV at \/\S+bot\.sqlite: the @deno\/kv package is not installed \(npm i @deno\/kv/,
    );
  } finally {
    rmSync(lone, { recursive: true, force: true });
  }
});
