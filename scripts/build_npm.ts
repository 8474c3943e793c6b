/**
 * Builds the npm mirror into `npm/`, for every entry point of `deno.json`'s
 * `exports`: ES modules in `esm/` and CommonJS in `script/` (each with its
 * `.d.ts`), compiled from the same sources; ES module wrappers in `node/`
 * that re-export the CommonJS build, so that Node.js and Bun load one copy of
 * the module (one lock table, one set of context accessors) whether a bot
 * `import`s or `require`s it; a `package.json` generated from `deno.json`
 * (its `npm` field holds what only npm needs), and the README and LICENSE.
 *
 * Run it with `deno task build:npm`. It exits non-zero, with every diagnostic
 * printed, on a type error or when the emitted files would not work on Node
 * (a `Deno` namespace reference in the types, an `npm:`/`jsr:` specifier, a
 * `.ts` specifier left over, or a bare import with no npm package behind it).
 *
 * @module
 */
import ts from "typescript";
import {
  binEntries,
  checkModuleDocs,
  type DenoConfig,
  entryPoints,
  npmFields,
  packageMetadata,
} from "./npm/config.ts";
import {
  BIN_OPTIONS,
  CJS_OPTIONS,
  compile,
  compilerOptions,
} from "./npm/compile.ts";
import { checkEmittedFiles, dependenciesFor } from "./npm/emitted.ts";
import {
  binWrapper,
  jsName,
  nodeWrapper,
  packageJson,
} from "./npm/package_files.ts";
import { CJS_DIR, NODE_DIR, outDir, rootDir } from "./npm/paths.ts";

if (import.meta.main) {
  try {
    await build();
  } catch (error) {
    // Leave no half-built mirror behind for a test to pick up.
    await Deno.remove(outDir, { recursive: true }).catch(() => {});
    console.error(
      `build:npm failed: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
    Deno.exit(1);
  }
}

async function write(
  emitted: Map<string, string>,
  file: string,
  text: string,
): Promise<void> {
  emitted.set(file, text);
  await Deno.mkdir(file.slice(0, file.lastIndexOf("/")), { recursive: true });
  await Deno.writeTextFile(file, text);
}

async function build(): Promise<void> {
  const config = JSON.parse(
    await Deno.readTextFile(`${rootDir}deno.json`),
  ) as DenoConfig;
  const meta = packageMetadata(config);
  const entries = entryPoints(config);
  const bins = binEntries(config);
  await checkModuleDocs(entries);

  await Deno.remove(outDir, { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });

  // The ES modules, the CommonJS build of the same code, and the commands.
  const options = compilerOptions(config);
  const esm = compile(entries, options, meta.name);
  const cjs = compile(entries, { ...options, ...CJS_OPTIONS }, meta.name);
  const emitted = new Map([...esm.emitted, ...cjs.emitted]);
  if (bins.length > 0) {
    const commands = bins.map((bin) => ({
      subpath: `bin:${bin.name}`,
      source: bin.source,
    }));
    const compiled = compile(
      commands,
      { ...options, ...BIN_OPTIONS },
      meta.name,
    );
    for (const [file, text] of compiled.emitted) emitted.set(file, text);
  }
  await Deno.writeTextFile(
    `${outDir}/${CJS_DIR}/package.json`,
    JSON.stringify({ type: "commonjs" }, null, 2) + "\n",
  );
  for (const entry of entries) {
    const names = esm.valueExports.get(entry.source) ?? [];
    const file = `${outDir}/${NODE_DIR}/${jsName(entry)}`;
    await write(emitted, file, nodeWrapper(entry, names));
  }
  for (const bin of bins) {
    await write(emitted, `${outDir}/bin/${bin.name}.cjs`, binWrapper(bin));
  }

  // package.json: dependencies from what the emitted code imports.
  const imports = checkEmittedFiles(emitted);
  const computed = dependenciesFor(imports, config);
  const pkg = packageJson({
    meta,
    npm: npmFields(config),
    entries,
    bins,
    dependencies: computed.dependencies,
    typePeers: computed.peerDependencies,
  });
  await Deno.writeTextFile(
    `${outDir}/package.json`,
    JSON.stringify(pkg, null, 2) + "\n",
  );

  await Deno.copyFile(`${rootDir}LICENSE`, `${outDir}/LICENSE`);
  try {
    await Deno.copyFile(`${rootDir}README.md`, `${outDir}/README.md`);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    console.warn("build:npm: warning: README.md is missing, not copied");
  }
  console.log(
    `build:npm: wrote ${meta.name}@${meta.version} to npm/ ` +
      `(${entries.length} entry points, ${bins.length} commands, ` +
      `${emitted.size} files, TypeScript ${ts.version})`,
  );
}
