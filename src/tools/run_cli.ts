/**
 * The session CLI, whatever runs it: parses the command line, opens the
 * store through the host, runs the command and turns every failure into one
 * line on stderr and a non-zero exit code (2 for a usage mistake, 1 for
 * anything else). `cli_main.ts` runs it on Deno, `node_cli.ts` on Node.js
 * (the npm package's `grammy-sessions`). No `Deno` here.
 *
 * @module
 */
import { parseArgs, USAGE, UsageError } from "./args.ts";
import type { CliIo } from "./cli_io.ts";
import { ImportError } from "./operations.ts";
import type { KvKey } from "../stores/kv/kv_like.ts";
import type { OpenStore } from "./store_handle.ts";
import {
  deleteCommand,
  getCommand,
  listCommand,
  setCommand,
} from "./session_commands.ts";
import { exportCommand, importCommand } from "./transfer_commands.ts";

/** What a runtime gives the CLI: how to open a store and serve the page. */
export interface CliHost {
  /**
   * Opens the store at `location` as the user typed it (a relative path is
   * the host's to resolve); with `mustExist`, a missing file is an error.
   * Errors name the absolute path tried.
   */
  open(
    location: string,
    prefix: KvKey,
    options: { mustExist: boolean },
  ): Promise<OpenStore>;
  /** `serve`: runs the inspector page until it is stopped. */
  serve(store: OpenStore, io: CliIo, port: number): Promise<number>;
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*\n\s*/g, " ");
}

/**
 * Runs the session CLI with `argv` (without the program name) on `io`.
 *
 * @returns 0 on success, 1 on a failure (a missing session, a bad value, a
 * conflict, a failed import), 2 on a usage mistake.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runCli } from "./run_cli.ts";
 *
 * const out: string[] = [];
 * const io = {
 *   stdin: ReadableStream.from<Uint8Array>([]),
 *   out: async (text: string) => void out.push(text),
 *   err: async (_text: string) => {},
 *   errIsTerminal: false,
 * };
 * const host = {
 *   open: () => Promise.reject(new Error("not reached")),
 *   serve: () => Promise.resolve(0),
 * };
 * assert.equal(await runCli(["help"], io, host), 0);
 * assert.match(out.join(""), /Usage/);
 * ```
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  host: CliHost,
): Promise<number> {
  let args;
  try {
    args = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    await io.err(`sessions: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (args.command === "help" || args.kv === undefined) {
    await io.out(USAGE);
    return 0;
  }
  let store: OpenStore | undefined;
  try {
    const reads = ["list", "get", "export", "serve", "delete"];
    store = await host.open(args.kv, args.prefix, {
      mustExist: reads.includes(args.command),
    });
    switch (args.command) {
      case "list":
        return await listCommand(store, io, args.json);
      case "get":
        return await getCommand(store, io, args.key!);
      case "set":
        return await setCommand(store, io, args.key!);
      case "delete":
        return await deleteCommand(store, io, args.key!);
      case "export":
        return await exportCommand(store, io);
      case "import":
        return await importCommand(store, io, args.overwrite);
      case "serve":
        return await host.serve(store, io, args.port);
    }
    return 2; // unreachable: parseArgs knows no other command
  } catch (error) {
    let text = `sessions: ${oneLine(error)}\n`;
    if (error instanceof ImportError && error.report.written.length > 0) {
      text += `sessions: written before the failure: ${
        JSON.stringify(error.report.written)
      }\n`;
    }
    await io.err(text);
    return 1;
  } finally {
    store?.[Symbol.dispose]();
  }
}
