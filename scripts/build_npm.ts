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

const root = new URL("../", import.meta.url);
const rootDir = path(root);
const outDir = `${rootDir}npm`;
/**
 * Entry points that run on Deno only and are left out of the npm mirror: the
 * session tools (`./cli`) open KV with `Deno.openKv` and serve with
 * `Deno.serve`.
 */
const DENO_ONLY_EXPORTS = new Set(["./cli"]);

/** The parts of `deno.json` the build reads. */
interface DenoConfig {
  name?: string;
  version?: string;
  description?: string;
  license?: string;
  exports?: string | Record<string, string>;
  imports?: Record<string, string>;
  compilerOptions?: Record<string, unknown>;
  /** Fields copied into package.json as they are (repository, peers...). */
  npm?: Record<string, unknown>;
}

/** The fields of `deno.json`'s `npm` object that the build copies. */
const NPM_FIELDS = [
  "author",
  "repository",
  "homepage",
  "bugs",
  "keywords",
  "engines",
  "peerDependencies",
  "peerDependenciesMeta",
] as const;

/** The three builds in `npm/`. */
const ESM_DIR = "esm";
const CJS_DIR = "script";
const NODE_DIR = "node";

/** One subpath of the package: `"."` or `"./kv"`, and its source file. */
interface EntryPoint {
  subpath: string;
  /** Relative to the project root, without `./`, e.g. `kv.ts`. */
  source: string;
}

/**
 * Type declarations for the few Node built-ins the source may import. They
 * are only for compiling: a consumer of the package never sees them, because
 * no emitted `.d.ts` may import a `node:` module (checked below).
 */
const NODE_SHIMS_FILE = `${rootDir}__build_npm_node_shims__.d.ts`;
const NODE_SHIMS = `
declare module "node:v8" {
  export function serialize(value: unknown): Uint8Array;
  export function deserialize(data: ArrayBufferView): any;
  export const DefaultDeserializer: unknown;
}
`;

/** Compiler options that define the shape of the mirror; not overridable. */
const FIXED_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  // ES2022 keeps newer built-ins (Node 18 lacks them) out of shipped code.
  // The one exception: the clone and fingerprint helpers read
  // `ArrayBuffer.prototype.resizable`, which is `undefined`, so falsy, on
  // engines that predate it.
  lib: [
    "lib.es2022.d.ts",
    "lib.es2024.arraybuffer.d.ts",
    "lib.dom.d.ts",
    "lib.dom.iterable.d.ts",
  ],
  types: [],
  declaration: true,
  rewriteRelativeImportExtensions: true,
  strict: true,
  skipLibCheck: false,
  noEmitOnError: true,
  isolatedModules: true,
  verbatimModuleSyntax: true,
  newLine: ts.NewLineKind.LineFeed,
  rootDir,
  outDir: `${outDir}/${ESM_DIR}`,
};

/** What differs for the CommonJS build. */
const CJS_OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  // The sources are ES modules written for `verbatimModuleSyntax`; checked
  // in the ESM build, and turned into `require()` here.
  verbatimModuleSyntax: false,
  outDir: `${outDir}/${CJS_DIR}`,
};

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

