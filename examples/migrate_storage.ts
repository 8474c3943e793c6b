/**
 * Moving a bot's sessions into `DenoKvStorage` from another store, with the
 * session tools' `copySessions`:
 *
 * - from a directory of JSON files, one per session, `<key>.json` (adapt
 *   `jsonFileStorage` to the file naming of your file store), or
 * - from a Deno KV written by `@grammyjs/storage-denokv` under another
 *   prefix (each session stored raw at `[...prefix, key]`).
 *
 * Sessions that already exist in the target are kept (pass `--overwrite` to
 * replace them). Run with the bot stopped:
 *
 *   deno run -A examples/migrate_storage.ts --from-dir ./sessions --kv bot.kv
 *   deno run -A examples/migrate_storage.ts --from-kv old.kv --from-prefix '["bot"]' --kv bot.kv
 *
 * @module
 */
import type { StorageAdapter } from "../mod.ts";
import { DenoKvStorage } from "../kv.ts";
import { copySessions, type ImportReport } from "../cli.ts";

/** A store of JSON files, `<dir>/<key>.json` (the key URI-encoded). */
export function jsonFileStorage<T>(dir: string): StorageAdapter<T> {
  const file = (key: string) => `${dir}/${encodeURIComponent(key)}.json`;
  return {
    async read(key) {
      try {
        return JSON.parse(await Deno.readTextFile(file(key))) as T;
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return undefined;
        throw error;
      }
    },
    write: (key, value) => Deno.writeTextFile(file(key), JSON.stringify(value)),
    delete: (key) => Deno.remove(file(key)).catch(() => {}),
    async *readAllKeys() {
      for await (const entry of Deno.readDir(dir)) {
        if (entry.isFile && entry.name.endsWith(".json")) {
          yield decodeURIComponent(entry.name.slice(0, -".json".length));
        }
      }
    },
  };
}

/** The layout of `@grammyjs/storage-denokv`: each value raw at `[...prefix, key]`. */
export function rawKvStorage<T>(
  kv: Deno.Kv,
  prefix: Deno.KvKey,
): StorageAdapter<T> {
  return {
    read: async (key) => (await kv.get<T>([...prefix, key])).value ?? undefined,
    write: async (key, value) => void await kv.set([...prefix, key], value),
    delete: (key) => kv.delete([...prefix, key]),
    async *readAllEntries() {
      for await (const entry of kv.list<T>({ prefix })) {
        const key = entry.key.at(-1);
        if (entry.key.length === prefix.length + 1 && typeof key === "string") {
          yield [key, entry.value];
        }
      }
    },
  };
}

/** Copies every session of `from` into the Deno KV store over `kv`. */
export function migrate<T>(
  from: StorageAdapter<T>,
  kv: Deno.Kv,
  options: { overwrite?: boolean } = {},
): Promise<ImportReport> {
  const to = new DenoKvStorage<T>(kv);
  return copySessions(from, to, {
    overwrite: options.overwrite ?? false,
    onProgress: (report) => {
      const count = report.written.length;
      if (count > 0 && count % 1000 === 0) {
        console.error(`${count} sessions copied`);
      }
    },
  });
}

if (import.meta.main) {
  const args = Deno.args;
  const option = (name: string) => {
    const i = args.indexOf(name);
    return i === -1 ? undefined : args[i + 1];
  };
  const target = option("--kv");
  const dir = option("--from-dir");
  const oldKv = option("--from-kv");
  if (target === undefined || (dir === undefined) === (oldKv === undefined)) {
    console.error(
      "Usage: migrate_storage.ts (--from-dir DIR | --from-kv FILE [--from-prefix JSON]) --kv FILE [--overwrite]",
    );
    Deno.exit(2);
  }
  const kv = await Deno.openKv(target);
  const source = oldKv === undefined ? undefined : await Deno.openKv(oldKv);
  try {
    const from = source === undefined
      ? jsonFileStorage<unknown>(dir!)
      : rawKvStorage<unknown>(
        source,
        JSON.parse(option("--from-prefix") ?? '["sessions"]'),
      );
    const { written, skipped } = await migrate(from, kv, {
      overwrite: args.includes("--overwrite"),
    });
    console.error(
      `Copied ${written.length} sessions; kept ${skipped.length} that existed`,
    );
  } finally {
    source?.close();
    kv.close();
  }
}
