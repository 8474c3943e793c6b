/**
 * What the session commands work on: an open store, however it was opened
 * (`openStore` on Deno, the npm package's `grammy-sessions` on Node.js).
 * No `Deno` here, so that the commands compile for Node.js too.
 *
 * @module
 */
import type { StorageAdapter } from "../contract/storage_adapter.ts";
import type { KvKey, KvLike } from "../stores/kv/kv_like.ts";
import type { InfoMethods } from "./session_info.ts";

/**
 * What the tools need of a session store: listing, versions and
 * compare-and-set, and, if it reports them, sizes and expiry
 * (`DenoKvStorage` has all of these).
 */
export type ToolStorage =
  & StorageAdapter<unknown>
  & Required<
    Pick<
      StorageAdapter<unknown>,
      | "has"
      | "readAllKeys"
      | "readAllEntries"
      | "readWithVersion"
      | "compareAndSet"
    >
  >
  & InfoMethods;

/** An open store, as the CLI and the inspector use it. */
export interface OpenStore extends Disposable {
  /** The Deno KV handle, when the store is a Deno KV. */
  kv?: KvLike;
  /** The session store (no time to live: reads never write). */
  storage: ToolStorage;
  /** A store over the same sessions that writes with a time to live. */
  expiring: (timeToLive: number) => ToolStorage;
  /** Where the store is, for messages: an absolute path or a URL. */
  location: string;
  /** The key prefix of the sessions. */
  prefix: KvKey;
}
