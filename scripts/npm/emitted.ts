// What the emitted files may import, and the npm dependencies their bare
// imports become through deno.json's import map.
import ts from "typescript";
import type { DenoConfig } from "./config.ts";
import { rootDir } from "./paths.ts";

/** A module specifier found in an emitted file. */
export interface FoundImport {
  file: string;
  specifier: string;
  inTypes: boolean;
}

/**
 * Checks what Node and TypeScript consumers will see, and returns every
 * non-relative import of the emitted files.
 */
export function checkEmittedFiles(emitted: Map<string, string>): FoundImport[] {
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
export function moduleSpecifiers(source: ts.SourceFile): string[] {
  return [
    ...moduleSpecifierLiterals(source).map((literal) => literal.text),
    ...source.typeReferenceDirectives.map((reference) => reference.fileName),
  ];
}

export function moduleSpecifierLiterals(
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
export function denoNamespaceReferences(source: ts.SourceFile): number[] {
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
export function dependenciesFor(
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

export function importMapTarget(
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
