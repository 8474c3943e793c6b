// What the npm build reads from deno.json: the package metadata, the entry
// points (each with a `@module` doc and an example), the npm-only fields.
import { rootDir } from "./paths.ts";

/**
 * Entry points that run on Deno only and are left out of the npm mirror: the
 * session tools (`./cli`) open KV with `Deno.openKv` and serve with
 * `Deno.serve`.
 */
export const DENO_ONLY_EXPORTS = new Set(["./cli"]);

/** The parts of `deno.json` the build reads. */
export interface DenoConfig {
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
export const NPM_FIELDS = [
  "author",
  "repository",
  "homepage",
  "bugs",
  "keywords",
  "engines",
  "peerDependencies",
  "peerDependenciesMeta",
  "bin",
] as const;

/**
 * A command of the package (`npm.bin` in deno.json: its name and the module
 * that runs it, which exports `nodeMain(argv): Promise<number>`).
 */
export interface BinEntry {
  name: string;
  /** Relative to the project root, without `./`. */
  source: string;
}

/** The commands of `deno.json`'s `npm.bin`. */
export function binEntries(config: DenoConfig): BinEntry[] {
  const bin = (config.npm?.bin ?? {}) as Record<string, string>;
  return Object.entries(bin).map(([name, target]) => {
    if (!/^[a-z][a-z0-9-]*$/.test(name)) {
      throw new Error(`npm.bin: "${name}" is not a command name`);
    }
    if (!/^\.\/src\/.*\.ts$/.test(target)) {
      throw new Error(
        `npm.bin "${name}" points to ${target}, expected a .ts file in src/`,
      );
    }
    return { name, source: target.slice(2) };
  });
}

/** One subpath of the package: `"."` or `"./kv"`, and its source file. */
export interface EntryPoint {
  subpath: string;
  /** Relative to the project root, without `./`, e.g. `kv.ts`. */
  source: string;
}

/** `deno.json`'s `npm` field, checked against the fields the build knows. */
export function npmFields(config: DenoConfig): Record<string, unknown> {
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
  // The commands are written by the build (binEntries), not copied.
  const { bin: _bin, ...copied } = npm;
  return copied;
}

export function packageMetadata(
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

export function entryPoints(config: DenoConfig): EntryPoint[] {
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
export async function checkModuleDocs(entries: EntryPoint[]): Promise<void> {
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
