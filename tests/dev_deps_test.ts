// A bot author's first `deno task demo` downloads grammY and its dependencies,
// nothing else. Deno installs every package of the config's `imports` and of
// its lock file before it runs anything, so deno.json and deno.lock hold only
// what the module and the examples import; the tests, benchmarks and the npm
// build run with deno.dev.json (and its deno.dev.lock), which adds their
// dependencies.
import { assert, assertEquals } from "./deps.ts";

const root = new URL("../", import.meta.url);

interface Lock {
  specifiers: Record<string, string>;
  npm: Record<string, { dependencies?: string[] }>;
  workspace?: { dependencies?: string[] };
}

const readJson = async <T>(path: string): Promise<T> =>
  JSON.parse(await Deno.readTextFile(new URL(path, root))) as T;

/**
 * Bare specifiers (not relative, not `node:`) that the local modules of
 * `files`' module graphs import, as `deno info` resolves them.
 */
async function bareImports(files: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const file of files) {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", file],
      cwd: root,
    }).output();
    assertEquals(code, 0, new TextDecoder().decode(stderr));
    const info = JSON.parse(new TextDecoder().decode(stdout)) as {
      modules: { specifier: string; dependencies?: { specifier: string }[] }[];
    };
    for (const module of info.modules) {
      if (!module.specifier.startsWith("file:")) continue;
      for (const { specifier } of module.dependencies ?? []) {
        if (!/^(\.|node:|npm:|jsr:|https?:|file:)/.test(specifier)) {
          found.add(specifier);
        }
      }
    }
  }
  return found;
}

/** The npm package names `deno.lock` resolves `roots` to, transitively. */
function closure(lock: Lock, roots: string[]): Set<string> {
  const names = new Set<string>();
  const byName = (dep: string): string | undefined =>
    Object.keys(lock.npm).find((k) =>
      k === dep || k.startsWith(`${dep}@`) ||
      k.replace(/_.*$/, "") === dep
    );
  const visit = (key: string) => {
    const name = key.replace(/^(@?[^@]+)@.*$/, "$1");
    if (names.has(name)) return;
    names.add(name);
    for (const dep of lock.npm[key]?.dependencies ?? []) {
      const next = byName(dep);
      assert(next !== undefined, `deno.lock: no entry for ${dep}`);
      visit(next);
    }
  };
  for (const spec of roots) {
    const resolved = lock.specifiers[spec];
    assert(resolved !== undefined, `deno.lock: no specifier ${spec}`);
    const name = spec.replace(/^npm:(@?[^@]+)@.*$/, "$1");
    visit(`${name}@${resolved}`);
  }
  return names;
}

async function copy(from: URL, to: string): Promise<void> {
  if ((await Deno.stat(from)).isDirectory) {
    await Deno.mkdir(to, { recursive: true });
    for await (const entry of Deno.readDir(from)) {
      await copy(new URL(`${from.href}/${entry.name}`), `${to}/${entry.name}`);
    }
  } else {
    await Deno.copyFile(from, to);
  }
}

/** Package folders under `npm/registry.npmjs.org` of a Deno cache. */
async function cachedPackages(denoDir: string): Promise<Set<string>> {
  const registry = `${denoDir}/npm/registry.npmjs.org`;
  const names = new Set<string>();
  for await (const e of Deno.readDir(registry)) {
    if (!e.isDirectory) continue;
    if (!e.name.startsWith("@")) names.add(e.name);
    else {
      for await (const s of Deno.readDir(`${registry}/${e.name}`)) {
        names.add(`${e.name}/${s.name}`);
      }
    }
  }
  return names;
}

Deno.test("deno.json imports what a bot's code and the module import", async () => {
  const config = await readJson<{
    imports: Record<string, string>;
    exports: Record<string, string>;
  }>("deno.json");
  const examples: string[] = [];
  for await (const e of Deno.readDir(new URL("examples", root))) {
    if (e.name.endsWith(".ts")) examples.push(`examples/${e.name}`);
  }
  assertEquals(
    Object.keys(config.imports).sort(),
    [...await bareImports([...Object.values(config.exports), ...examples])]
      .sort(),
    "deno.json's imports must list exactly the bare imports of the entry " +
      "points and examples/. A test, benchmark or build dependency goes in " +
      "tests/deps.ts (or scripts/deps.ts) by full npm: specifier " +
      "(README.md, Contributing).",
  );
});

Deno.test("deno.dev.json is deno.json plus the development imports", async () => {
  const product = await readJson<Record<string, unknown>>("deno.json");
  const dev = await readJson<Record<string, unknown>>("deno.dev.json");
  const hint = "deno.dev.json must repeat deno.json's ";
  for (const key of ["name", "exports", "compilerOptions", "unstable"]) {
    assertEquals(dev[key], product[key], `${hint}"${key}"`);
  }
  const devImports = dev.imports as Record<string, string>;
  for (const [name, target] of Object.entries(product.imports as object)) {
    assertEquals(devImports[name], target, `${hint}import "${name}"`);
  }
  assertEquals(dev.lock, "deno.dev.lock");
});

Deno.test("a cold `deno task demo` downloads grammY's tree only", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sessionkit-cold-demo-" });
  try {
    // A fresh clone, as far as the demo reads it, and an empty Deno cache.
    for (
      const entry of [
        "deno.json",
        "deno.lock",
        "mod.ts",
        "kv.ts",
        "testing.ts",
        "src",
      ]
    ) {
      await copy(new URL(entry, root), `${dir}/${entry}`);
    }
    await copy(new URL("examples", root), `${dir}/examples`);
    const lockBefore = await Deno.readTextFile(`${dir}/deno.lock`);
    const denoDir = `${dir}/.deno`;
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["task", "--quiet", "demo", "--kv", ":memory:"],
      cwd: dir,
      env: { DENO_DIR: denoDir, BOT_TOKEN: "", NO_COLOR: "1" },
      stdin: "null",
    }).output();
    const out = new TextDecoder().decode(stdout);
    const err = new TextDecoder().decode(stderr);
    assertEquals(code, 0, `${out}\n${err}`);
    assert(err.includes("Pizza bot, offline"), err);

    const lock = await readJson<Lock>("deno.lock");
    const expected = closure(lock, lock.workspace?.dependencies ?? []);
    assert(expected.has("grammy"), [...expected].join(", "));
    assertEquals(
      [...await cachedPackages(denoDir)].sort(),
      [...expected].sort(),
      "the demo downloaded packages other than grammY and its dependencies",
    );
    assertEquals(
      await Deno.readTextFile(`${dir}/deno.lock`),
      lockBefore,
      "the demo changed deno.lock: run `deno task test` and commit deno.lock",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
