/**
 * What the session tools show about a session without printing it: its size
 * and its expiry. Stores that know these (the Deno KV store's `readInfo` and
 * `readAllInfo`) are asked; for any other store the size is measured.
 *
 * @module
 */
import { serialize } from "node:v8";
import type { StorageAdapter } from "../contract/storage_adapter.ts";

/** The size and expiry of one stored session. */
export interface SessionInfo {
  /** The session key. */
  key: string;
  /** The size of the value in bytes of V8 serialisation (what KV stores). */
  bytes: number;
  /** When the session expires (milliseconds since the epoch), if known. */
  expiresAt: number | undefined;
}

/** The optional methods a store may have that report sizes and expiry. */
export interface InfoMethods {
  /** The size and expiry of one session, `undefined` if it is absent. */
  readInfo?: (key: string) => Promise<SessionInfo | undefined>;
  /** The size and expiry of every session, in key order. */
  readAllInfo?: () => AsyncIterable<SessionInfo>;
}

/**
 * The size of a value as KV would store it: its V8 serialisation in bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { valueBytes } from "./session_info.ts";
 *
 * assert(valueBytes({ text: "x".repeat(1000) }) > 1000);
 * ```
 */
export function valueBytes(value: unknown): number {
  return serialize(value).byteLength;
}

function infoMethods<T>(storage: StorageAdapter<T>): InfoMethods {
  return storage as InfoMethods;
}

/**
 * The size and expiry of the session under `key`, `undefined` if there is
 * none. Without `readInfo` on the store the session is read and measured
 * (and its expiry is unknown).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemorySessionStorage } from "../../mod.ts";
 * import { readSessionInfo } from "./session_info.ts";
 *
 * const storage = new MemorySessionStorage<string>();
 * storage.write("7", "hello");
 * assert.equal((await readSessionInfo(storage, "7"))?.key, "7");
 * assert.equal(await readSessionInfo(storage, "8"), undefined);
 * ```
 */
export async function readSessionInfo<T>(
  storage: StorageAdapter<T>,
  key: string,
): Promise<SessionInfo | undefined> {
  const { readInfo } = infoMethods(storage);
  if (typeof readInfo === "function") {
    const info = await readInfo.call(storage, key);
    return info === undefined ? undefined : pick(info);
  }
  const value = await storage.read(key);
  if (value === undefined) return undefined;
  return { key, bytes: valueBytes(value), expiresAt: undefined };
}

function pick(info: SessionInfo): SessionInfo {
  return { key: info.key, bytes: info.bytes, expiresAt: info.expiresAt };
}

/**
 * Lists every session with its size and expiry, streaming. Uses the store's
 * `readAllInfo` if it has one, else `readAllEntries` (measuring each value),
 * else `readAllKeys` and `read`.
 *
 * @throws {TypeError} If the store cannot list its keys.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemorySessionStorage } from "../../mod.ts";
 * import { listSessions } from "./session_info.ts";
 *
 * const storage = new MemorySessionStorage<number>();
 * storage.write("a", 1);
 * storage.write("b", 2);
 * const keys = [];
 * for await (const info of listSessions(storage)) keys.push(info.key);
 * assert.deepEqual(keys, ["a", "b"]);
 * ```
 */
export async function* listSessions<T>(
  storage: StorageAdapter<T>,
): AsyncGenerator<SessionInfo, void, undefined> {
  const { readAllInfo } = infoMethods(storage);
  if (typeof readAllInfo === "function") {
    for await (const info of readAllInfo.call(storage)) yield pick(info);
  } else if (typeof storage.readAllEntries === "function") {
    for await (const [key, value] of storage.readAllEntries()) {
      yield { key, bytes: valueBytes(value), expiresAt: undefined };
    }
  } else if (typeof storage.readAllKeys === "function") {
    for await (const key of storage.readAllKeys()) {
      const value = await storage.read(key);
      if (value === undefined) continue;
      yield { key, bytes: valueBytes(value), expiresAt: undefined };
    }
  } else {
    throw new TypeError(
      "The storage cannot list its sessions: it has neither readAllEntries nor readAllKeys",
    );
  }
}
