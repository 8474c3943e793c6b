// The pizza scenario (tests/runtimes/pizza_scenario.mjs) on the packed
// tarball: a Node.js ES module bot, a CommonJS bot, Bun, and Cloudflare's
// workerd through miniflare. Run `node tests/npm/prepare.mjs` first.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { bunBinary, project, run } from "./_project.mjs";

const ALL = ["memory", "lazy", "enhanceStorage", "kv"];

/** Runs a runner script of tests/runtimes/ and parses its JSON line. */
function report(command, script) {
  const output = run(command, [join("runtimes", script)], project);
  const line = output.trim().split("\n").at(-1);
  const parsed = JSON.parse(line);
  assert.equal(parsed.error, undefined, parsed.error);
  return parsed;
}

test("Node.js, ES modules: the pizza bot, @deno/kv, one module copy", () => {
  const result = report(process.execPath, "esm_runner.mjs");
  assert.deepEqual(result.checks, ALL);
  assert.equal(result.oneCopy, true, "import and require meet one module");
});

test("Node.js, CommonJS: require() works, the same module copy", () => {
  const result = report(process.execPath, "cjs_runner.cjs");
  assert.deepEqual(result.checks, ALL);
  assert.equal(result.oneCopy, true, "require and import meet one module");
});

test("Bun: the pizza bot, and KV through @deno/kv with Bun's serializer", () => {
  const result = report(bunBinary(), "esm_runner.mjs");
  assert.match(result.runtime, /^bun /);
  assert.deepEqual(result.checks, ALL);
  assert.equal(result.oneCopy, true);
  // Measured: without explicit encodeV8/decodeV8, @deno/kv refuses Bun.
  assert.match(String(result.kvPlain), /incompatible format|^ok$/);
});

test("Cloudflare workerd: the pizza bot bundled from the ES modules", async () => {
  const require = createRequire(join(project, "package.json"));
  const { Miniflare } = require("miniflare");
  const mf = new Miniflare({
    modules: true,
    script: readFileSync(join(project, "runtimes", "worker.bundle.js"), "utf8"),
    compatibilityDate: "2025-01-01",
  });
  try {
    const response = await mf.dispatchFetch("http://localhost/");
    const result = await response.json();
    assert.equal(result.error, undefined, result.error);
    assert.equal(result.runtime, "workerd");
    // Workers have no Deno KV: the main entry point only.
    assert.deepEqual(result.checks, ["memory", "lazy", "enhanceStorage"]);
  } finally {
    await mf.dispose();
  }
});

test("the oldest grammY of the peer range (1.23.0) runs the pizza bot", async () => {
  const require = createRequire(join(project, "package.json"));
  const { Bot } = require("grammy-oldest");
  const core = require("@sessionkit/grammy");
  const { runScenario } = await import(
    pathToFileURL(join(project, "runtimes", "pizza_scenario.mjs")).href
  );
  assert.deepEqual(await runScenario({ Bot, core }), [
    "memory",
    "lazy",
    "enhanceStorage",
  ]);
});
