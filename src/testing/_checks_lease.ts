// This module is browser compatible.
// The checks on the lease (`acquireLease`), for a store that offers one:
// one holder per key at a time, a holder that stops (never releases) frees
// the key after its longest hold, its late write is refused, and its late
// release does not free the key for whoever holds it now. Lease checks run
// in real time: a lease is about other processes, which no clock reaches.

import type { SessionLease } from "../contract/storage_adapter.ts";
import {
  type AnyStorage,
  attempt,
  type Check,
  CheckSkipped,
  describe,
  describeError,
  expect,
} from "./_check_kit.ts";

async function leasing(make: () => Promise<AnyStorage>): Promise<AnyStorage> {
  const storage = await make();
  if (typeof storage.acquireLease !== "function") {
    throw new CheckSkipped("the store offers no lease (acquireLease)");
  }
  return storage;
}

/**
 * Whether `promise` is still pending after `ms` of real time. Used only to
 * see that something does not happen; what must happen is awaited (within
 * the check's timeout), so a slow machine never fails a check.
 */
async function pendingAfter(
  promise: Promise<unknown>,
  ms: number,
): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const PENDING = Symbol("pending");
  try {
    const first = await Promise.race([
      promise.then(() => undefined, () => undefined),
      new Promise((resolve) => timer = setTimeout(resolve, ms, PENDING)),
    ]);
    return first === PENDING;
  } finally {
    clearTimeout(timer);
  }
}

async function acquired(
  storage: AnyStorage,
  key: string,
  maxHold?: number,
): Promise<SessionLease> {
  const lease = await storage.acquireLease!(
    key,
    maxHold === undefined ? {} : { maxHold },
  );
  expect(
    typeof lease?.release === "function",
    `acquireLease gave ${describe(lease)}, which has no release()`,
  );
  return lease;
}

/** The lease checks. */
export const leaseChecks: Check[] = [
  {
    name: "lease: one holder per key at a time",
    async run({ make, settings }) {
      const storage = await leasing(make);
      const wait = settings.leaseHold;
      const first = await acquired(storage, "7");
      const second = acquired(storage, "7");
      // The lease of another key does not wait for this one (if it did, the
      // check would not finish in time).
      await (await acquired(storage, "8")).release();
      expect(
        await pendingAfter(second, wait),
        "a second acquireLease of a held key resolved while the first holder still held it",
      );
      await first.release();
      const next = await second;
      // A write under the lease goes through (and may give it back).
      await storage.write("7", { n: 0 });
      const { version } = typeof storage.readWithVersion === "function"
        ? await storage.readWithVersion("7")
        : { version: undefined };
      const wrote = await attempt(() =>
        version === undefined
          ? storage.write("7", { n: 1 }, { lease: next })
          : storage.compareAndSet!("7", version, { n: 1 }, { lease: next })
      );
      expect(
        wrote.ok && (wrote.value as { ok?: boolean } | undefined)?.ok !== false,
        `a write under a held lease was refused: ${
          wrote.ok ? describe(wrote.value) : describeError(wrote.error)
        }`,
      );
      await next.release();
      await next.release();
      // Free again (else the check does not finish in time).
      await (await acquired(storage, "7")).release();
    },
  },
  {
    name: "lease: a holder that never releases frees the key after maxHold",
    async run({ make, settings }) {
      const storage = await leasing(make);
      const hold = settings.leaseHold;
      await storage.write("7", { by: "nobody" });
      const abandoned = await acquired(storage, "7", hold);
      // Waits for the lease to lapse (bounded by the check's timeout).
      const taken = await acquired(storage, "7");
      const { version } = typeof storage.readWithVersion === "function"
        ? await storage.readWithVersion("7")
        : { version: undefined };
      const late = await attempt(() =>
        version === undefined
          ? storage.write("7", { by: "late" }, { lease: abandoned })
          : storage.compareAndSet!("7", version, { by: "late" }, {
            lease: abandoned,
          })
      );
      const read = await storage.read("7");
      expect(
        (read as { by?: unknown } | undefined)?.by === "nobody",
        `the write of a holder whose lease lapsed went through (${
          late.ok ? describe(late.value) : describeError(late.error)
        }): read gave ${describe(read)}`,
      );
      await attempt(() => abandoned.release());
      const third = acquired(storage, "7");
      expect(
        await pendingAfter(third, hold),
        "release() by the holder whose lease lapsed freed the key of the holder after it",
      );
      await taken.release();
      await (await third).release();
    },
  },
];
