/**
 * The Deno KV session store.
 *
 * ```ts
 * import { SessionError } from "./kv.ts";
 * console.assert(typeof SessionError === "function");
 * ```
 *
 * @module
 */
export * from "./src/errors.ts";
export * from "./src/deno_kv_storage.ts";
