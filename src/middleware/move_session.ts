// This module is browser compatible.

/**
 * Moving a session from one key to another without ever overwriting one:
 * {@linkcode moveSession}, used by the automatic chat migration (see
 * `chat_migration.ts` and `docs/chat_migrations.md`).
 *
 * @module
 */

import { rewriteArgs } from "../contract/_rewrite.ts";
import { type AtomicMove, MOVE_SESSION } from "../contract/_move_hook.ts";
import {
  SessionConflictError,
  type StorageOperation,
} from "../contract/errors.ts";
import type {
  CompareAndSetResult,
  SessionLease,
  StorageAdapter,
  VersionedValue,
} from "../contract/storage_adapter.ts";
import { fingerprint } from "../values/_fingerprint.ts";
import { lockPrefix, sessionLocks } from "./_key_lock.ts";
import { updateOwner } from "./_context_session.ts";
import { storageError } from "./_session_io.ts";

/** Options of {@linkcode moveSession}. */
export interface MoveSessionOptions {
  /**
   * The context of the update that moves the session. With it, the move
   * waits for other updates of both keys in this process to finish (and
   * reuses the session lock this update already holds); without it, no
   * lock is taken and only compare-and-set guards the move.
   */
  ctx?: object;
}

/**
 * Moves the session stored under `fromKey` to `toKey`, for bots whose
 * session keys are not plain chat ids (a custom `getSessionKey`), so the
 * automatic chat migration does not apply to them. It never overwrites: if
 * a session is stored under `toKey` already, both stay as they are and it
 * returns `false` (unless that session is an exact copy left by an
 * interrupted move: then the move is completed).
 *
 * `DenoKvStorage` moves atomically: the commit that creates the new key
 * (checked absent) also deletes the old one (checked unchanged). Other
 * compare-and-set stores (`MemorySessionStorage`, `enhanceStorage`) create
 * the new key only if still absent, then delete the old one only if
 * unchanged (else the copy is taken back and the move starts over); a crash
 * between the two leaves a copy, never a loss, and the next move of the same
 * keys finishes the job. Other storages are read, written and deleted in
 * turn. See `docs/chat_migrations.md`.
 *
 * @example Moving per-user sessions of a group to its new supergroup
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemorySessionStorage, moveSession } from "../../mod.ts";
 *
 * const storage = new MemorySessionStorage<{ score: number }>();
 * storage.write("-4012345:77", { score: 3 });
 * assert(await moveSession(storage, "-4012345:77", "-1009876543210:77"));
 * assert(storage.read("-4012345:77") === undefined);
 * assert(storage.read("-1009876543210:77")?.score === 3);
 * // Nothing left to move: the second service message changes nothing.
 * assert(!await moveSession(storage, "-4012345:77", "-1009876543210:77"));
 * ```
 *
 * @param storage The storage holding the session (the one your session
 * middleware uses, with any prefix already part of the keys).
 * @param fromKey The key the session is stored under now.
 * @param toKey The key to move it to.
 * @param options See {@linkcode MoveSessionOptions}.
 * @returns `true` if the session is now stored under `toKey` and no longer
 * under `fromKey`; `false` if nothing was stored under `fromKey`, or a
 * different session is stored under `toKey` (then both are kept).
 * @throws {TypeError} for bad input (keys that are not strings, equal keys,
 * a storage without read, write and delete); nothing is changed.
 * @throws {SessionStorageError} if the storage fails; the session is then
 * under `fromKey`, or under both keys.
 */
export async function moveSession<S>(
  storage: StorageAdapter<S>,
  fromKey: string,
  toKey: string,
  options: MoveSessionOptions = {},
): Promise<boolean> {
  const why = badInput(storage, fromKey, toKey, options);
  if (why !== undefined) {
    throw new TypeError(
      typeof fromKey === "string"
        ? `Cannot move session "${fromKey}": ${why}`
        : `Cannot move a session: ${why}`,
    );
  }
  const move = () => moveUnlocked(storage, fromKey, toKey);
  const { ctx } = options;
  return await (ctx === undefined
    ? move()
    : withLocks(storage, [fromKey, toKey], ctx, MOVE_LOCK_TIMEOUT, move));
}

function badInput(
  storage: unknown,
  from: unknown,
  to: unknown,
  options: unknown,
): string | undefined {
  if (typeof from !== "string") {
    return `the key to move from must be a string, got ${describe(from)}`;
  }
  if (typeof to !== "string") {
    return `the key to move to must be a string, got ${describe(to)}`;
  }
  if (from === to) return "it cannot be moved to itself (the keys are equal)";
  const s = storage as Partial<StorageAdapter<unknown>> | null;
  if (
    typeof s !== "object" || s === null || typeof s.read !== "function" ||
    typeof s.write !== "function" || typeof s.delete !== "function"
  ) {
    return "the storage must have read, write and delete methods";
  }
  const ctx = (options as MoveSessionOptions | null)?.ctx;
  if (
    typeof options !== "object" || options === null ||
    (ctx !== undefined && (typeof ctx !== "object" || ctx === null))
  ) {
    return "the options must be an object, and `ctx` a context object";
  }
  return undefined;
}

