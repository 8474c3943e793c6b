// This module is browser compatible.
// The hook a store offers for moving a session in one step (contract layer).

/**
 * A store that can move a session atomically has a method under this
 * symbol (`DenoKvStorage`: one KV commit). It answers `true` (moved),
 * `false` (nothing under `from`), or `undefined`: use the generic move.
 */
export const MOVE_SESSION: unique symbol = Symbol.for(
  "@sessionkit/grammy/moveSession@1",
);

/** A store that may offer {@linkcode MOVE_SESSION}. */
export interface AtomicMove {
  [MOVE_SESSION]?: (from: string, to: string) => Promise<boolean | undefined>;
}