async function build(): Promise<void> {
  const config = JSON.parse(
    await Deno.readTextFile(`${rootDir}deno.json`),
  ) as DenoConfig;
  const meta = packageMetadata(config);
  const entries = entryPoints(config);
  await checkModuleDocs(entries);

  await Deno.remove(outDir, { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });

  const options = compilerOptions(config);
  const esm = compile(entries, options, meta.name);
  const cjs = compile(entries, { ...options, ...CJS_OPTIONS }, meta.name);
  const emitted = new Map([...esm.emitted, ...cjs.emitted]);
  await Deno.writeTextFile(
    `${outDir}/${CJS_DIR}/package.json`,
    JSON.stringify({ type: "commonjs" }, null, 2) + "\n",
  );
  for (const entry of entries) {
    const file = `${outDir}/${NODE_DIR}/${jsName(entry)}`;
    const text = nodeWrapper(entry, esm.valueExports.get(entry.source) ?? []);
    emitted.set(file, text);
    await Deno.mkdir(`${outDir}/${NODE_DIR}`, { recursive: true });
    await Deno.writeTextFile(file, text);
  }
  const imports = checkEmittedFiles(emitted);
  const computed = dependenciesFor(imports, config);
  const npm = npmFields(config);
  const peerDependencies = {
    ...computed.peerDependencies,
    ...(npm.peerDependencies as Record<string, string> | undefined),
  };
  const { dependencies } = computed;

  const main = entries.find((entry) => entry.subpath === ".");
  const others = entries.filter((entry) => entry.subpath !== ".");
  const packageJson = {
    name: meta.name,
    version: meta.version,
    description: meta.description,
    license: meta.license,
    ...npm,
    type: "module",
    // For tools that predate `exports` (TypeScript's `node10` resolution,
    // old bundlers); left out without a "." entry.
    ...(main
      ? {
        main: `./${CJS_DIR}/${jsName(main)}`,
        module: `./${ESM_DIR}/${jsName(main)}`,
        types: `./${CJS_DIR}/${dtsName(main)}`,
      }
      : {}),
    ...(others.length > 0
      ? {
        typesVersions: {
          "*": Object.fromEntries(
            others.map((entry) => [
              entry.subpath.slice(2),
              [`./${CJS_DIR}/${dtsName(entry)}`],
            ]),
          ),
        },
      }
      : {}),
    exports: Object.fromEntries(
      entries.map((entry) => [entry.subpath, exportConditions(entry)]),
    ),
    sideEffects: false,
    ...(Object.keys(dependencies).length > 0 ? { dependencies } : {}),
    ...(Object.keys(peerDependencies).length > 0
      ? {
        peerDependencies,
        peerDependenciesMeta: {
          ...Object.fromEntries(
            Object.keys(computed.peerDependencies).map((name) => [
              name,
              { optional: true },
            ]),
          ),
          ...(npm.peerDependenciesMeta as Record<string, unknown> | undefined),
        },
      }
      : {}),
  };
  await Deno.writeTextFile(
    `${outDir}/package.json`,
    JSON.stringify(packageJson, null, 2) + "\n",
  );

  await Deno.copyFile(`${rootDir}LICENSE`, `${outDir}/LICENSE`);
  try {
    await Deno.copyFile(`${rootDir}README.md`, `${outDir}/README.md`);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    console.warn("build:npm: warning: README.md is missing, not copied");
  }

  const files = [...emitted.keys()].map((file) =>
    file.slice(outDir.length + 1)
  );
  console.log(
    `build:npm: wrote ${meta.name}@${meta.version} to npm/ ` +
      `(${entries.length} entry points, ${files.length} files, TypeScript ${ts.version})`,
  );
}

/** `kv.ts` -> `kv.js` (relative to one build's folder). */
function jsName(entry: EntryPoint): string {
  return entry.source.replace(/\.ts$/, ".js");
}

/** `kv.ts` -> `kv.d.ts` (relative to one build's folder). */
function dtsName(entry: EntryPoint): string {
  return entry.source.replace(/\.ts$/, ".d.ts");
}

/**
 * The conditions of one subpath. Node.js and Bun (`node`) get the ES module
 * wrapper for `import`, the CommonJS build for `require`: the same code both
 * ways. Bundlers, browsers and Workers get the ES modules.
 */
function exportConditions(entry: EntryPoint): Record<string, unknown> {
  return {
    import: {
      types: `./${ESM_DIR}/${dtsName(entry)}`,
      node: `./${NODE_DIR}/${jsName(entry)}`,
      default: `./${ESM_DIR}/${jsName(entry)}`,
    },
    require: {
      types: `./${CJS_DIR}/${dtsName(entry)}`,
      default: `./${CJS_DIR}/${jsName(entry)}`,
    },
    default: `./${ESM_DIR}/${jsName(entry)}`,
  };
}

/** An ES module that re-exports the CommonJS build of `entry`. */
function nodeWrapper(entry: EntryPoint, names: string[]): string {
  const depth = "../".repeat(entry.source.split("/").length);
  const lines = [
    "// Node.js and Bun load the CommonJS build for `import` too, so that one",
    "// copy of the module (and of its state) exists however it is loaded.",
    `import cjs from "${depth}${CJS_DIR}/${jsName(entry)}";`,
  ];
  if (names.length > 0) {
    lines.push(
      `export const {\n${names.map((n) => `  ${n},\n`).join("")}} = cjs;`,
    );
  }
  return lines.join("\n") + "\n";
}

/** `deno.json`'s `npm` field, checked against the fields the build knows. */
function npmFields(config: DenoConfig): Record<string, unknown> {
  const npm = config.npm ?? {};
  const unknown = Object.keys(npm).filter((key) =>
    !(NPM_FIELDS as readonly string[]).includes(key)
  );
  if (unknown.length > 0) {
    throw new Error(
      `deno.json's npm field has unknown keys: ${unknown.join(", ")} ` +
        `(known: ${NPM_FIELDS.join(", ")})`,
    );
  }
  return npm;
}

