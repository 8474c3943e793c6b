/**
 * The session CLI: parses the command line, opens the KV, runs the command
 * and turns every failure into one line on stderr and a non-zero exit code
 * (2 for a usage mistake, 1 for anything else). A relative `--kv` path is
 * resolved against the folder the command was started in (`INIT_CWD`, set by
 * `deno task` and `npm run`, or else the current folder).
 *
 * @module
 */
import { parseArgs, USAGE, UsageError } from "./args.ts";
import { type CliIo, processIo } from "./cli_io.ts";
import { openStore } from "./open_store.ts";
import { ImportError } from "./operations.ts";
import { serveInspector } from "./server.ts";
import {
  deleteCommand,
  getCommand,
  listCommand,
  setCommand,
} from "./session_commands.ts";
import { exportCommand, importCommand } from "./transfer_commands.ts";

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

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*\n\s*/g, " ");
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
  const streams = io ?? await processIo();
  let args;
  try {
    args = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    await streams.err(`sessions: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (args.command === "help" || args.kv === undefined) {
    await streams.out(USAGE);
    return 0;
  }
  try {
    const reads = ["list", "get", "export", "serve", "delete"];
    using store = await openStore(args.kv, args.prefix, {
      mustExist: reads.includes(args.command),
      base: startFolder(),
    });
    switch (args.command) {
      case "list":
        return await listCommand(store, streams, args.json);
      case "get":
        return await getCommand(store, streams, args.key!);
      case "set":
        return await setCommand(store, streams, args.key!);
      case "delete":
        return await deleteCommand(store, streams, args.key!);
      case "export":
        return await exportCommand(store, streams);
      case "import":
        return await importCommand(store, streams, args.overwrite);
      case "serve":
        return await serveInspector(store, streams, args.port);
    }
  } catch (error) {
    let text = `sessions: ${oneLine(error)}\n`;
    if (error instanceof ImportError && error.report.written.length > 0) {
      text += `sessions: written before the failure: ${
        JSON.stringify(error.report.written)
      }\n`;
    }
    await streams.err(text);
    return 1;
  }
}
