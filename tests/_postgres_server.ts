// A real PostgreSQL server for tests: Debian's PostgreSQL 15 (`initdb`, then
// the `postgres` server itself) in a temporary folder on a free port,
// owned by the `postgres` user when the tests run as root (the server
// refuses to run as root). `stop()` signals exactly the process it started
// (the PID the server wrote in its data folder) and removes the folder.
//
// A missing server is an error with the install hint, never a skip.

/** Where Debian's `postgresql` package puts the server's programs. */
export const PG_BIN = Deno.env.get("SESSIONKIT_PG_BIN") ??
  "/usr/lib/postgresql/15/bin";

/** The hint a missing server gives. */
export const PG_INSTALL_HINT =
  "install Debian's PostgreSQL 15 with `apt-get install postgresql` (or set SESSIONKIT_PG_BIN to the folder holding initdb and postgres)";

/** A running server started by {@linkcode startPostgres}. */
export interface PostgresServer extends AsyncDisposable {
  /** The TCP port it listens on (127.0.0.1). */
  port: number;
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (no password). */
  url: string;
  /** The PID of the server process this helper started. */
  pid: number;
  /** Stops the server (fast shutdown) and removes its folder. */
  stop(): Promise<void>;
}

async function run(
  command: string,
  args: string[],
  what: string,
): Promise<string> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(command, {
      args,
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    throw new Error(`${what} could not run: ${(error as Error).message}`);
  }
  const text = new TextDecoder().decode(output.stdout) +
    new TextDecoder().decode(output.stderr);
  if (!output.success) throw new Error(`${what} failed:\n${text}`);
  return text;
}

/** A port nobody listens on right now. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT"); // signal 0 is not offered; CONT is harmless
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts a fresh PostgreSQL server. Throws with {@linkcode PG_INSTALL_HINT}
 * if the server's programs are missing.
 *
 * @param bin The folder of `initdb` and `postgres` (tests of the hint).
 * @param options `cpus`: pins the server to these cores (`taskset -c`), for
 * benchmarks.
 */
export async function startPostgres(
  bin = PG_BIN,
  options: { cpus?: string } = {},
): Promise<PostgresServer> {
  for (const program of ["initdb", "postgres"]) {
    if (!(await exists(`${bin}/${program}`))) {
      throw new Error(
        `PostgreSQL is not installed (no ${bin}/${program}): ${PG_INSTALL_HINT}`,
      );
    }
  }
  const asRoot = Deno.uid() === 0;
  // Runs a server program, as the postgres user when we are root.
  const as = (program: string, args: string[]): [string, string[]] =>
    asRoot
      ? ["runuser", ["-u", "postgres", "--", `${bin}/${program}`, ...args]]
      : [`${bin}/${program}`, args];
  const dir = await Deno.makeTempDir({ prefix: "sessionkit-pg-" });
  try {
    if (asRoot) {
      const uid = Number((await run("id", ["-u", "postgres"], "id")).trim());
      const gid = Number((await run("id", ["-g", "postgres"], "id")).trim());
      await Deno.chown(dir, uid, gid);
    }
    const data = `${dir}/data`;
    await run(
      ...as("initdb", [
        "-D",
        data,
        "-U",
        "postgres",
        "-A",
        "trust",
        "-E",
        "UTF8",
        "--locale=C",
        "--no-sync",
      ]),
      "initdb",
    );
    const port = freePort();
    const [program, programArgs] = as("postgres", [
      "-D",
      data,
      "-p",
      String(port),
      "-k",
      dir,
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "fsync=off",
      "-c",
      "full_page_writes=off",
      "-c",
      "max_connections=200",
    ]);
    const [command, args] = options.cpus === undefined
      ? [program, programArgs]
      : ["taskset", ["-c", options.cpus, program, ...programArgs]];
    const child = new Deno.Command(command, {
      args,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const log: string[] = [];
    const draining = (async () => {
      for await (
        const chunk of child.stderr.pipeThrough(new TextDecoderStream())
      ) log.push(chunk);
    })();
    const pid = await waitForServer(`${data}/postmaster.pid`, port, child, log);
    let stopped: Promise<void> | undefined;
    const stop = () =>
      stopped ??= (async () => {
        if (alive(pid)) Deno.kill(pid, "SIGINT"); // fast shutdown
        await child.status;
        await draining;
        while (alive(pid)) await new Promise((r) => setTimeout(r, 20));
        await Deno.remove(dir, { recursive: true });
      })();
    return {
      port,
      pid,
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
}

// Waits until the server accepts TCP connections; gives the PID it wrote.
async function waitForServer(
  pidFile: string,
  port: number,
  child: Deno.ChildProcess,
  log: string[],
): Promise<number> {
  let exited = false;
  void child.status.then(() => exited = true);
  for (let i = 0; i < 600; i++) {
    if (exited) {
      throw new Error(`PostgreSQL did not start:\n${log.join("")}`);
    }
    try {
      const pid = Number((await Deno.readTextFile(pidFile)).split("\n")[0]);
      const ready = (await Deno.readTextFile(pidFile)).includes("ready");
      if (pid > 0 && ready) {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port });
        conn.close();
        return pid;
      }
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill("SIGKILL");
  throw new Error(`PostgreSQL did not start within 30 s:\n${log.join("")}`);
}
