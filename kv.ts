/**
 * The Deno KV session store.
 *
 * @module
 */
export * from "./src/errors.ts";
export * from "./src/deno_kv_storage.ts";
