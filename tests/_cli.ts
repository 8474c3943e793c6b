// Test helpers for the session CLI and the project's `deno` commands, run
// for real as subprocesses: what they print and how they end, the inspector
// (`serve`) started in the background, and a store over a KV file.
import { DenoKvStorage } from "../kv.ts";

/** The project folder. */
export const ROOT = new URL("..", import.meta.url);

/** How a subprocess ended and what it printed. */
export interface Run {
  code: number;
  signal: Deno.Signal | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `deno ARGS` (in the project folder unless `cwd` says otherwise, with
 * `NO_COLOR=1` added to `env`) with `stdin` as its whole input (`null`: no
 * stdin at all); returns how it ended and its output.
 */
export async function runDeno(
  args: string[],
  options: {
    stdin?: string | null;
    cwd?: string | URL;
    env?: Record<string, string>;
    clearEnv?: boolean;
  } = {},
): Promise<Run> {
  const { stdin = "", cwd = ROOT, env = {}, clearEnv = false } = options;
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    clearEnv,
    env: { NO_COLOR: "1", ...env },
    stdin: stdin === null ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== null) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const { code, signal, stdout, stderr } = await child.output();
  const decoder = new TextDecoder();
  return {
    code,
    signal,
    stdout: decoder.decode(stdout),
    stderr: decoder.decode(stderr),
  };
}

/**
 * Runs the CLI, `deno run -A FLAGS cli.ts ARGS`, with `stdin` as its input;
 * returns how it ended and its output.
 */
export function cli(
  args: string[],
  stdin = "",
  options: { flags?: string[] } = {},
): Promise<Run> {
  const { flags = [] } = options;
  return runDeno(["run", "-A", ...flags, "cli.ts", ...args], { stdin });
}

/**
 * The CLI under the development config, for the Redis and PostgreSQL tools:
 * they load npm:ioredis or npm:pg, which a bot's own lock file records, not
 * this repository's deno.lock.
 */
export function devCli(args: string[], stdin = ""): Promise<Run> {
  return cli(args, stdin, { flags: ["--config", "deno.dev.json"] });
}

/**
 * Starts `deno run -A FLAGS cli.ts serve --kv PATH` (stderr inherited);
 * returns the URL it printed (with its token) and the process.
 */
export async function startServe(
  path: string,
  flags: string[] = [],
): Promise<{ url: string; child: Deno.ChildProcess }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...flags, "cli.ts", "serve", "--kv", path],
    cwd: ROOT,
    stdout: "piped",
    stderr: "inherit",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`serve exited before printing its URL: ${text}`);
    text += value;
  }
  reader.releaseLock();
  child.stdout.cancel().catch(() => {});
  const url = text.match(/http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+/)?.[0];
  if (url === undefined) throw new Error(`no URL in ${text}`);
  return { url, child };
}

/** Opens the KV file, runs `fn` on a session store over it, closes it. */
export async function withStore<T>(
  path: string,
  fn: (storage: DenoKvStorage<unknown>) => Promise<T>,
): Promise<T> {
  const kv = await Deno.openKv(path);
  try {
    return await fn(new DenoKvStorage<unknown>(kv));
  } finally {
    kv.close();
  }
}
