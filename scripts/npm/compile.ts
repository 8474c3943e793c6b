// Type-checking and emitting one build of the entry points with the
// TypeScript compiler from npm, and the rewrites of what it emits.
import ts from "typescript";
import type { DenoConfig, EntryPoint } from "./config.ts";
import { moduleSpecifierLiterals } from "./emitted.ts";
import { NODE_SHIMS, NODE_SHIMS_FILE } from "./node_shims.ts";
import { CJS_DIR, ESM_DIR, outDir, rootDir } from "./paths.ts";

/** Compiler options that define the shape of the mirror; not overridable. */
export const FIXED_OPTIONS: ts.CompilerOptions = {
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
export const CJS_OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  // The sources are ES modules written for `verbatimModuleSyntax`; checked
  // in the ESM build, and turned into `require()` here.
  verbatimModuleSyntax: false,
  outDir: `${outDir}/${CJS_DIR}`,
};

/**
 * What differs for the commands of the package's `bin` (CommonJS too): they
 * dispose of the KV they open, so their types need `Disposable`.
 */
export const BIN_OPTIONS: ts.CompilerOptions = {
  ...CJS_OPTIONS,
  lib: [...FIXED_OPTIONS.lib!, "lib.esnext.disposable.d.ts"],
};

/** The fixed options, plus the strictness flags of `deno.json`. */
export function compilerOptions(config: DenoConfig): ts.CompilerOptions {
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
export interface Compiled {
  /** The emitted files by absolute path. */
  emitted: Map<string, string>;
  /** The names of the values (not types) each entry point exports. */
  valueExports: Map<string, string[]>;
}

/** Type-checks and emits one build. */
export function compile(
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
export function isTypeOnlyExport(symbol: ts.Symbol): boolean {
  return (symbol.declarations ?? []).some((declaration) =>
    (ts.isExportSpecifier(declaration) &&
      (declaration.isTypeOnly || declaration.parent.parent.isTypeOnly)) ||
    (ts.isExportDeclaration(declaration) && declaration.isTypeOnly)
  );
}

/** Replaces `./x.ts` with `./x.js` in the module specifiers of a `.d.ts`. */
export function rewriteTsSpecifiers(file: string, text: string): string {
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
export function rewriteExampleImports(
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

export function formatDiagnostics(
  diagnostics: readonly ts.Diagnostic[],
): string {
  const host: ts.FormatDiagnosticsHost = {
    getCanonicalFileName: (file) => file,
    getCurrentDirectory: () => rootDir,
    getNewLine: () => "\n",
  };
  return Deno.stderr.isTerminal() && Deno.env.get("NO_COLOR") === undefined
    ? ts.formatDiagnosticsWithColorAndContext(diagnostics, host)
    : ts.formatDiagnostics(diagnostics, host);
}
