/**
 * The CLI commands about single sessions and the list: `list`, `get`,
 * `set`, `delete`. Each returns the exit code.
 *
 * @module
 */
import type { CliIo } from "./cli_io.ts";
import { decodeValue } from "./json_decoding.ts";
import { encodeValue } from "./json_encoding.ts";
import type { OpenStore } from "./store_handle.ts";
import { prettyJson } from "./pretty_json.ts";
import { formatBytes } from "./progress.ts";
import { listSessions, readSessionInfo } from "./session_info.ts";

/**
 * Prints a key for people: as is, or JSON-quoted if it has odd characters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { showKey } from "./session_commands.ts";
 *
 * assert.equal(showKey("42"), "42");
 * assert.equal(showKey("a b"), '"a b"');
 * ```
 */
export function showKey(key: string): string {
  return /^[\x21-\x7e\u00a0-\uffff]+$/.test(key) && !key.startsWith('"')
    ? key
    : JSON.stringify(key);
}

function hasInfo(store: OpenStore): boolean {
  return typeof (store.storage as { readAllInfo?: unknown }).readAllInfo ===
    "function";
}

/**
 * `list`: key, size and expiry per line, or NDJSON with `json`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openStore } from "./open_store.ts";
 * import { listCommand } from "./session_commands.ts";
 *
 * const path = await Deno.makeTempFile({ suffix: ".kv" });
 * using store = await openStore(path, ["sessions"]);
 * const out: string[] = [];
 * const io = {
 *   stdin: ReadableStream.from([new TextEncoder().encode("")]),
 *   out: (text: string) => Promise.resolve(void out.push(text)),
 *   err: (_text: string) => Promise.resolve(),
 *   errIsTerminal: false,
 * };
 * await store.storage.write("42", { n: 1 });
 * assert.equal(await listCommand(store, io, true), 0);
 * assert.match(out.join(""), /"key":"42"/);
 * ```
 */
export async function listCommand(
  store: OpenStore,
  io: CliIo,
  json: boolean,
): Promise<number> {
  const known = hasInfo(store);
  let buffer = "";
  for await (const info of listSessions(store.storage)) {
    if (json) {
      buffer += JSON.stringify({
        key: info.key,
        bytes: info.bytes,
        expiresAt: info.expiresAt ?? null,
      }) + "\n";
    } else {
      const expiry = info.expiresAt !== undefined
        ? `expires ${new Date(info.expiresAt).toISOString()}`
        : known
        ? "no expiry"
        : "expiry unknown";
      buffer += `${showKey(info.key)}\t${formatBytes(info.bytes)}\t${expiry}\n`;
    }
    if (buffer.length > 65536) {
      await io.out(buffer);
      buffer = "";
    }
  }
  await io.out(buffer);
  return 0;
}

function missing(store: OpenStore, key: string): string {
  return `No session ${JSON.stringify(key)} under prefix ${
    JSON.stringify(encodeValue(store.prefix))
  } in ${store.location}\n`;
}

/**
 * `get KEY`: the session as pretty tagged JSON; exit 1 if it is missing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openStore } from "./open_store.ts";
 * import { getCommand } from "./session_commands.ts";
 *
 * const path = await Deno.makeTempFile({ suffix: ".kv" });
 * using store = await openStore(path, ["sessions"]);
 * const out: string[] = [];
 * const io = {
 *   stdin: ReadableStream.from([new TextEncoder().encode("")]),
 *   out: (text: string) => Promise.resolve(void out.push(text)),
 *   err: (_text: string) => Promise.resolve(),
 *   errIsTerminal: false,
 * };
 * await store.storage.write("42", { at: new Date(0) });
 * assert.equal(await getCommand(store, io, "42"), 0);
 * assert.match(out.join(""), /"\$date": "1970/);
 * assert.equal(await getCommand(store, io, "43"), 1);
 * ```
 */
export async function getCommand(
  store: OpenStore,
  io: CliIo,
  key: string,
): Promise<number> {
  const value = await store.storage.read(key);
  if (value === undefined) {
    await io.err(missing(store, key));
    return 1;
  }
  await io.out(
    prettyJson(encodeValue(value, `session ${JSON.stringify(key)}`)) + "\n",
  );
  return 0;
}

