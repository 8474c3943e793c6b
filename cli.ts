/**
 * The session tools: a command line to list, read, edit, delete, export and
 * import the sessions in a Deno KV (a file or a KV Connect URL), a local
 * inspector page, and the same operations as functions for scripts.
 *
 * ```sh
 * deno run -A jsr:@sessionkit/grammy/cli list --kv bot.kv
 * deno run -A jsr:@sessionkit/grammy/cli get 424242 --kv bot.kv
 * deno run -A jsr:@sessionkit/grammy/cli export --kv bot.kv > sessions.ndjson
 * deno run -A jsr:@sessionkit/grammy/cli serve --kv bot.kv
 * ```
 *
 * Values are shown and exchanged in a tagged JSON encoding that keeps every
 * type KV keeps (Map, Set, Date, BigInt, typed arrays, `undefined`, `NaN`,
 * ...); see {@linkcode encodeValue}.
 *
 * @example Moving sessions from one store to another in a script
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemorySessionStorage } from "./mod.ts";
 * import { DenoKvStorage } from "./kv.ts";
 * import { copySessions } from "./cli.ts";
 *
 * const old = new MemorySessionStorage<{ visits: Set<string> }>();
 * old.write("42", { visits: new Set(["2024-01-01"]) });
 * const kv = await Deno.openKv(":memory:");
 * try {
 *   const report = await copySessions(old, new DenoKvStorage(kv));
 *   assert.deepEqual(report.written, ["42"]);
 * } finally {
 *   kv.close();
 * }
 * ```
 *
 * @module
 */
import { main } from "./src/tools/cli_main.ts";

export { main } from "./src/tools/cli_main.ts";
export type { CliIo } from "./src/tools/cli_io.ts";
export * from "./src/tools/json_encoding.ts";
export * from "./src/tools/json_decoding.ts";
export * from "./src/tools/ndjson.ts";
export * from "./src/tools/operations.ts";
export * from "./src/tools/session_info.ts";
export { type RunningInspector, startInspector } from "./src/tools/server.ts";
export type { InspectorStore } from "./src/tools/inspector_api.ts";
export {
  type OpenStore,
  openStore,
  type OpenStoreOptions,
  type ToolStorage,
} from "./src/tools/open_store.ts";

if (import.meta.main) {
  Deno.exitCode = await main(Deno.args);
}