function describe(value: unknown): string {
  return value === null ? "null" : typeof value;
}

/** The keys' hold time of `moveSession({ ctx })`: the default lockTimeout. */
const MOVE_LOCK_TIMEOUT = 30_000;

// Takes the per-process locks of `keys` for the update of `ctx`, in sorted
// order (the order the multi session uses too), runs `body`, and gives back
// what it took. A lock this update holds already is taken again (counted),
// and its key is in the set `body` gets: this update holds that key already
// (and its lease, if the storage has one). Losing a lock to `timeout` stops
// nothing: compare-and-set still guards.
export async function withLocks<T>(
  storage: object,
  keys: readonly string[],
  ctx: object,
  timeout: number,
  body: (ownKeys: ReadonlySet<string>) => Promise<T>,
): Promise<T> {
  const owner = updateOwner(ctx);
  const prefix = lockPrefix(storage);
  const names = keys.map((key) => [prefix + key, key] as const)
    .sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
  const held: string[] = [];
  const ownKeys = new Set<string>();
  try {
    for (const [name, key] of names) {
      const heldBefore = sessionLocks.isHeld(name);
      const acquired = sessionLocks.acquire(name, owner, timeout);
      // `false`: waiting would deadlock; go ahead without it.
      if (acquired === false) continue;
      if (acquired !== true) await acquired;
      else if (heldBefore) ownKeys.add(key);
      held.push(name);
    }
    return await body(ownKeys);
  } finally {
    for (const name of held) sessionLocks.release(name, owner);
  }
}

/** How often a move starts over because the old session kept changing. */
const ATTEMPTS = 5;

/**
 * Moves without taking locks; see {@linkcode moveSession}. `leases` are the
 * storage's leases the caller holds on the keys: a store's atomic move may
 * release them in its commit.
 */
export async function moveUnlocked<S>(
  storage: StorageAdapter<S>,
  from: string,
  to: string,
  leases: readonly SessionLease[] = [],
): Promise<boolean> {
  const atomic = (storage as AtomicMove)[MOVE_SESSION];
  if (typeof atomic === "function") {
    const moved = await call(
      to,
      "write",
      () => atomic.call(storage, from, to, { leases }),
    );
    if (moved !== undefined) return moved;
  }
  if (storage.readWithVersion === undefined || !storage.compareAndSet) {
    return await movePlain(storage, from, to);
  }
  const read = (key: string) =>
    call<VersionedValue<S>>(key, "read", () => storage.readWithVersion!(key));
  // The moved value is stored data: limits for new data do not apply.
  const extra = rewriteArgs(storage);
  const cas = (key: string, expected: string | null, value: S | undefined) =>
    call<CompareAndSetResult>(
      key,
      value === undefined ? "delete" : "write",
      () => storage.compareAndSet!(key, expected, value, ...extra),
    );
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const source = await read(from);
    if (source.value === undefined) return false;
    const target = await read(to);
    if (target.value !== undefined) {
      // Never overwrite; but an exact copy is what a move that stopped
      // between its two steps leaves behind: finish it.
      if (!sameData(source.value, target.value)) return false;
      if ((await cas(from, source.version, undefined)).ok) return true;
      continue; // the old session changed meanwhile: look again
    }
    const created = await cas(to, target.version, source.value);
    if (!created.ok) continue; // created meanwhile: look again
    if ((await cas(from, source.version, undefined)).ok) return true;
    // The old session changed after we read it. Deleted (or evicted): the
    // copy is all there is, and it stays. Otherwise take the copy back and
    // start over, unless the copy is in use already (then both stay).
    if ((await read(from)).value === undefined) return true;
    if (!(await cas(to, created.version, undefined)).ok) return false;
  }
  throw new SessionConflictError(from);
}

async function movePlain<S>(
  storage: StorageAdapter<S>,
  from: string,
  to: string,
): Promise<boolean> {
  const value = await call<S | undefined>(
    from,
    "read",
    () => storage.read(from),
  );
  if (value === undefined) return false;
  const existing = await call<S | undefined>(
    to,
    "read",
    () => storage.read(to),
  );
  if (existing === undefined) {
    await call(
      to,
      "write",
      () => storage.write(to, value, ...rewriteArgs(storage)),
    );
  } else if (!sameData(value, existing)) {
    return false;
  }
  await call(from, "delete", () => storage.delete(from));
  return true;
}

function sameData(a: unknown, b: unknown): boolean {
  const print = fingerprint(a);
  return print !== undefined && print === fingerprint(b);
}

async function call<T>(
  key: string,
  operation: StorageOperation,
  run: () => T | PromiseLike<T>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw storageError(key, operation, error);
  }
}
