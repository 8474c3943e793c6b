/**
 * The session tools on Node.js: the npm package's `grammy-sessions` command.
 * The same commands as on Deno (`run_cli.ts`), with the KV opened by the
 * `@deno/kv` package (an optional peer dependency: the bot that keeps its
 * sessions in a KV file has it installed already) and the inspector served by
 * `node:http`.
 *
 * ```sh
 * npx grammy-sessions list --kv ./bot.sqlite
 * ```
 *
 * @module
 */
import { type NodeOutput, process } from "./_node_process.ts";
import { stat } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { Readable } from "node:stream";
import { DenoKvStorage } from "../stores/kv/deno_kv_storage.ts";
import type { KvKey, KvLike } from "../stores/kv/kv_like.ts";
import type { CliIo } from "./cli_io.ts";
import { serveOnNode } from "./_node_serve.ts";
import { runCli } from "./run_cli.ts";
import type { OpenStore } from "./store_handle.ts";

/** The package that opens Deno KV on Node.js, loaded only when needed. */
const DENO_KV_PACKAGE = "@deno/kv";

/**
 * Runs the session tools with `argv` (without `node` and the script) on this
 * process's streams and returns the exit code.
 *
 * @example
 * ```ts ignore
 * process.exitCode = await nodeMain(process.argv.slice(2));
 * ```
 */
export async function nodeMain(argv: readonly string[]): Promise<number> {
  return await runCli(argv, await nodeIo(), {
    open: openOnNode,
    serve: serveOnNode,
  });
}

function write(stream: NodeOutput, text: string): Promise<void> {
  return new Promise((done, fail) =>
    stream.write(text, (error) => error ? fail(error) : done())
  );
}

async function nodeIo(): Promise<CliIo> {
  let stdinSize: number | undefined;
  try {
    const info = await stat("/dev/stdin");
    if (info.isFile()) stdinSize = info.size;
  } catch {
    stdinSize = undefined;
  }
  return {
    stdin: Readable.toWeb(
      process.stdin as Parameters<typeof Readable.toWeb>[0],
    ) as ReadableStream<Uint8Array>,
    out: (text) => write(process.stdout, text),
    err: (text) => write(process.stderr, text),
    errIsTerminal: process.stderr.isTTY === true,
    stdinSize,
  };
}

/**
 * A location as the user typed it, made absolute against the folder the
 * command was started in (`INIT_CWD`, set by `npm run` and `npx`, or else the
 * current folder). URLs and `:memory:` are kept as they are.
 */
function where(location: string): string {
  if (/^https?:\/\//i.test(location) || location === ":memory:") {
    return location;
  }
  if (isAbsolute(location)) return location;
  return resolve(process.env.INIT_CWD || process.cwd(), location);
}

async function openKv(path: string): Promise<KvLike & { close(): void }> {
  let module: { openKv(path: string): Promise<KvLike & { close(): void }> };
  try {
    module = await import(DENO_KV_PACKAGE);
  } catch {
    throw new Error(
      `Cannot open KV at ${path}: the ${DENO_KV_PACKAGE} package is not ` +
        `installed (npm i ${DENO_KV_PACKAGE}, in the bot's folder)`,
    );
  }
  try {
    return await module.openKv(path);
  } catch (error) {
    throw new Error(`Cannot open KV at ${path}: ${(error as Error).message}`);
  }
}

async function openOnNode(
  location: string,
  prefix: KvKey,
  options: { mustExist: boolean },
): Promise<OpenStore> {
  const path = where(location);
  if (options.mustExist && isAbsolute(path)) {
    let isFile: boolean;
    try {
      isFile = (await stat(path)).isFile();
    } catch {
      throw new Error(`No KV file at ${path}`);
    }
    if (!isFile) throw new Error(`${path} is not a KV file`);
  }
  const kv = await openKv(path);
  return {
    kv,
    storage: new DenoKvStorage<unknown>(kv, { prefix }),
    expiring: (timeToLive) =>
      new DenoKvStorage<unknown>(kv, { prefix, timeToLive, refreshRatio: 1 }),
    location: path,
    prefix,
    [Symbol.dispose]: () => kv.close(),
  };
}
