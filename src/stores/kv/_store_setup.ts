// Setting up a new `DenoKvStorage`: the handle checked, its KV work
// (`_kv_store.ts`) made from the options, its writer registered for commits
// with extra operations (`commit_extras.ts`), the lease's `acquireLease` if
// the option `lease` is on (`_lease_store.ts`), and its key prefix claimed on
// the handle (`prefixes.ts`), last, so that a store refused for its options
// claims no prefix.
import type {
  AcquireLeaseOptions,
  SessionLease,
} from "../../contract/storage_adapter.ts";
import { leaseAcquirer } from "./_lease_store.ts";
import { leaseTimeToLive } from "../../contract/_lease_option.ts";
import { KvStore } from "./_kv_store.ts";
import { registerWriter } from "./commit_extras.ts";
import { assertKvHandle, type KvLike } from "./kv_like.ts";
import type { DenoKvStorageOptions } from "./options.ts";
import { claimPrefix } from "./prefixes.ts";

/** What a new store is made of. */
export interface StoreSetup<S> {
  /** The KV work of its methods. */
  store: KvStore<S>;
  /** Its `acquireLease`, if the option `lease` is on. */
  acquireLease:
    | ((key: string, options?: AcquireLeaseOptions) => Promise<SessionLease>)
    | undefined;
}

/**
 * Sets up the store `owner` on `kv`. Throws a `TypeError` for a handle that
 * is not one, or for options it refuses.
 */
export function setUpStore<S>(
  owner: object,
  kv: KvLike,
  options: DenoKvStorageOptions,
): StoreSetup<S> {
  assertKvHandle(kv);
  const store = new KvStore<S>(kv, options);
  registerWriter(
    owner,
    (key, value, expected, extras) =>
      store.putWithExtras(key, value, expected, extras),
  );
  const leaseTtl = leaseTimeToLive(options.lease);
  const acquireLease = leaseTtl === undefined
    ? undefined
    : leaseAcquirer(kv, (key) => store.keys(key).head, leaseTtl);
  claimPrefix(kv, store.prefix);
  return { store, acquireLease };
}
