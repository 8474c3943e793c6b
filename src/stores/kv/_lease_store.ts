// What `DenoKvStorage` needs to offer the lease (its option `lease`, checked
// by `../../contract/_lease_option.ts` as every store's): the `acquireLease`
// hook the session middleware calls, and recognising the store's own lease
// among a write's options.

import type {
  AcquireLeaseOptions,
  CompareAndSetResult,
  SessionLease,
  WriteOptions,
} from "../../contract/storage_adapter.ts";
import type { LeaseAtomic, LeaseKey, LeaseKv } from "./_lease_kv.ts";
import { SessionLeaseLostError } from "../../contract/lease_errors.ts";
import { DEFAULT_MAX_HOLD } from "../../contract/_lease_option.ts";
import { acquireLease, KvLease } from "./lease.ts";

/** The key part of a session's lease, under its head key. */
export const LEASE_PART = "~lease";

/**
 * The store's `acquireLease`: the lease of session `key` lives under its
 * head key, `[...headKey(key), "~lease"]` (listing sessions skips it).
 */
export function leaseAcquirer(
  kv: LeaseKv,
  headKey: (key: string) => LeaseKey,
  timeToLive: number,
): (key: string, options?: AcquireLeaseOptions) => Promise<SessionLease> {
  return (key, options = {}) =>
    acquireLease(kv, [...headKey(key), LEASE_PART], {
      timeToLive,
      maxHold: options.maxHold ?? DEFAULT_MAX_HOLD,
      label: key,
    });
}

/**
 * The store's own lease among a write's options, unless it was released
 * already. A lost lease is returned too: the write must then be refused.
 */
export function heldLease(
  options: WriteOptions | undefined,
): KvLease | undefined {
  const lease = options?.lease;
  return lease instanceof KvLease && (lease.held || lease.lost)
    ? lease
    : undefined;
}

/**
 * Runs a store write whose final commit takes `extras` (the store's hook for
 * extra checks and mutations), with the release of `lease` as the extras:
 * the write and the release happen together. A lost lease refuses the write
 * with a `SessionLeaseLostError`; a compare-and-set conflict is `{ ok: false }`
 * and leaves the lease held, for `release()` at the end of the update.
 */
export async function putWithLease(
  lease: KvLease,
  put: (extras: (atomic: LeaseAtomic) => void) => Promise<CompareAndSetResult>,
): Promise<CompareAndSetResult> {
  await lease.pause();
  if (lease.lost) throw new SessionLeaseLostError(lease.label);
  const result = await put((atomic) => lease.addRelease(atomic));
  await lease.settle(result);
  return result;
}
