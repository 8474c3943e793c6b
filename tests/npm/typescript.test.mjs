// docs/npm.md's tsconfig for a bot on Node.js with @deno/kv, and its sample
// bot, compiled by TypeScript 7 (npm's current `typescript`) and by 5, in a
// folder of the test project that has grammY, @deno/kv, @types/node and the
// packed package. The settings the page says are needed are: without them
// TypeScript 7 fails.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { project, root } from "./_project.mjs";

const dir = join(project, "ts-on-node");
let config;

/** The first fenced block of `lang` after `heading` in docs/npm.md. */
function block(markdown, heading, lang) {
  const section = markdown.split(`\n## ${heading}\n`)[1];
  assert.ok(section, `docs/npm.md has no "## ${heading}"`);
  const found = section.match(new RegExp("```" + lang + "\\n([\\s\\S]*?)```"));
  assert.ok(found, `no \`\`\`${lang} block under "## ${heading}"`);
  return found[1];
}

/** Runs a TypeScript compiler on `tsconfig`; returns its error lines. */
function tsc(compiler, tsconfig) {
  try {
    execFileSync(
      process.execPath,
      [
        join(project, "node_modules", compiler, "bin", "tsc"),
        "-p",
        tsconfig,
        "--noEmit",
        "--pretty",
        "false",
      ],
      { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
    return [];
  } catch (error) {
    const lines = `${error.stdout}${error.stderr}`.split("\n")
      .filter((line) => line.trim() !== "");
    assert.ok(lines.length > 0, String(error));
    return lines;
  }
}

function withConfig(name, change) {
  const changed = structuredClone(config);
  change(changed.compilerOptions);
  writeFileSync(join(dir, name), JSON.stringify(changed, null, 2));
  return name;
}

before(() => {
  const docs = readFileSync(join(root, "docs", "npm.md"), "utf8");
  config = JSON.parse(block(docs, "TypeScript on Node.js", "json"));
  mkdirSync(dir, { recursive: true });
  // Inside the project: its package.json has "type": "module".
  writeFileSync(
    join(dir, "bot.ts"),
    block(docs, "TypeScript on Node.js", "ts ignore"),
  );
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(config, null, 2));
});

test("the compilers are TypeScript 7 and 5", () => {
  const version = (name) =>
    JSON.parse(
      readFileSync(join(project, "node_modules", name, "package.json"), "utf8"),
    ).version;
  assert.match(version("typescript7"), /^7\./);
  assert.match(version("typescript"), /^5\./);
});

test("the documented tsconfig compiles the bot with TypeScript 7", () => {
  assert.deepEqual(tsc("typescript7", "tsconfig.json"), []);
});

test("the documented tsconfig compiles the bot with TypeScript 5", () => {
  assert.deepEqual(tsc("typescript", "tsconfig.json"), []);
});

test('TypeScript 7 fails without types: ["node"] and without skipLibCheck', () => {
  const noTypes = withConfig("tsconfig.no-types.json", (o) => delete o.types);
  assert.ok(
    tsc("typescript7", noTypes).some((l) =>
      /Cannot find name 'process'/.test(l)
    ),
  );
  const checked = withConfig(
    "tsconfig.lib-check.json",
    (o) => delete o.skipLibCheck,
  );
  assert.ok(
    tsc("typescript7", checked).some((l) =>
      l.startsWith("../node_modules/grammy/")
    ),
  );
});
