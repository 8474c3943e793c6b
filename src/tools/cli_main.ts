/**
 * The session CLI: parses the command line, opens the KV, runs the command
 * and turns every failure into one line on stderr and a non-zero exit code
 * (2 for a usage mistake, 1 for anything else). A relative `--kv` path is
 * resolved against the folder the command was started in (`INIT_CWD`, set by
 * `deno task` and `npm run`, or else the current folder).
 *
 * @module
 */
import type { CliIo } from "./cli_io.ts";
import { processIo } from "./deno_io.ts";
import { openStore } from "./open_store.ts";
import { runCli } from "./run_cli.ts";
import { serveInspector } from "./server.ts";

/**
 * The folder the user started the command in: `deno task` (and `npm run`)
 * run it in the project folder and pass that one as `INIT_CWD`.
 */
function startFolder(): string {
  let initCwd: string | undefined;
  try {
    initCwd = Deno.env.get("INIT_CWD");
  } catch {
    initCwd = undefined; // no permission to read it: the current folder
  }
  return initCwd || Deno.cwd();
}

/**
 * Runs the session CLI with the given arguments and returns its exit code.
 *
 * @param argv The arguments, without the program name.
 * @param io The streams (default: this process's).
 * @returns 0 on success, 1 on a failure (a missing session, a bad value, a
 * conflict, a failed import), 2 on a usage mistake.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { main } from "./cli_main.ts";
 *
 * const path = await Deno.makeTempFile({ suffix: ".kv" });
 * const out: string[] = [];
 * const io = {
 *   stdin: ReadableStream.from([new TextEncoder().encode('{"n":1}')]),
 *   out: async (text: string) => void out.push(text),
 *   err: async (_text: string) => {},
 *   errIsTerminal: false,
 * };
 * assert.equal(await main(["set", "42", "--kv", path], io), 0);
 * assert.equal(await main(["get", "42", "--kv", path], io), 0);
 * assert.deepEqual(JSON.parse(out.join("")), { n: 1 });
 * ```
 */
export async function main(
  argv: readonly string[],
  io?: CliIo,
): Promise<number> {
  return await runCli(argv, io ?? await processIo(), {
    open: (location, prefix, options) =>
      openStore(location, prefix, { ...options, base: startFolder() }),
    serve: serveInspector,
  });
}
