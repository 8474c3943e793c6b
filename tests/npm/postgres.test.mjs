// PostgresStorage from the packed tarball on Node.js, against a real
// PostgreSQL server that a Deno fixture starts (tests/fixtures/pg_server.ts)
// and stops when its stdin closes. Run `node tests/npm/prepare.mjs` first.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { project, root, run } from "./_project.mjs";

test("Node.js: PostgresStorage with pg (ESM, CommonJS) and postgres.js", async () => {
  const server = spawn("deno", [
    "run",
    "-A",
    "--config",
    join(root, "deno.dev.json"),
    join(root, "tests", "fixtures", "pg_server.ts"),
  ], { stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise((resolve) => server.on("exit", resolve));
  try {
    const lines = createInterface({ input: server.stdout });
    const [url] = await Promise.race([
      new Promise((resolve) => lines.once("line", (line) => resolve([line]))),
      exited.then(() => {
        throw new Error("the PostgreSQL server did not start");
      }),
    ]);
    const output = run(
      process.execPath,
      [
        join("runtimes", "postgres_node.mjs"),
      ],
      project,
      { env: { ...process.env, DATABASE_URL: url } },
    );
    const result = JSON.parse(output.trim().split("\n").at(-1));
    assert.equal(result.error, undefined, result.error);
    assert.deepEqual(result.checks, ["pg", "postgres.js", "commonjs"]);
  } finally {
    server.stdin.end();
    await exited;
  }
});
