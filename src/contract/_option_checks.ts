// This module is browser compatible.
// The checks of the options several stores share, with one message each:
// `timeToLive` (Deno KV, PostgreSQL, the memory store) and `refreshRatio`
// (Deno KV, PostgreSQL, enhanceStorage). Redis checks its own `timeToLive`
// (at least 1 ms: it stores whole milliseconds).

/**
 * Throws unless `timeToLive` is `undefined` (no expiry) or a positive
 * number of milliseconds: finite, unless `infinite` allows `Infinity` (the
 * memory store, where it means never).
 *
 * @throws {RangeError} naming the value.
 */
export function checkTimeToLive(timeToLive: unknown, infinite = false): void {
  if (
    timeToLive !== undefined &&
    !(typeof timeToLive === "number" && timeToLive > 0 &&
      (infinite || Number.isFinite(timeToLive)))
  ) {
    throw new RangeError(
      `timeToLive must be a positive number of milliseconds, got ${timeToLive}`,
    );
  }
}

/**
 * Throws unless `refreshRatio` is a number from 0 to 1.
 *
 * @throws {RangeError} naming the value.
 */
export function checkRefreshRatio(refreshRatio: unknown): void {
  if (
    typeof refreshRatio !== "number" || !(refreshRatio >= 0) ||
    refreshRatio > 1
  ) {
    throw new RangeError(
      `refreshRatio must be a number from 0 to 1, got ${refreshRatio}`,
    );
  }
}
