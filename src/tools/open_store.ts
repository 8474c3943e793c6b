/**
 * How the CLI and the inspector open the sessions: a KV file or a KV Connect
 * URL, and the Deno KV store over it with the chosen prefix.
 *
 * @module
 */
import { DenoKvStorage } from "../stores/kv/deno_kv_storage.ts";
import type { KvKey } from "../stores/kv/kv_like.ts";

/** An open KV with the session store over it. */
export interface OpenStore extends Disposable {
  /** The KV handle. */
  kv: Deno.Kv;
  /** The session store (no time to live: reads never write). */
  storage: DenoKvStorage<unknown>;
  /** A store over the same sessions that writes with a time to live. */
  expiring: (timeToLive: number) => DenoKvStorage<unknown>;
  /** Where the KV is, for messages. */
  location: string;
  /** The key prefix of the sessions. */
  prefix: KvKey;
}

/**
 * Opens a KV file or KV Connect URL. With `mustExist`, a file that does not
 * exist is an error (instead of a new, empty KV).
 *
 * @throws {Error} If the file is missing (with `mustExist`) or KV fails.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openStore } from "./open_store.ts";
 *
 * const path = await Deno.makeTempFile({ suffix: ".kv" });
 * using store = await openStore(path, ["sessions"], { mustExist: true });
 * assert.equal(await store.storage.read("42"), undefined);
 * ```
 */
export async function openStore(
  location: string,
  prefix: KvKey,
  options: { mustExist?: boolean } = {},
): Promise<OpenStore> {
  const isUrl = /^https?:\/\//i.test(location);
  if (!isUrl && options.mustExist) {
    try {
      const stat = await Deno.stat(location);
      if (!stat.isFile) throw new Error(`${location} is not a KV file`);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new Error(`No KV file at ${location}`);
      }
      throw error;
    }
  }
  let kv: Deno.Kv;
  try {
    kv = await Deno.openKv(location);
  } catch (error) {
    throw new Error(
      `Cannot open KV at ${location}: ${(error as Error).message}`,
    );
  }
  return {
    kv,
    storage: new DenoKvStorage<unknown>(kv, { prefix }),
    expiring: (timeToLive) =>
      new DenoKvStorage<unknown>(kv, { prefix, timeToLive, refreshRatio: 1 }),
    location,
    prefix,
    [Symbol.dispose]: () => kv.close(),
  };
}
