import { assert, assertEquals } from "./deps.ts";

const root = new URL("../", import.meta.url);

/** Copies what the build reads into a temp folder, changes it, builds it. */
async function buildCopy(
  change: (dir: string) => Promise<void>,
): Promise<{ code: number; output: string; dir: string }> {
  const dir = await Deno.makeTempDir({ prefix: "sessionkit-build-" });
  for (
    const entry of [
      "deno.json",
      "deno.dev.json",
      "deno.dev.lock",
      "LICENSE",
      "scripts",
      "src",
    ]
  ) {
    await copy(new URL(entry, root).pathname, `${dir}/${entry}`);
  }
  const config = JSON.parse(await Deno.readTextFile(`${dir}/deno.json`));
  for (const target of Object.values<string>(config.exports)) {
    await copy(new URL(target, root).pathname, `${dir}/${target}`);
  }
  await change(dir);
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--config", "deno.dev.json", "-A", "scripts/build_npm.ts"],
    cwd: dir,
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const output = new TextDecoder().decode(stdout) +
    new TextDecoder().decode(stderr);
  return { code, output, dir };
}

async function copy(from: string, to: string): Promise<void> {
  if ((await Deno.stat(from)).isDirectory) {
    await Deno.mkdir(to, { recursive: true });
    for await (const entry of Deno.readDir(from)) {
      await copy(`${from}/${entry.name}`, `${to}/${entry.name}`);
    }
  } else {
    await Deno.copyFile(from, to);
  }
}

async function withBuild(
  change: (dir: string) => Promise<void>,
  check: (result: { code: number; output: string; dir: string }) => unknown,
): Promise<void> {
  const result = await buildCopy(change);
  try {
    await check(result);
  } finally {
    await Deno.remove(result.dir, { recursive: true });
  }
}

Deno.test("scripts/build_npm.ts", async (t) => {
  await t.step("mirrors every entry point of deno.json's exports", async () => {
    await withBuild(async (dir) => {
      // A new entry point needs nothing but its line in deno.json.
      const config = JSON.parse(await Deno.readTextFile(`${dir}/deno.json`));
      config.exports["./memory"] = "./memory.ts";
      await Deno.writeTextFile(`${dir}/deno.json`, JSON.stringify(config));
      await Deno.writeTextFile(
        `${dir}/memory.ts`,
        '/**\n * The memory store.\n *\n * ```ts\n * import { MemorySessionStorage } from "./memory.ts";\n * new MemorySessionStorage();\n * ```\n *\n * @module\n */\nexport * from "./src/stores/memory/memory_session_storage.ts";\n',
      );
    }, async ({ code, output, dir }) => {
      assertEquals(code, 0, output);
      const pkg = JSON.parse(
        await Deno.readTextFile(`${dir}/npm/package.json`),
      );
      assertEquals(pkg.type, "module");
      // ESM for bundlers and browsers, CommonJS for require(), and on Node
      // an ES module wrapper around the CommonJS build: one copy of the
      // module state whichever way the package is loaded.
      assertEquals(pkg.exports["./memory"], {
        import: {
          types: "./esm/memory.d.ts",
          node: "./node/memory.js",
          default: "./esm/memory.js",
        },
        require: {
          types: "./script/memory.d.ts",
          default: "./script/memory.js",
        },
        default: "./esm/memory.js",
      });
      // TypeScript's `node10` resolution (`module: commonjs`) ignores
      // `exports`: it finds the subpath through `typesVersions`.
      assertEquals(pkg.typesVersions["*"]["memory"], ["./script/memory.d.ts"]);
      assertEquals(pkg.dependencies, undefined);
      const scriptPkg = JSON.parse(
        await Deno.readTextFile(`${dir}/npm/script/package.json`),
      );
      assertEquals(scriptPkg, { type: "commonjs" });
      const cjs = await Deno.readTextFile(`${dir}/npm/script/memory.js`);
      assert(
        cjs.includes(
          'require("./src/stores/memory/memory_session_storage.js")',
        ),
        cjs,
      );
      const wrapper = await Deno.readTextFile(`${dir}/npm/node/memory.js`);
      assert(wrapper.includes('from "../script/memory.js"'), wrapper);
      assert(/\bMemorySessionStorage\b/.test(wrapper), wrapper);
      assert(!/\bMemorySessionStorageOptions\b/.test(wrapper), wrapper);
      const types = await Deno.readTextFile(`${dir}/npm/esm/memory.d.ts`);
      assert(
        types.includes('"./src/stores/memory/memory_session_storage.js"'),
        types,
      );
      assert(!/^(?:import|export)\b.*\.ts"/m.test(types), types);
    });
  });

  await t.step(
    "writes the package metadata of deno.json's npm field",
    async () => {
      await withBuild(
        () => Promise.resolve(),
        async ({ code, output, dir }) => {
          assertEquals(code, 0, output);
          const pkg = JSON.parse(
            await Deno.readTextFile(`${dir}/npm/package.json`),
          );
          for (const field of ["repository", "homepage", "bugs", "author"]) {
            assert(pkg[field] !== undefined, `package.json has no ${field}`);
          }
          assert(pkg.keywords.includes("grammy"), pkg.keywords);
          assert(
            /^\^1\./.test(pkg.peerDependencies.grammy),
            pkg.peerDependencies,
          );
          assertEquals(pkg.peerDependenciesMeta, {
            "@deno/kv": { optional: true },
          });
          assert(pkg.peerDependencies["@deno/kv"] !== undefined);
          assertEquals(pkg.engines, { node: ">=20" });
          assertEquals(pkg.main, "./script/mod.js");
          assertEquals(pkg.types, "./script/mod.d.ts");
        },
      );
    },
  );

  await t.step("fails and prints the diagnostic on a type error", async () => {
    await withBuild(async (dir) => {
      await Deno.writeTextFile(
        `${dir}/src/contract/errors.ts`,
        'export const broken: number = "one";\n',
        { append: true },
      );
    }, ({ code, output, dir }) => {
      assertEquals(code, 1, output);
      assert(output.includes("src/contract/errors.ts"), output);
      assert(output.includes("TS2322"), output);
      // No half-built mirror is left for a test to pick up.
      assertEquals(existsSync(`${dir}/npm`), false);
    });
  });

  await t.step(
    "fails on shipped code that needs the Deno namespace",
    async () => {
      await withBuild(async (dir) => {
        await Deno.writeTextFile(
          `${dir}/src/contract/errors.ts`,
          "export type Handle = Deno.Kv;\n",
          { append: true },
        );
      }, ({ code, output }) => {
        assertEquals(code, 1, output);
        assert(output.includes("Cannot find namespace 'Deno'"), output);
      });
    },
  );

  await t.step("fails on an npm: specifier in shipped code", async () => {
    await withBuild(async (dir) => {
      await Deno.writeTextFile(
        `${dir}/src/contract/errors.ts`,
        'export type { Context } from "npm:grammy@^1";\n',
        { append: true },
      );
    }, ({ code, output }) => {
      assertEquals(code, 1, output);
      assert(output.includes("npm:grammy@^1"), output);
    });
  });

  await t.step("fails on an entry point without a module example", async () => {
    await withBuild(async (dir) => {
      await Deno.writeTextFile(
        `${dir}/kv.ts`,
        '/**\n * No example.\n *\n * @module\n */\nexport * from "./src/contract/errors.ts";\n',
      );
    }, ({ code, output }) => {
      assertEquals(code, 1, output);
      assert(output.includes("kv.ts: its @module doc has no example"), output);
    });
  });
});

function existsSync(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
