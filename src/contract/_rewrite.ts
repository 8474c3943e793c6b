// This module is browser compatible.
// A write that puts stored data back, rather than new data: enhanceStorage's
// refresh of a deadline, or the migration of a value on read. A store's
// limits for new data (`DenoKvStorage`'s `maxBytes`) do not apply to it, so
// data stored before a limit was lowered stays readable. It travels in the
// write's options under a symbol, and only to a store that says it takes it
// (`true` under the same symbol): a grammY adapter may read a third argument
// of `write` as something else.
import type { WriteOptions } from "./storage_adapter.ts";

/** The options key that marks a write of stored data. */
export const REWRITE: unique symbol = Symbol.for(
  "@sessionkit/grammy/rewrite@1",
);

/** The options of a write that puts stored data back. */
export const REWRITE_OPTIONS: WriteOptions = Object.freeze(
  { [REWRITE]: true } as WriteOptions & { [REWRITE]: true },
);

/** The extra arguments for a write of stored data to `storage`. */
export function rewriteArgs(storage: object): [] | [WriteOptions] {
  return isRewrite(storage) ? [REWRITE_OPTIONS] : [];
}

/**
 * Whether `options` mark a write of stored data (or, for a store, whether
 * it takes such writes: the same mark).
 */
export function isRewrite(options: unknown): boolean {
  return typeof options === "object" && options !== null &&
    (options as { [REWRITE]?: unknown })[REWRITE] === true;
}
