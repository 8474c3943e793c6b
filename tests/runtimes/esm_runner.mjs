// The pizza scenario as an ES module bot: on Node.js and on Bun, run from a
// project that installed the packed tarball. Prints one line of JSON.
import { Bot } from "grammy";
import * as core from "@sessionkit/grammy";
import * as kv from "@sessionkit/grammy/kv";
import { createRequire } from "node:module";
import { runScenario } from "./pizza_scenario.mjs";

const runtime = typeof Bun === "undefined"
  ? `node ${process.versions.node}`
  : `bun ${Bun.version}`;
const report = { runtime, checks: [], oneCopy: false, kvPlain: null };
try {
  // `import` and `require` must meet the same module, with its state.
  const required = createRequire(import.meta.url)("@sessionkit/grammy");
  report.oneCopy = required.session === core.session &&
    required.MemorySessionStorage === core.MemorySessionStorage;
  let { openKv } = await import("@deno/kv");
  if (typeof Bun !== "undefined") {
    // @deno/kv refuses Bun's `node:v8` (its format is JavaScriptCore's, not
    // V8's) unless it is passed explicitly: record what happens by default,
    // then pass it. Such a database is for Bun only.
    try {
      (await openKv(":memory:")).close();
      report.kvPlain = "ok";
    } catch (error) {
      report.kvPlain = error.message;
    }
    const v8 = await import("node:v8");
    const open = openKv;
    openKv = (path) =>
      open(path, { encodeV8: v8.serialize, decodeV8: v8.deserialize });
  }
  report.checks = await runScenario({ Bot, core, kv, openKv });
} catch (error) {
  report.error = error.stack ?? String(error);
}
console.log(JSON.stringify(report));
