// The pizza scenario as a CommonJS bot on Node.js, run from a project that
// installed the packed tarball. Prints one line of JSON.
const { Bot } = require("grammy");
const core = require("@sessionkit/grammy");
const kv = require("@sessionkit/grammy/kv");
const { openKv } = require("@deno/kv");

(async () => {
  const report = { runtime: `node ${process.versions.node}`, checks: [] };
  try {
    const imported = await import("@sessionkit/grammy");
    report.oneCopy = imported.session === core.session &&
      imported.MemorySessionStorage === core.MemorySessionStorage;
    const { runScenario } = await import("./pizza_scenario.mjs");
    report.checks = await runScenario({ Bot, core, kv, openKv });
  } catch (error) {
    report.error = error.stack ?? String(error);
  }
  console.log(JSON.stringify(report));
})();
