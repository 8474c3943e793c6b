/**
 * The Deno KV session store.
 *
 * @module
 */
export * from "./src/errors.ts";
