// This module is browser compatible.
// The option `lease` every store with a lease takes (`DenoKvStorage`,
// `RedisStorage`, `PostgresStorage`): `true` or `{ timeToLive }`, checked
// the same way, with the same defaults.

/** The option `lease` of a store: off, on, or on with its time to live. */
export type LeaseOption = boolean | { timeToLive?: number };

/** The lease's time to live with `lease: true`: 10 seconds. */
export const DEFAULT_LEASE_TTL = 10_000;
/** The longest hold when the middleware does not say (its `lockTimeout`). */
export const DEFAULT_MAX_HOLD = 30_000;

/**
 * The lease's time to live, or `undefined` if the lease is off.
 *
 * @throws {RangeError} unless the time to live is a positive, finite number.
 */
export function leaseTimeToLive(
  option: LeaseOption = false,
): number | undefined {
  if (option === false) return undefined;
  const ttl = option === true
    ? DEFAULT_LEASE_TTL
    : option.timeToLive ?? DEFAULT_LEASE_TTL;
  if (!(typeof ttl === "number" && ttl > 0 && Number.isFinite(ttl))) {
    throw new RangeError(
      `lease.timeToLive must be a positive number of milliseconds, got ${ttl}`,
    );
  }
  return ttl;
}
