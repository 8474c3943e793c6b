/**
 * The command line of the session tools: which command, which KV, which
 * options. Parsing only; running is in `commands.ts`.
 *
 * @module
 */
import { decodeValue } from "./json_decoding.ts";

/** The commands of the CLI. */
export type CommandName =
  | "list"
  | "get"
  | "set"
  | "delete"
  | "export"
  | "import"
  | "serve"
  | "help";

/** A parsed command line. */
export interface CliArgs {
  /** The command. */
  command: CommandName;
  /** The session key (`get`, `set`, `delete`). */
  key?: string;
  /** The KV to open: a file path or a KV Connect URL; or a Redis URL. */
  kv?: string;
  /** The key prefix of the sessions. */
  prefix: (string | number | bigint | boolean | Uint8Array)[];
  /** `list --json`: NDJSON output. */
  json: boolean;
  /** `import --overwrite`: replace existing sessions. */
  overwrite: boolean;
  /** `serve --port N` (0: any free port). */
  port: number;
}

/** The usage text printed by `help` and on usage errors. */
export const USAGE: string =
  `Usage: sessions <command> [key] --kv PATH_OR_URL [options]

Commands:
  list              one line per session: key, size, expiry (--json: NDJSON)
  get KEY           print the session as tagged JSON (exit 1 if missing)
  set KEY           write the session from tagged JSON on stdin (compare-and-set)
  delete KEY        delete the session
  export            write every session to stdout as NDJSON
  import            read NDJSON from stdin (--overwrite replaces, else skips)
  serve             start the inspector page on 127.0.0.1 (--port N)

Options:
  --kv PATH_OR_URL  KV file or KV Connect URL (token: DENO_KV_ACCESS_TOKEN),
                    or a postgres:// URL
  --redis URL       Redis instead: redis://[user:password@]host:port[/db]
  --prefix JSON     key prefix as a JSON array (default ["sessions"]; Redis:
                    one string, default [] for no prefix; PostgreSQL: the
                    table, as ["table"])
  --json            list: one JSON object per line
  --overwrite       import: replace sessions that exist
  --port N          serve: port to listen on (default: a free port)
`;

/**
 * A mistake on the command line: print the message and the usage, exit 2.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseArgs, UsageError } from "./args.ts";
 *
 * assert.throws(() => parseArgs(["list"]), UsageError);
 * ```
 */
export class UsageError extends Error {
  /**
   * Creates the error.
   *
   * @param message What is wrong with the command line.
   */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const COMMANDS = new Set<string>([
  "list",
  "get",
  "set",
  "delete",
  "export",
  "import",
  "serve",
  "help",
]);
const WITH_KEY = new Set<string>(["get", "set", "delete"]);

function parsePrefix(text: string): CliArgs["prefix"] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError(`--prefix must be a JSON array, got ${text}`);
  }
  if (!Array.isArray(json)) {
    throw new UsageError(`--prefix must be a JSON array, got ${text}`);
  }
  let parts: unknown;
  try {
    parts = decodeValue(json, "--prefix");
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  for (const part of parts as unknown[]) {
    if (
      !["string", "number", "bigint", "boolean"].includes(typeof part) &&
      !(part instanceof Uint8Array)
    ) {
      throw new UsageError(
        `--prefix parts must be strings, numbers, booleans, {"$bigint":"1"} or {"$Uint8Array":"base64"}, got ${
          JSON.stringify(text)
        }`,
      );
    }
  }
  return parts as CliArgs["prefix"];
}

/**
 * Parses the command line.
 *
 * @throws {UsageError} For an unknown command or option, or a missing value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseArgs } from "./args.ts";
 *
 * const args = parseArgs(["get", "42", "--kv", "bot.kv", "--prefix=[\"s\"]"]);
 * assert.equal(args.command, "get");
 * assert.equal(args.key, "42");
 * assert.deepEqual(args.prefix, ["s"]);
 * ```
 */
export function parseArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = {
    command: "help",
    prefix: ["sessions"],
    json: false,
    overwrite: false,
    port: 0,
  };
  const positional: string[] = [];
  let prefixGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const value = (): string => {
      if (eq !== -1) return arg.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`${name} needs a value`);
      return next;
    };
    switch (name) {
      case "-h":
      case "--help":
        return { ...args, command: "help" };
      case "--kv":
        args.kv = value();
        break;
      case "--redis": {
        const url = value();
        if (!/^rediss?:\/\//i.test(url)) {
          throw new UsageError("--redis needs a redis:// or rediss:// URL");
        }
        args.kv = url;
        break;
      }
      case "--prefix":
        args.prefix = parsePrefix(value());
        prefixGiven = true;
        break;
      case "--port": {
        const text = value();
        const port = Number(text);
        if (!Number.isInteger(port) || port < 0 || port > 65535) {
          throw new UsageError(`--port must be a port number, got ${text}`);
        }
        args.port = port;
        break;
      }
      case "--json":
        args.json = true;
        break;
      case "--overwrite":
        args.overwrite = true;
        break;
      default:
        throw new UsageError(`unknown option ${name}`);
    }
  }
  const [command, ...rest] = positional;
  if (command === undefined) return args;
  if (!COMMANDS.has(command)) {
    throw new UsageError(`unknown command ${command}`);
  }
  args.command = command as CommandName;
  if (WITH_KEY.has(command)) {
    if (rest.length !== 1) {
      throw new UsageError(`${command} needs exactly one session key`);
    }
    args.key = rest[0]!;
  } else if (rest.length > 0) {
    throw new UsageError(`${command} takes no argument, got ${rest[0]}`);
  }
  if (command !== "help" && args.kv === undefined) {
    throw new UsageError(
      "--kv or --redis is required (a KV file, a KV Connect URL or a Redis URL)",
    );
  }
  // Redis keys have no default prefix (storage-redis's layout).
  if (!prefixGiven && /^rediss?:\/\//i.test(args.kv ?? "")) args.prefix = [];
  return args;
}
