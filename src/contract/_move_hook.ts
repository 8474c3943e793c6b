// This module is browser compatible.
// The hook a store offers for moving a session in one step (contract layer).

import type { SessionLease } from "./storage_adapter.ts";

/**
 * A store that can move a session atomically has a method under this
 * symbol (`DenoKvStorage`: one KV commit). It answers `true` (moved),
 * `false` (nothing under `from`), or `undefined`: use the generic move.
 * The leases the move holds (of its store's `acquireLease`) are passed in
 * `options.leases`: the store may release them in the move's commit.
 */
export const MOVE_SESSION: unique symbol = Symbol.for(
  "@sessionkit/grammy/moveSession@1",
);

/** What the mover passes to {@linkcode MOVE_SESSION}. */
export interface MoveOptions {
  /** The leases held on the two keys while moving. */
  leases?: readonly SessionLease[];
}

/** A store that may offer {@linkcode MOVE_SESSION}. */
export interface AtomicMove {
  [MOVE_SESSION]?: (
    from: string,
    to: string,
    options?: MoveOptions,
  ) => Promise<boolean | undefined>;
}
