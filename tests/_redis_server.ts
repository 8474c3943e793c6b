// Real Redis servers for tests: Debian's `redis-server` started on a free
// loopback port in a temporary folder, and a local 3-node Redis Cluster
// (`--cluster-enabled yes`, joined with `redis-cli --cluster create`). Each
// helper stops exactly the processes it started (by their PIDs) and removes
// its folder. A missing binary fails the test with the install hint.

const INSTALL_HINT =
  "redis-server is not installed: install it with `apt-get install redis-server` (Debian), which also brings redis-cli";

/** One running `redis-server` started by a test. */
export interface RedisServer {
  /** Its loopback port. */
  port: number;
  /** `redis://127.0.0.1:<port>`. */
  url: string;
  /** The PID of the process this helper started. */
  pid: number;
  /** Stops the process (SIGTERM, then SIGKILL) and removes its folder. */
  stop(): Promise<void>;
}

/** A local Redis Cluster of 3 primaries (no replicas). */
export interface RedisCluster {
  /** The nodes, each a server started by this helper. */
  nodes: RedisServer[];
  /** `{ host, port }` of every node, for ioredis `Cluster`. */
  startupNodes: { host: string; port: number }[];
  /** Stops every node. */
  stop(): Promise<void>;
}

/**
 * The path of `name` on `searchPath` (default: `PATH`), or an error with the
 * install hint.
 */
export async function findBinary(
  name: string,
  searchPath = Deno.env.get("PATH") ?? "/usr/bin:/bin",
): Promise<string> {
  for (const dir of searchPath.split(":")) {
    try {
      const path = `${dir}/${name}`;
      if ((await Deno.stat(path)).isFile) return path;
    } catch {
      // not in this folder
    }
  }
  throw new Error(`${name} not found on ${searchPath}. ${INSTALL_HINT}`);
}

const binary = (name: string) => findBinary(name);

/** Whether a TCP port on 127.0.0.1 can be listened on right now. */
function portFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch {
    return false;
  }
}

/** A free port whose cluster bus port (port + 10000) is free too. */
function freePort(withBus: boolean): number {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 30000);
    if (portFree(port) && (!withBus || portFree(port + 10000))) return port;
  }
  throw new Error("no free port found for redis-server");
}

/** Sends one inline command over RESP and returns the raw reply. */
export async function rawCommand(port: number, command: string) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(command + "\r\n"));
    const buffer = new Uint8Array(65536);
    let text = "";
    const decoder = new TextDecoder();
    // Enough for the short replies asked for here (PING, CLUSTER INFO).
    for (let i = 0; i < 20; i++) {
      const n = await conn.read(buffer);
      if (n === null) break;
      text += decoder.decode(buffer.subarray(0, n));
      if (text.startsWith("$")) {
        const length = Number(text.slice(1, text.indexOf("\r\n")));
        if (text.length >= text.indexOf("\r\n") + 2 + length) break;
      } else if (text.endsWith("\r\n")) break;
    }
    return text;
  } finally {
    conn.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitReady(port: number, child: Deno.ChildProcess) {
  let exited = false;
  child.status.then(() => exited = true);
  for (let i = 0; i < 200; i++) {
    if (exited) throw new Error(`redis-server on port ${port} exited`);
    try {
      // With --requirepass it answers NOAUTH: listening all the same.
      const reply = await rawCommand(port, "PING");
      if (reply.startsWith("+PONG") || reply.startsWith("-NOAUTH")) return;
    } catch {
      // not listening yet
    }
    await sleep(25);
  }
  throw new Error(`redis-server on port ${port} did not answer PING in 5 s`);
}

async function startOne(
  extra: string[],
  withBus: boolean,
  cpu?: number,
  fixedPort?: number,
) {
  const server = await binary("redis-server");
  // `taskset` execs the server in its own process: the PID stays the same.
  for (let attempt = 0;; attempt++) {
    const port = fixedPort ?? freePort(withBus);
    const dir = await Deno.makeTempDir({ prefix: "sessionkit-redis-" });
    const child = new Deno.Command(cpu === undefined ? server : "taskset", {
      args: [
        ...(cpu === undefined ? [] : ["-c", String(cpu), server]),
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        dir,
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
        "--logfile",
        `${dir}/redis.log`,
        ...extra,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const stop = async () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // exited already
      }
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch {
          // exited meanwhile
        }
      }, 3000);
      await child.status;
      clearTimeout(timer);
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    };
    try {
      await waitReady(port, child);
    } catch (error) {
      await stop();
      // The port was taken meanwhile: another one (unless it was given).
      if (attempt < 3 && fixedPort === undefined) continue;
      throw error;
    }
    return {
      port,
      url: `redis://127.0.0.1:${port}`,
      pid: child.pid,
      stop,
    } satisfies RedisServer;
  }
}

/**
 * Starts `redis-server` on a free loopback port in a temporary folder, with
 * no persistence. Stop it with `stop()` (in a `finally`). With `cpu`, the
 * server is pinned to that core (`taskset -c`), as the benchmarks want;
 * `args` are more `redis-server` options (`["--requirepass", "..."]`);
 * `port` starts it on that port (a restart on the port of a stopped one).
 */
export function startRedis(
  options: { cpu?: number; args?: string[]; port?: number } = {},
): Promise<RedisServer> {
  return startOne(options.args ?? [], false, options.cpu, options.port);
}

/**
 * Starts 3 `redis-server` nodes with `--cluster-enabled yes` and joins them
 * with `redis-cli --cluster create` (3 primaries, no replicas), waiting until
 * every node says `cluster_state:ok`.
 */
export async function startRedisCluster(): Promise<RedisCluster> {
  const cli = await binary("redis-cli");
  const nodes: RedisServer[] = [];
  const stopAll = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  };
  try {
    for (let i = 0; i < 3; i++) {
      nodes.push(
        await startOne([
          "--cluster-enabled",
          "yes",
          "--cluster-config-file",
          "nodes.conf",
          "--cluster-node-timeout",
          "5000",
        ], true),
      );
    }
    const create = await new Deno.Command(cli, {
      args: [
        "--cluster",
        "create",
        ...nodes.map((node) => `127.0.0.1:${node.port}`),
        "--cluster-replicas",
        "0",
        "--cluster-yes",
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!create.success) {
      throw new Error(
        `redis-cli --cluster create failed: ${
          new TextDecoder().decode(create.stdout)
        }${new TextDecoder().decode(create.stderr)}`,
      );
    }
    for (let i = 0;; i++) {
      const states = await Promise.all(
        nodes.map((node) => rawCommand(node.port, "CLUSTER INFO")),
      );
      if (states.every((s) => s.includes("cluster_state:ok"))) break;
      if (i > 400) throw new Error("the cluster did not become ok in 10 s");
      await sleep(25);
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  return {
    nodes,
    startupNodes: nodes.map((node) => ({
      host: "127.0.0.1",
      port: node.port,
    })),
    stop: stopAll,
  };
}
