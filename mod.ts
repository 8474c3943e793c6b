/**
 * Sessions for grammY bots.
 *
 * @module
 */
export * from "./src/errors.ts";
export type * from "./src/storage_adapter.ts";
