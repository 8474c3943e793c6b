// This module is browser compatible.
// The automatic chat migration across instances. With a storage that has
// `acquireLease` (DenoKvStorage with `lease`), the move is an update of both
// keys like any other: it takes the lease of the old key and of the new one
// (in sorted order, as every move does, so two moves cannot wait for each
// other), waiting while an update of either chat runs on another instance,
// moves while holding them, and gives them back. A store that moves in one
// commit releases them in it (and refuses the move if one was lost). A key
// whose lock this update holds already (a second session middleware on the
// same storage) is leased by this update already: it is not taken again.

import type {
  SessionLease,
  StorageAdapter,
} from "../contract/storage_adapter.ts";
import { storageError } from "./_session_io.ts";
import { moveUnlocked } from "./move_session.ts";

/**
 * Moves session `from` to `to` of `storage` holding their leases, if the
 * storage has leases; `ownKeys` are the keys this update holds already.
 * Each lease is held for at most `maxHold` ms (the session's `lockTimeout`).
 */
export async function moveHoldingLeases<S>(
  storage: StorageAdapter<S>,
  from: string,
  to: string,
  ownKeys: ReadonlySet<string>,
  maxHold: number,
): Promise<boolean> {
  const acquire = storage.acquireLease?.bind(storage);
  if (acquire === undefined) return await moveUnlocked(storage, from, to);
  const leases: SessionLease[] = [];
  try {
    for (const key of [from, to].sort()) {
      if (ownKeys.has(key)) continue;
      try {
        leases.push(await acquire(key, { maxHold }));
      } catch (error) {
        throw storageError(key, "read", error);
      }
    }
    return await moveUnlocked(storage, from, to, leases);
  } finally {
    // A no-op for leases the move's commit released; a failed release only
    // delays the next holder until the lease expires.
    await Promise.all(leases.map((lease) => lease.release().catch(() => {})));
  }
}
