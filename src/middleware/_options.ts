// This module is browser compatible.
// Turns user options into what the per-update session state needs: defaults
// filled in, the prefix folded into the key function, and input checked.

import { MemorySessionStorage } from "../stores/memory/memory_session_storage.ts";
import type { SessionContext, SessionOptions } from "./session_options.ts";
import type {
  MaybePromise,
  StorageAdapter,
} from "../contract/storage_adapter.ts";
import { lockPrefix } from "./_key_lock.ts";
import { isPromiseLike } from "../contract/_util.ts";
import { deepClone } from "../values/_clone.ts";
import { migratingChatKey } from "./chat_migration.ts";
import { remembersVersions } from "../contract/_known_version.ts";

/** Session options with defaults applied. */
export interface ResolvedOptions<S> {
  initial: (() => S) | undefined;
  storage: StorageAdapter<S>;
  /** Returns the key with the prefix applied, or `undefined`. */
  getSessionKey: (ctx: object) => MaybePromise<string | undefined>;
  /** Whether the user gave their own key function (for error messages). */
  custom: boolean;
  sequential: boolean;
  /** Prefix of this storage's lock names (see `_key_lock.ts`). */
  lockPrefix: string;
  /** The key prefix if chats migrate automatically (see `chat_migration.ts`). */
  migrationPrefix: string | undefined;
  /** See `SessionOptions.lockTimeout`. */
  lockTimeout: number;
  /**
   * The storage is our own memory store, which answers at once and copies
   * on read: strict sessions read it on first access.
   */
  immediate: boolean;
  /**
   * A queued update may start from the state the update before it left
   * (`_handover.ts`): the storage has compare-and-set and no lease, it
   * remembers the version it last saw per key (`_known_version.ts`), and
   * updates of a key run one after another.
   */
  handOver: boolean;
}

/**
 * A fresh initial value for a session nothing is stored for, `undefined` if
 * there is no `initial`. A shared initial object must not leak between
 * chats, so it is copied (if it can be: else the storage reports it when it
 * is written).
 */
export function initialValue<S>(options: ResolvedOptions<S>): unknown {
  if (options.initial === undefined) return undefined;
  const value = options.initial();
  try {
    return deepClone(value);
  } catch {
    return value;
  }
}

/** The message of accessing (or assigning) a session without a key. */
export function undefinedKeyMessage(
  operation: "access" | "assign",
  lazy: boolean,
  custom: boolean,
): string {
  const reason = custom
    ? "the custom `getSessionKey` function returned undefined for this update"
    : "this update does not belong to a chat, so the session key is undefined";
  return `Cannot ${operation} ${
    lazy ? "lazy " : ""
  }session data because ${reason}!`;
}

/** The default `lockTimeout`: 30 seconds. */
export const DEFAULT_LOCK_TIMEOUT = 30_000;

function defaultGetSessionKey(ctx: object): string | undefined {
  return (ctx as SessionContext).chatId?.toString();
}

/** Fills in defaults and checks the options; throws TypeError if invalid. */
export function resolveOptions<S, C extends SessionContext>(
  options: SessionOptions<S, C> = {},
  where = "session options",
): ResolvedOptions<S> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`The ${where} must be an object`);
  }
  const {
    initial,
    prefix = "",
    storage,
    sequential = true,
    lockTimeout = DEFAULT_LOCK_TIMEOUT,
  } = options;
  const userKey = options.getSessionKey as
    | ((ctx: object) => MaybePromise<string | undefined>)
    | undefined;
  if (initial !== undefined && typeof initial !== "function") {
    throw new TypeError(`\`initial\` in the ${where} must be a function`);
  }
  if (typeof prefix !== "string") {
    throw new TypeError(`\`prefix\` in the ${where} must be a string`);
  }
  if (userKey !== undefined && typeof userKey !== "function") {
    throw new TypeError(`\`getSessionKey\` in the ${where} must be a function`);
  }
  if (
    storage !== undefined && (typeof storage !== "object" || storage === null ||
      typeof storage.read !== "function" ||
      typeof storage.write !== "function" ||
      typeof storage.delete !== "function")
  ) {
    throw new TypeError(
      `\`storage\` in the ${where} must have read, write and delete methods`,
    );
  }
  if (
    typeof lockTimeout !== "number" || Number.isNaN(lockTimeout) ||
    lockTimeout <= 0
  ) {
    throw new TypeError(
      `\`lockTimeout\` in the ${where} must be a positive number of milliseconds (or Infinity), but it is ${
        String(lockTimeout)
      }`,
    );
  }
  // Chat migrations: on by default, for the default key only.
  const { migrateChats = true } = options;
  if (typeof migrateChats !== "boolean") {
    throw new TypeError(`\`migrateChats\` in the ${where} must be a boolean`);
  }
  const migrate = migrateChats && userKey === undefined;
  const getKey = userKey ??
    (migrate ? migratingChatKey : defaultGetSessionKey);
  const check = (key: unknown): string | undefined => {
    if (key === undefined || typeof key === "string") {
      return key === undefined ? undefined : prefix + key;
    }
    throw new TypeError(
      `The session key must be a string or undefined, but ${
        userKey === undefined ? "the default key" : "`getSessionKey`"
      } gave ${key === null ? "null" : typeof key}`,
    );
  };
  const store: StorageAdapter<S> = storage ?? new MemorySessionStorage<S>();
  const immediate =
    Object.getPrototypeOf(store) === MemorySessionStorage.prototype;
  return {
    initial,
    storage: store,
    lockPrefix: lockPrefix(store),
    getSessionKey: (ctx) => {
      const key = getKey(ctx);
      return isPromiseLike(key) ? Promise.resolve(key).then(check) : check(key);
    },
    custom: userKey !== undefined,
    sequential: sequential !== false,
    lockTimeout,
    immediate,
    handOver: sequential !== false && !immediate &&
      store.readWithVersion !== undefined &&
      store.compareAndSet !== undefined && store.acquireLease === undefined &&
      remembersVersions(store),
    migrationPrefix: migrate ? prefix : undefined,
  };
}
