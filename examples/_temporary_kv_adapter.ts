/**
 * TEMPORARY: a minimal Deno KV storage adapter for the examples, used only
 * until `DenoKvStorage` from `../kv.ts` lands. Same constructor shape
 * (`new DenoKvStorage(kv, { prefix })`) and key layout (`[...prefix, key]`,
 * default prefix `["sessions"]`), none of its guarantees (no chunking, no
 * compare-and-set). Delete this file once `../kv.ts` exports `DenoKvStorage`.
 *
 * @module
 */
import type { StorageAdapter } from "../mod.ts";

/** Options for the temporary {@linkcode DenoKvStorage}. */
export interface DenoKvStorageOptions {
  /** Key prefix. Default: `["sessions"]`. */
  prefix?: Deno.KvKey;
}

/** TEMPORARY stand-in for `DenoKvStorage` from `../kv.ts`. */
export class DenoKvStorage<S> implements StorageAdapter<S> {
  readonly #kv: Deno.Kv;
  readonly #prefix: Deno.KvKey;

  /** @param kv An open KV handle, from `await Deno.openKv(path)`. */
  constructor(kv: Deno.Kv, options: DenoKvStorageOptions = {}) {
    this.#kv = kv;
    this.#prefix = options.prefix ?? ["sessions"];
  }

  /** Reads the session stored under `key`. */
  async read(key: string): Promise<S | undefined> {
    const entry = await this.#kv.get<S>([...this.#prefix, key]);
    return entry.value ?? undefined;
  }

  /** Stores the session under `key`. */
  async write(key: string, value: S): Promise<void> {
    await this.#kv.set([...this.#prefix, key], value);
  }

  /** Deletes the session stored under `key`. */
  async delete(key: string): Promise<void> {
    await this.#kv.delete([...this.#prefix, key]);
  }
}
