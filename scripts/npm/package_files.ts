// The files of the package that TypeScript does not write: the exports map,
// the Node.js wrappers over the CommonJS build, the bin wrappers.
import type { BinEntry, EntryPoint } from "./config.ts";
import { CJS_DIR, ESM_DIR, NODE_DIR } from "./paths.ts";

/** `kv.ts` -> `kv.js` (relative to one build's folder). */
export function jsName(entry: EntryPoint): string {
  return entry.source.replace(/\.ts$/, ".js");
}

/** `kv.ts` -> `kv.d.ts` (relative to one build's folder). */
export function dtsName(entry: EntryPoint): string {
  return entry.source.replace(/\.ts$/, ".d.ts");
}

/**
 * The conditions of one subpath. Node.js and Bun (`node`) get the ES module
 * wrapper for `import`, the CommonJS build for `require`: the same code both
 * ways. Bundlers, browsers and Workers get the ES modules.
 */
export function exportConditions(entry: EntryPoint): Record<string, unknown> {
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
export function nodeWrapper(entry: EntryPoint, names: string[]): string {
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

/** The script npm links as the command `bin.name` (CommonJS, for Node.js). */
export function binWrapper(bin: BinEntry): string {
  const module = bin.source.replace(/\.ts$/, ".js");
  return [
    "#!/usr/bin/env node",
    `// \`${bin.name}\`: ${
      module.replace(/^src\//, "")
    } of the CommonJS build.`,
    `"use strict";`,
    `require("../${CJS_DIR}/${module}")`,
    "  .nodeMain(process.argv.slice(2))",
    "  .then((code) => {",
    "    process.exitCode = code;",
    "  });",
  ].join("\n") + "\n";
}

/** What package.json is made of, besides deno.json's fields. */
export interface PackageParts {
  meta: { name: string; version: string; description: string; license: string };
  /** deno.json's npm field, without `bin`. */
  npm: Record<string, unknown>;
  entries: EntryPoint[];
  bins: BinEntry[];
  dependencies: Record<string, string>;
  /** Peers found in the emitted types (optional ones). */
  typePeers: Record<string, string>;
}

/** The package.json of the mirror. */
export function packageJson(parts: PackageParts): Record<string, unknown> {
  const { meta, npm, entries, bins, dependencies, typePeers } = parts;
  const peerDependencies = {
    ...typePeers,
    ...(npm.peerDependencies as Record<string, string> | undefined),
  };
  const main = entries.find((entry) => entry.subpath === ".");
  const others = entries.filter((entry) => entry.subpath !== ".");
  return {
    ...meta,
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
    ...(bins.length > 0
      ? {
        bin: Object.fromEntries(
          bins.map((bin) => [bin.name, `./bin/${bin.name}.cjs`]),
        ),
      }
      : {}),
    sideEffects: false,
    ...(Object.keys(dependencies).length > 0 ? { dependencies } : {}),
    ...(Object.keys(peerDependencies).length > 0
      ? {
        peerDependencies,
        peerDependenciesMeta: {
          ...Object.fromEntries(
            Object.keys(typePeers).map((name) => [name, { optional: true }]),
          ),
          ...(npm.peerDependenciesMeta as Record<string, unknown> | undefined),
        },
      }
      : {}),
  };
}
