// The ./testing entry from the packed tarball, under node --test: the
// conformance suite passes for the memory store and reports what a plain
// read/write/delete adapter cannot give; OfflineChat drives a grammY bot
// from npm. Run `node tests/npm/prepare.mjs` first.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { name, project } from "./_project.mjs";

let mods;

before(async () => {
  const entry = join(project, "testing_entry.mjs");
  writeFileSync(
    entry,
    [
      `export * as grammy from "grammy";`,
      `export * as core from "${name}";`,
      `export * as testing from "${name}/testing";`,
    ].join("\n"),
  );
  mods = await import(pathToFileURL(entry).href);
});

test("checkStorage passes for MemorySessionStorage", async () => {
  const { MemorySessionStorage } = mods.core;
  const report = await mods.testing.checkStorage(
    (settings) => new MemorySessionStorage(settings),
    { timeToLive: 300 },
  );
  assert.equal(report.ok, true, JSON.stringify(report.failures, null, 2));
  assert.ok(report.passed.length > 25, report.passed.join("\n"));
});

test("checkStorage says what a grammY adapter over a Map cannot give", async () => {
  const report = await mods.testing.checkStorage(() => {
    const map = new Map();
    return {
      read: (key) => map.get(key),
      write: (key, value) => void map.set(key, value),
      delete: (key) => void map.delete(key),
    };
  }, { expiry: false });
  assert.equal(report.ok, false);
  const missing = report.failures.filter((f) => f.missing).map((f) => f.check);
  assert.ok(
    missing.includes("compare-and-set: concurrent counters lose no write"),
    missing.join("\n"),
  );
});

test("OfflineChat drives a grammY bot with sessions and captures its replies", async () => {
  const { Bot } = mods.grammy;
  const { session } = mods.core;
  const { OfflineChat, offlineUser } = mods.testing;
  const bot = new Bot("offline");
  bot.use(session({ initial: () => ({ pizzas: 0 }) }));
  bot.hears("🍕", (ctx) => void ctx.session.pizzas++);
  bot.command("hunger", (ctx) => ctx.reply(`${ctx.session.pizzas} pizzas`));
  bot.command("key", (ctx) => ctx.reply(ctx.sessionKey));
  const chat = new OfflineChat(bot);
  assert.deepEqual(await chat.send("🍕"), []);
  assert.deepEqual(await chat.send("/hunger"), ["1 pizzas"]);
  assert.deepEqual(await chat.send("/key"), [String(offlineUser("you").id)]);
  chat.actAs("alice");
  assert.deepEqual(await chat.send("/hunger"), ["0 pizzas"]);
  chat.enter("pizza lovers");
  assert.equal(chat.chat.type, "group");
  assert.deepEqual(await chat.send("/hunger"), ["0 pizzas"]);
});
