// Test helpers for the session CLI and the project's `deno` commands, run
// for real as subprocesses: what they print and how they end.
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
