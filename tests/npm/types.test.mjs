// The package's types as TypeScript users meet them: the compile-time tests
// of tests/types/ (import line pointed at the package), type-checked by tsc
// against the installed tarball under each module resolution a Node project
// uses, plus a CommonJS consumer and a consumer with no ambient types at all.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { name, project, root, tsc } from "./_project.mjs";

const SOURCES = join(project, "types-src");
let programs = [];

before(() => {
  mkdirSync(SOURCES, { recursive: true });
  programs = readdirSync(join(root, "tests", "types"))
    .filter((file) => file.endsWith(".ts"));
  for (const file of programs) {
    const text = readFileSync(join(root, "tests", "types", file), "utf8")
      .replaceAll('"../../mod.ts"', `"${name}"`)
      .replaceAll('"../../kv.ts"', `"${name}/kv"`);
    assert.doesNotMatch(text, /from "\.\.?\//, `${file} imports a local file`);
    writeFileSync(join(SOURCES, file), text);
  }
  // A CommonJS module of an ES module project: `require` conditions.
  writeFileSync(
    join(SOURCES, "consumer.cts"),
    [
      `import { Bot, type Context } from "grammy";`,
      `import { session, type SessionFlavor } from "${name}";`,
      `import { DenoKvStorage } from "${name}/kv";`,
      `import { openKv } from "@deno/kv";`,
      `type MyContext = Context & SessionFlavor<{ pizzaCount: number }>;`,
      `const bot = new Bot<MyContext>("");`,
      `bot.use(session({ initial: () => ({ pizzaCount: 0 }) }));`,
      `bot.hears("🍕", (ctx) => ctx.session.pizzaCount++);`,
      `export const open = async (): Promise<DenoKvStorage<{ n: number }>> =>`,
      `  new DenoKvStorage<{ n: number }>(await openKv(":memory:"));`,
      `// @ts-expect-error: the session is typed, not any`,
      `bot.on("message", (ctx) => ctx.session.pizzaCount.toUpperCase());`,
    ].join("\n") + "\n",
  );
});

/** Type-checks `files` with `options`; returns the errors that are ours. */
function check(label, options, files, t) {
  const config = `tsconfig.${label}.json`;
  writeFileSync(
    join(project, config),
    JSON.stringify({
      compilerOptions: {
        target: "es2022",
        strict: true,
        noEmit: true,
        skipLibCheck: false, // check our .d.ts files too
        types: ["node"],
        ...options,
      },
      files,
    }),
  );
  const errors = tsc(config);
  // grammY's own .d.ts refer to `node-fetch`, which ships no types: that is
  // grammY's business. Everything in the programs and in our package counts.
  const ours = errors.filter((line) =>
    !line.startsWith("node_modules/") ||
    line.startsWith(`node_modules/${name}/`)
  );
  for (const line of errors.filter((line) => !ours.includes(line))) {
    t.diagnostic(`ignored (not ours): ${line}`);
  }
  return ours;
}

const programFiles = () => programs.map((file) => `types-src/${file}`);

for (
  const [label, options] of [
    ["nodenext", { module: "nodenext", moduleResolution: "nodenext" }],
    ["node16", { module: "node16", moduleResolution: "node16" }],
    ["bundler", { module: "esnext", moduleResolution: "bundler" }],
    // `module: commonjs` resolves like Node 10: no `exports` map at all.
    ["commonjs", { module: "commonjs", esModuleInterop: true }],
  ]
) {
  test(`tests/types/ compile against the package with ${label}`, (t) => {
    assert.ok(programs.length >= 4, programs.join(", "));
    assert.deepEqual(check(label, options, programFiles(), t), []);
  });
}

test("a CommonJS module (.cts) gets the require types with nodenext", (t) => {
  assert.deepEqual(
    check("cts", { module: "nodenext", moduleResolution: "nodenext" }, [
      "types-src/consumer.cts",
    ], t),
    [],
  );
});

test("the types need neither @types/node nor the DOM library", (t) => {
  // Only our package, the strictest flags, no ambient types at all: if this
  // passes, a user of the mirror needs nothing but TypeScript.
  writeFileSync(
    join(SOURCES, "bare.ts"),
    [
      `import * as core from "${name}";`,
      `import * as kv from "${name}/kv";`,
      `export const modules: unknown[] = [core, kv];`,
      `export type Storage = core.StorageAdapter<{ n: number }>;`,
    ].join("\n"),
  );
  const options = {
    module: "nodenext",
    moduleResolution: "nodenext",
    lib: ["es2022"],
    types: [],
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
  };
  assert.deepEqual(check("bare", options, ["types-src/bare.ts"], t), []);
});
