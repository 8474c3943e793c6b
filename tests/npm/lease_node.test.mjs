// The lease on Node.js with `@deno/kv`, from the packed tarball: two Node
// processes share one KV file opened with `openKv(path)`, both handle
// updates of one chat with `DenoKvStorage({ lease: true })`, strict and
// lazy. Both must finish and every increment must be stored. (With 0.2.0
// the waiting process spun at 100% CPU forever: the lease cancelled
// `@deno/kv`'s watch stream with a read pending.) Run
// `node tests/npm/prepare.mjs` first.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { project } from "./_project.mjs";

/** Updates per process. */
const COUNT = 30;
/** Far beyond what the run takes (a few seconds): only a hang gets here. */
const HANG = 90_000;

/** Starts one bot process; resolves once it printed "ready". */
function startBot(path, mode, id) {
  const child = spawn(
    process.execPath,
    [join("runtimes", "lease_bot_node.mjs"), path, mode, `${COUNT}`, `${id}`],
    { cwd: project, stdio: ["pipe", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk) => stdout += chunk);
  child.stderr.setEncoding("utf8").on("data", (chunk) => stderr += chunk);
  const exited = new Promise((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal }))
  );
  const ready = new Promise((resolve, reject) => {
    const look = () => {
      if (stdout.includes("ready\n")) resolve();
    };
    child.stdout.on("data", look);
    exited.then(() => reject(new Error(`bot ${id} exited early:\n${stderr}`)));
  });
  return {
    child,
    ready,
    exited,
    output: () => ({ stdout, stderr }),
  };
}

/** Runs two bots on one file; fails (and kills them) if they hang. */
async function runTwo(mode) {
  const dir = mkdtempSync(join(tmpdir(), "sessionkit-lease-node-"));
  const path = join(dir, "kv.sqlite");
  const bots = [startBot(path, mode, 1), startBot(path, mode, 2)];
  let timer;
  try {
    await Promise.all(bots.map((bot) => bot.ready));
    for (const bot of bots) bot.child.stdin.end();
    const hung = new Promise((resolve) => {
      timer = setTimeout(() => resolve("hung"), HANG);
    });
    const outcome = await Promise.race([
      Promise.all(bots.map((bot) => bot.exited)),
      hung,
    ]);
    if (outcome === "hung") {
      const state = bots.map((bot, i) =>
        `bot ${i + 1}: ${
          bot.child.exitCode === null ? "still running" : "done"
        }`
      ).join(", ");
      assert.fail(
        `the two Node processes did not finish within ${
          HANG / 1000
        } s (${state})`,
      );
    }
    const reports = bots.map((bot, i) => {
      const { stdout, stderr } = bot.output();
      assert.equal(outcome[i].code, 0, `bot ${i + 1} failed:\n${stderr}`);
      return JSON.parse(stdout.trim().split("\n").at(-1));
    });
    for (const report of reports) {
      assert.deepEqual(report, { ok: COUNT, errors: [] });
    }
    const require = createRequire(join(project, "package.json"));
    const { openKv } = require("@deno/kv");
    const { DenoKvStorage } = require("@sessionkit/grammy/kv");
    const kv = await openKv(path);
    try {
      const stored = await new DenoKvStorage(kv).read("7");
      assert.deepEqual(stored, { count: 2 * COUNT });
    } finally {
      kv.close();
    }
  } finally {
    clearTimeout(timer);
    for (const bot of bots) {
      if (bot.child.exitCode === null && bot.child.signalCode === null) {
        bot.child.kill("SIGKILL");
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the lease on @deno/kv: two Node processes, one chat, strict", async () => {
  await runTwo("strict");
});

test("the lease on @deno/kv: two Node processes, one chat, lazy", async () => {
  await runTwo("lazy");
});
