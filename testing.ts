// This module is browser compatible.

/**
 * Testing helpers: {@linkcode checkStorage}, the conformance suite that
 * tells whether a session store keeps the store contract (for authors of
 * storage adapters), and {@linkcode OfflineChat}, which drives a real grammY
 * bot with made-up updates and captures its replies (for a bot's own tests).
 * Neither needs a test runner or a network.
 *
 * @example Checking a store in a test
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemorySessionStorage } from "./mod.ts";
 * import { checkStorage } from "./testing.ts";
 *
 * const report = await checkStorage(
 *   (settings) => new MemorySessionStorage(settings),
 *   { timeToLive: 200 },
 * );
 * assert(report.ok, JSON.stringify(report.failures, null, 2));
 * ```
 *
 * @module
 */
export * from "./src/testing/check_storage.ts";
export type * from "./src/contract/storage_adapter.ts";
export * from "./src/testing/offline_chat.ts";