function packageMetadata(
  config: DenoConfig,
): Required<Pick<DenoConfig, "name" | "version" | "description" | "license">> {
  const { name, version, description, license } = config;
  const missing = Object.entries({ name, version, description, license })
    .filter(([, value]) => typeof value !== "string" || value === "")
    .map(([key]) => key);
  if (missing.length > 0) {
    throw new Error(`deno.json has no ${missing.join(", ")}`);
  }
  return {
    name: name!,
    version: version!,
    description: description!,
    license: license!,
  };
}

function entryPoints(config: DenoConfig): EntryPoint[] {
  const exports = typeof config.exports === "string"
    ? { ".": config.exports }
    : config.exports ?? {};
  const entries = Object.entries(exports).filter(([subpath]) =>
    !DENO_ONLY_EXPORTS.has(subpath)
  ).map(([subpath, target]) => {
    if (!/^\.\/[^/].*\.ts$/.test(target)) {
      throw new Error(
        `export "${subpath}" points to ${target}, expected a local .ts file`,
      );
    }
    return { subpath, source: target.slice(2) };
  });
  if (entries.length === 0) throw new Error("deno.json has no exports");
  return entries;
}

/**
 * Every entry point must open with a `@module` doc that has an example: it
 * is the page JSR and deno.land show first, and the npm README points there.
 */
async function checkModuleDocs(entries: EntryPoint[]): Promise<void> {
  const problems: string[] = [];
  for (const { source } of entries) {
    const text = await Deno.readTextFile(`${rootDir}${source}`);
    const doc = text.match(
      /\/\*\*(?:(?!\*\/)[\s\S])*@module(?:(?!\*\/)[\s\S])*\*\//,
    )
      ?.[0];
    if (doc === undefined) problems.push(`${source} has no @module doc`);
    else if (!doc.includes("```")) {
      problems.push(`${source}: its @module doc has no example`);
    }
  }
  if (problems.length > 0) {
    throw new Error(
      "entry points need a @module doc with an example:\n  " +
        problems.join("\n  "),
    );
  }
}

/** The fixed options, plus the strictness flags of `deno.json`. */
function compilerOptions(config: DenoConfig): ts.CompilerOptions {
  const converted = ts.convertCompilerOptionsFromJson(
    config.compilerOptions ?? {},
    rootDir,
  );
  if (converted.errors.length > 0) {
    throw new Error(
      `deno.json compilerOptions: ${formatDiagnostics(converted.errors)}`,
    );
  }
  return { ...converted.options, ...FIXED_OPTIONS };
}

/** What one compilation produced. */
interface Compiled {
  /** The emitted files by absolute path. */
  emitted: Map<string, string>;
  /** The names of the values (not types) each entry point exports. */
  valueExports: Map<string, string[]>;
}

/** Type-checks and emits one build. */
function compile(
  entries: EntryPoint[],
  options: ts.CompilerOptions,
  packageName: string,
): Compiled {
  const treeDir = options.outDir!;
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (file) => file === NODE_SHIMS_FILE || fileExists(file);
  host.readFile = (file) =>
    file === NODE_SHIMS_FILE ? NODE_SHIMS : readFile(file);
  host.getSourceFile = (file, languageVersion, ...rest) =>
    file === NODE_SHIMS_FILE
      ? ts.createSourceFile(file, NODE_SHIMS, languageVersion, true)
      : getSourceFile(file, languageVersion, ...rest);

  const emitted = new Map<string, string>();
  host.writeFile = (file, text) => {
    // `rewriteRelativeImportExtensions` rewrites the `.js` files only; the
    // declaration emit keeps `./x.ts`, which Node's resolution cannot follow.
    if (file.endsWith(".d.ts")) text = rewriteTsSpecifiers(file, text);
    text = rewriteExampleImports(file, text, entries, packageName, treeDir);
    emitted.set(file, text);
    Deno.mkdirSync(file.slice(0, file.lastIndexOf("/")), { recursive: true });
    Deno.writeTextFileSync(file, text);
  };

  const program = ts.createProgram({
    rootNames: [
      ...entries.map((entry) => `${rootDir}${entry.source}`),
      NODE_SHIMS_FILE,
    ],
    options,
    host,
  });
  const outside = program.getSourceFiles().filter((file) =>
    !file.isDeclarationFile &&
    !file.fileName.startsWith(rootDir + "src/") &&
    !entries.some((entry) => file.fileName === `${rootDir}${entry.source}`)
  );
  if (outside.length > 0) {
    throw new Error(
      "entry points import sources outside src/: " +
        outside.map((file) => file.fileName).join(", "),
    );
  }
  const diagnostics = [
    ...program.getConfigFileParsingDiagnostics(),
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...program.getSyntacticDiagnostics(),
    ...program.getSemanticDiagnostics(),
    ...program.getDeclarationDiagnostics(),
  ];
  if (diagnostics.length > 0) {
    throw new Error(
      `TypeScript reported ${diagnostics.length} error(s):\n` +
        formatDiagnostics(diagnostics),
    );
  }
  const result = program.emit();
  if (result.emitSkipped || result.diagnostics.length > 0) {
    throw new Error(
      "TypeScript could not emit:\n" + formatDiagnostics(result.diagnostics),
    );
  }
  const checker = program.getTypeChecker();
  const valueExports = new Map<string, string[]>();
  for (const entry of entries) {
    const file = program.getSourceFile(`${rootDir}${entry.source}`)!;
    const module = checker.getSymbolAtLocation(file);
    const names = module === undefined
      ? []
      : checker.getExportsOfModule(module).filter((symbol) => {
        const target = symbol.flags & ts.SymbolFlags.Alias
          ? checker.getAliasedSymbol(symbol)
          : symbol;
        return (target.flags & ts.SymbolFlags.Value) !== 0 &&
          !isTypeOnlyExport(symbol);
      }).map((symbol) => symbol.name).sort();
    valueExports.set(entry.source, names);
  }
  return { emitted, valueExports };
}

