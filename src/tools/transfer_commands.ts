/**
 * The CLI commands that move many sessions: `export` (NDJSON to stdout) and
 * `import` (NDJSON from stdin). Both stream, one session in memory at a
 * time, and draw a progress bar when stderr is a terminal.
 *
 * @module
 */
import type { CliIo } from "./cli_io.ts";
import { encodeRecord, readLines, type SessionRecord } from "./ndjson.ts";
import { decodeRecord } from "./ndjson.ts";
import type { OpenStore } from "./store_handle.ts";
import { exportSessions, importSessions } from "./operations.ts";
import { Progress } from "./progress.ts";

const FLUSH_BYTES = 65536;

/**
 * `export`: every session as one NDJSON line on stdout.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openStore } from "./open_store.ts";
 * import { exportCommand } from "./transfer_commands.ts";
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
 * await store.storage.write("42", new Set([1]));
 * assert.equal(await exportCommand(store, io), 0);
 * assert.equal(out.join(""), '{"key":"42","value":{"$set":[1]}}\n');
 * ```
 */
export async function exportCommand(
  store: OpenStore,
  io: CliIo,
): Promise<number> {
  let progress: Progress | undefined;
  if (io.errIsTerminal) {
    let total = 0;
    for await (const _ of store.storage.readAllKeys()) total++;
    progress = new Progress("export", (text) => void io.err(text), { total });
  }
  let buffer = "";
  let count = 0;
  let bytes = 0;
  for await (const record of exportSessions(store.storage)) {
    const line = encodeRecord(record) + "\n";
    buffer += line;
    count++;
    bytes += line.length;
    progress?.update(count, bytes);
    if (buffer.length >= FLUSH_BYTES) {
      await io.out(buffer);
      buffer = "";
    }
  }
  await io.out(buffer);
  progress?.done();
  if (!io.errIsTerminal) {
    await io.err(`Exported ${count} session${count === 1 ? "" : "s"}\n`);
  }
  return 0;
}

/**
 * `import`: NDJSON sessions from stdin; existing ones skipped or replaced.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openStore } from "./open_store.ts";
 * import { importCommand } from "./transfer_commands.ts";
 *
 * const path = await Deno.makeTempFile({ suffix: ".kv" });
 * using store = await openStore(path, ["sessions"]);
 * const out: string[] = [];
 * const io = {
 *   stdin: ReadableStream.from([new TextEncoder().encode('{"key":"42","value":{"$bigint":"1"}}\n')]),
 *   out: (text: string) => Promise.resolve(void out.push(text)),
 *   err: (_text: string) => Promise.resolve(),
 *   errIsTerminal: false,
 * };
 * assert.equal(await importCommand(store, io, false), 0);
 * assert.equal(await store.storage.read("42"), 1n);
 * ```
 */
export async function importCommand(
  store: OpenStore,
  io: CliIo,
  overwrite: boolean,
): Promise<number> {
  const progress = io.errIsTerminal
    ? new Progress("import", (text) => void io.err(text), {
      total: io.stdinSize,
      unit: "bytes",
    })
    : undefined;
  let bytes = 0;
  async function* records(): AsyncGenerator<SessionRecord> {
    for await (const line of readLines(io.stdin)) {
      bytes += line.text.length + 1;
      yield decodeRecord(line.text, line.number);
    }
  }
  try {
    const report = await importSessions(store.storage, records(), {
      overwrite,
      expiring: store.expiring,
      onProgress: (report) =>
        progress?.update(
          report.written.length + report.skipped.length +
            report.expired.length,
          bytes,
        ),
    });
    progress?.done();
    const { written, skipped, expired } = report;
    let summary = `Imported ${written.length} session${
      written.length === 1 ? "" : "s"
    }`;
    if (skipped.length > 0) {
      summary += `; skipped ${skipped.length} that exist (use --overwrite): ${
        JSON.stringify(skipped)
      }`;
    }
    if (expired.length > 0) {
      summary += `; left out ${expired.length} expired: ${
        JSON.stringify(expired)
      }`;
    }
    await io.err(summary + "\n");
    return 0;
  } catch (error) {
    progress?.done();
    throw error;
  }
}