/**
 * Parses the text of a session (tagged JSON), naming the key in errors.
 *
 * @throws {TypeError} If the text is not JSON or not valid tagged JSON.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSessionText } from "./session_commands.ts";
 *
 * assert.deepEqual(parseSessionText("7", '{"n":{"$bigint":"1"}}'), { n: 1n });
 * assert.throws(() => parseSessionText("7", "{n: 1"), /session "7"/);
 * ```
 */
export function parseSessionText(key: string, text: string): unknown {
  const name = `session ${JSON.stringify(key)}`;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TypeError(`${name}: not JSON (${(error as Error).message})`);
  }
  const value = decodeValue(json, name);
  if (value === undefined) {
    throw new TypeError(`${name}: a session cannot be undefined (use delete)`);
  }
  return value;
}

/**
 * Writes a session with compare-and-set against `version`, keeping its
 * current expiry when the store reports it. Returns `false` on a conflict.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openStore } from "./open_store.ts";
 * import { writeSession } from "./session_commands.ts";
 *
 * const path = await Deno.makeTempFile({ suffix: ".kv" });
 * using store = await openStore(path, ["sessions"]);
 * assert(await writeSession(store, "42", null, { n: 1 }));
 * assert(!await writeSession(store, "42", null, { n: 2 }));
 * ```
 */
export async function writeSession(
  store: Pick<OpenStore, "storage" | "expiring">,
  key: string,
  version: string | null,
  value: unknown,
): Promise<boolean> {
  const expiresAt = (await readSessionInfo(store.storage, key))?.expiresAt;
  const target = expiresAt === undefined
    ? store.storage
    : store.expiring(Math.max(1, expiresAt - Date.now()));
  const result = await target.compareAndSet(key, version, value);
  return result.ok;
}

/**
 * `set KEY`: the session from tagged JSON on stdin, compare-and-set.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openStore } from "./open_store.ts";
 * import { setCommand } from "./session_commands.ts";
 *
 * const path = await Deno.makeTempFile({ suffix: ".kv" });
 * using store = await openStore(path, ["sessions"]);
 * const out: string[] = [];
 * const io = {
 *   stdin: ReadableStream.from([new TextEncoder().encode('{"n":{"$bigint":"1"}}')]),
 *   out: (text: string) => Promise.resolve(void out.push(text)),
 *   err: (_text: string) => Promise.resolve(),
 *   errIsTerminal: false,
 * };
 * assert.equal(await setCommand(store, io, "42"), 0);
 * assert.deepEqual(await store.storage.read("42"), { n: 1n });
 * ```
 */
export async function setCommand(
  store: OpenStore,
  io: CliIo,
  key: string,
): Promise<number> {
  const text = await new Response(io.stdin).text();
  const value = parseSessionText(key, text);
  const { version } = await store.storage.readWithVersion(key);
  if (!await writeSession(store, key, version, value)) {
    throw new Error(
      `session ${
        JSON.stringify(key)
      } changed while it was written; nothing was written, try again`,
    );
  }
  await io.err(`Wrote session ${JSON.stringify(key)}\n`);
  return 0;
}

/**
 * `delete KEY`: exit 1 if there is no such session.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openStore } from "./open_store.ts";
 * import { deleteCommand } from "./session_commands.ts";
 *
 * const path = await Deno.makeTempFile({ suffix: ".kv" });
 * using store = await openStore(path, ["sessions"]);
 * const out: string[] = [];
 * const io = {
 *   stdin: ReadableStream.from([new TextEncoder().encode("")]),
 *   out: (text: string) => Promise.resolve(void out.push(text)),
 *   err: (_text: string) => Promise.resolve(),
 *   errIsTerminal: false,
 * };
 * await store.storage.write("42", 1);
 * assert.equal(await deleteCommand(store, io, "42"), 0);
 * assert.equal(await deleteCommand(store, io, "42"), 1);
 * ```
 */
export async function deleteCommand(
  store: OpenStore,
  io: CliIo,
  key: string,
): Promise<number> {
  if (!await store.storage.has(key)) {
    await io.err(missing(store, key));
    return 1;
  }
  await store.storage.delete(key);
  await io.err(`Deleted session ${JSON.stringify(key)}\n`);
  return 0;
}