/** Whether an export comes from `export type` (a value at runtime it is not). */
function isTypeOnlyExport(symbol: ts.Symbol): boolean {
  return (symbol.declarations ?? []).some((declaration) =>
    (ts.isExportSpecifier(declaration) &&
      (declaration.isTypeOnly || declaration.parent.parent.isTypeOnly)) ||
    (ts.isExportDeclaration(declaration) && declaration.isTypeOnly)
  );
}

/** Replaces `./x.ts` with `./x.js` in the module specifiers of a `.d.ts`. */
function rewriteTsSpecifiers(file: string, text: string): string {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const literals = moduleSpecifierLiterals(source)
    .filter((literal) => /^\.\.?\/.*\.[mc]?tsx?$/.test(literal.text))
    .sort((a, b) => b.getStart(source) - a.getStart(source));
  for (const literal of literals) {
    const start = literal.getStart(source) + 1; // after the opening quote
    const end = literal.getEnd() - 1; // before the closing quote
    const js = literal.text
      .replace(/\.tsx?$/, ".js")
      .replace(/\.mts$/, ".mjs")
      .replace(/\.cts$/, ".cjs");
    text = text.slice(0, start) + js + text.slice(end);
  }
  return text;
}

/**
 * In the doc comments, examples import the entry points by relative path
 * (`from "../mod.ts"`), which `deno test --doc` needs. A Node user reads them
 * in the editor: show the package name there instead.
 */
function rewriteExampleImports(
  file: string,
  text: string,
  entries: EntryPoint[],
  packageName: string,
  treeDir: string,
): string {
  return text.replace(
    /^(\s*\*.*\bfrom )"(\.\.?\/[^"]+\.ts)"/gm,
    (line, start: string, specifier: string) => {
      const target = new URL(specifier, `file://${file}`).pathname
        .slice(treeDir.length + 1);
      const entry = entries.find((entry) => entry.source === target);
      return entry === undefined
        ? line
        : `${start}"${packageName}${entry.subpath.slice(1)}"`;
    },
  );
}

/** A module specifier found in an emitted file. */
interface FoundImport {
  file: string;
  specifier: string;
  inTypes: boolean;
}

/**
 * Checks what Node and TypeScript consumers will see, and returns every
 * non-relative import of the emitted files.
 */
function checkEmittedFiles(emitted: Map<string, string>): FoundImport[] {
  const problems: string[] = [];
  const found: FoundImport[] = [];
  for (const [file, text] of emitted) {
    const relative = file.slice(rootDir.length);
    const inTypes = file.endsWith(".d.ts");
    const source = ts.createSourceFile(
      file,
      text,
      ts.ScriptTarget.ES2022,
      true,
    );
    for (const specifier of moduleSpecifiers(source)) {
      if (/^(npm|jsr|https?):/.test(specifier)) {
        problems.push(`${relative}: imports "${specifier}"`);
      } else if (specifier.startsWith(".")) {
        if (!/\.js$/.test(specifier)) {
          problems.push(
            `${relative}: relative import "${specifier}" does not end in .js`,
          );
        } else if (
          !emitted.has(new URL(specifier, `file://${file}`).pathname)
        ) {
          problems.push(
            `${relative}: imports "${specifier}", which was not emitted`,
          );
        }
      } else if (inTypes && specifier.startsWith("node:")) {
        problems.push(
          `${relative}: the types import "${specifier}", so consumers would need @types/node`,
        );
      } else {
        found.push({ file: relative, specifier, inTypes });
      }
    }
    if (inTypes) {
      for (const position of denoNamespaceReferences(source)) {
        const { line, character } = source.getLineAndCharacterOfPosition(
          position,
        );
        problems.push(
          `${relative}:${line + 1}:${
            character + 1
          }: refers to the Deno namespace, which Node users do not have`,
        );
      }
    }
  }
  if (problems.length > 0) {
    throw new Error(
      "the emitted files would not work on Node:\n  " + problems.join("\n  "),
    );
  }
  return found;
}

/**
 * Every module specifier of imports, exports, `import()`, `require()` and
 * `import("x")` types.
 */
function moduleSpecifiers(source: ts.SourceFile): string[] {
  return [
    ...moduleSpecifierLiterals(source).map((literal) => literal.text),
    ...source.typeReferenceDirectives.map((reference) => reference.fileName),
  ];
}

function moduleSpecifierLiterals(
  source: ts.SourceFile,
): ts.StringLiteralLike[] {
  const literals: ts.StringLiteralLike[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)
    ) {
      literals.push(node.moduleSpecifier);
    } else if (
      ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      literals.push(node.argument.literal);
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) &&
          node.expression.text === "require"))
    ) {
      const [argument] = node.arguments;
      if (argument && ts.isStringLiteralLike(argument)) literals.push(argument);
    } else if (ts.isModuleDeclaration(node) && ts.isStringLiteral(node.name)) {
      literals.push(node.name);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return literals;
}

/** Positions of `Deno` used as a name in code (comments do not count). */
function denoNamespaceReferences(source: ts.SourceFile): number[] {
  const positions: number[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && node.text === "Deno") {
      positions.push(node.getStart(source));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return positions;
}

/**
 * Maps the bare imports of the emitted code to npm packages through
 * `deno.json`'s import map: runtime imports become dependencies, imports
 * only the types use become optional peer dependencies.
 */
function dependenciesFor(
  imports: FoundImport[],
  config: DenoConfig,
): {
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
} {
  const dependencies: Record<string, string> = {};
  const peerDependencies: Record<string, string> = {};
  const problems: string[] = [];
  for (const { file, specifier, inTypes } of imports) {
    if (!inTypes && specifier.startsWith("node:")) continue;
    const target = importMapTarget(specifier, config.imports ?? {});
    const npm = target?.match(/^npm:\/?((?:@[^/@]+\/)?[^/@]+)(?:@([^/]+))?/);
    if (!npm) {
      problems.push(
        `${file}: imports "${specifier}", which is no npm package in deno.json's imports`,
      );
      continue;
    }
    const [, name, range = "*"] = npm;
    if (inTypes) peerDependencies[name!] ??= range;
    else dependencies[name!] = range;
  }
  if (problems.length > 0) throw new Error(problems.join("\n"));
  for (const name of Object.keys(dependencies)) delete peerDependencies[name];
  return { dependencies, peerDependencies };
}

function importMapTarget(
  specifier: string,
  imports: Record<string, string>,
): string | undefined {
  if (imports[specifier] !== undefined) return imports[specifier];
  const prefix = Object.keys(imports)
    .filter((key) => key.endsWith("/") && specifier.startsWith(key))
    .sort((a, b) => b.length - a.length)[0];
  if (prefix !== undefined) return imports[prefix];
  const bare = specifier.match(/^((?:@[^/]+\/)?[^/]+)/)?.[1];
  return bare === undefined ? undefined : imports[bare];
}

function formatDiagnostics(diagnostics: readonly ts.Diagnostic[]): string {
  const host: ts.FormatDiagnosticsHost = {
    getCanonicalFileName: (file) => file,
    getCurrentDirectory: () => rootDir,
    getNewLine: () => "\n",
  };
  return Deno.stderr.isTerminal() && Deno.env.get("NO_COLOR") === undefined
    ? ts.formatDiagnosticsWithColorAndContext(diagnostics, host)
    : ts.formatDiagnostics(diagnostics, host);
}

function path(url: URL): string {
  return decodeURIComponent(url.pathname);
}
