// This module is browser compatible.
// The checks on versioned reads and compare-and-set: versions name states,
// a writer that read an older state is told and writes nothing, concurrent
// writers lose no write, and a delete is a write like any other.

import type {
  CompareAndSetResult,
  Version,
} from "../contract/storage_adapter.ts";
import {
  type AnyStorage,
  attempt,
  type Check,
  CheckFailed,
  describe,
  describeError,
  expect,
} from "./_check_kit.ts";
import { differenceOf } from "./_deep_equal.ts";

const CAS = ["readWithVersion", "compareAndSet"] as const;
const WHY_CAS =
  "without a versioned read and a compare-and-set write, the session middleware cannot tell that another process changed a session after this one read it, and the later write silently overwrites the earlier one";

/** The version `readWithVersion` gives for `key`, checked for shape. */
export async function versionOf(
  storage: AnyStorage,
  key: string,
): Promise<Version> {
  const read = await storage.readWithVersion!(key);
  const version = read?.version;
  expect(
    typeof version === "string" || version === null,
    `readWithVersion(${describe(key)}) gave the version ${
      describe(version)
    }: it must be a string, or null when nothing is stored`,
  );
  expect(
    (version === null) === (read.value === undefined),
    `readWithVersion(${describe(key)}) gave the version ${
      describe(version)
    } with the value ${
      describe(read.value)
    }: null goes with undefined (nothing stored), and only with it`,
  );
  return version;
}

/** Runs a compare-and-set and checks the shape of its answer. */
export async function cas(
  storage: AnyStorage,
  key: string,
  expected: Version,
  value: unknown,
): Promise<CompareAndSetResult> {
  const outcome = await storage.compareAndSet!(key, expected, value);
  expect(
    typeof outcome === "object" && outcome !== null &&
      typeof outcome.ok === "boolean",
    `compareAndSet gave ${
      describe(outcome)
    }: it must give { ok: true, version } or { ok: false }`,
  );
  return outcome;
}

async function expectStored(
  storage: AnyStorage,
  key: string,
  expected: unknown,
  after: string,
): Promise<void> {
  const read = await storage.read(key);
  const difference = differenceOf(expected, read);
  expect(
    difference === undefined,
    `after ${after}, read gave ${describe(read)} instead of ${
      describe(expected)
    }`,
  );
}

/** The compare-and-set checks. */
export const versionChecks: Check[] = [
  {
    name: "compare-and-set: versions name stored states",
    needs: CAS,
    because: WHY_CAS,
    async run({ make }) {
      const storage = await make();
      expect(
        await versionOf(storage, "7") === null,
        "readWithVersion of a key never written gave a version, not null",
      );
      const created = await cas(storage, "7", null, { n: 1 });
      expect(
        created.ok,
        "compareAndSet(key, null, value) on an empty key was refused",
      );
      const v1 = await versionOf(storage, "7");
      expect(
        created.version === v1,
        `compareAndSet answered the version ${
          describe(created.version)
        }, but readWithVersion then gave ${describe(v1)}`,
      );
      await storage.write("7", { n: 2 });
      const v2 = await versionOf(storage, "7");
      expect(v2 !== v1, "a write left the version as it was");
      const again = await cas(storage, "7", null, { n: 3 });
      expect(
        !again.ok,
        "compareAndSet(key, null, value) succeeded though a value was stored",
      );
      const stale = await cas(storage, "7", v1, { n: 3 });
      expect(
        !stale.ok,
        "compareAndSet with the version of an older state succeeded",
      );
      await expectStored(storage, "7", { n: 2 }, "two refused compareAndSets");
      const removed = await cas(storage, "7", v2, undefined);
      expect(removed.ok, "compareAndSet(key, version, undefined) was refused");
      expect(
        removed.version === null,
        `compareAndSet deleting the key answered the version ${
          describe(removed.version)
        } instead of null`,
      );
      await expectStored(storage, "7", undefined, "a compareAndSet deleted it");
    },
  },
  {
    name: "compare-and-set: of two interleaved writers, the later is told",
    needs: CAS,
    because: WHY_CAS,
    async run({ make }) {
      const storage = await make();
      await storage.write("7", { by: "nobody" });
      const a = await versionOf(storage, "7");
      const b = await versionOf(storage, "7");
      expect((await cas(storage, "7", a, { by: "a" })).ok, "A's write failed");
      const late = await cas(storage, "7", b, { by: "b" });
      expect(
        !late.ok,
        "B's compareAndSet succeeded with the version it read before A wrote: A's write was lost and B was not told",
      );
      await expectStored(storage, "7", { by: "a" }, "B was refused");
      // Both at once, without waiting in between.
      const v = await versionOf(storage, "7");
      const both = await Promise.all([
        cas(storage, "7", v, { by: "c" }),
        cas(storage, "7", v, { by: "d" }),
      ]);
      const won = both.filter((outcome) => outcome.ok).length;
      expect(
        won === 1,
        `two compareAndSets sent together with the same version: ${won} succeeded instead of exactly one`,
      );
      await expectStored(
        storage,
        "7",
        { by: both[0]!.ok ? "c" : "d" },
        "the race",
      );
    },
  },
  {
    name: "compare-and-set: concurrent counters lose no write",
    needs: CAS,
    because: WHY_CAS,
    async run({ make }) {
      const storage = await make();
      const writers = 4, each = 10;
      let counted = 0, refused = 0;
      const increment = async (): Promise<void> => {
        for (let done = 0; done < each;) {
          const read = await storage.readWithVersion!("7");
          const count = (read.value as { count?: number } | undefined)
            ?.count ?? 0;
          const outcome = await cas(storage, "7", read.version, {
            count: count + 1,
          });
          if (outcome.ok) {
            done++;
            counted++;
          } else if (++refused > writers * each * 50) {
            throw new CheckFailed(
              `after ${refused} refused compareAndSets the writers still had not finished: the store refuses writes it should accept`,
            );
          }
        }
      };
      await Promise.all(Array.from({ length: writers }, increment));
      const read = await storage.read("7") as { count?: number } | undefined;
      expect(
        read?.count === counted,
        `${counted} compareAndSets succeeded but the counter is ${
          describe(read?.count)
        }: ${counted - (read?.count ?? 0)} writes were lost`,
      );
    },
  },
  {
    name: "compare-and-set: a delete and a write never both win",
    needs: CAS,
    because: WHY_CAS,
    async run({ make }) {
      const storage = await make();
      // A reads, B deletes: A's write must not bring the session back.
      await storage.write("7", { n: 1 });
      let a = await versionOf(storage, "7");
      await storage.delete("7");
      expect(
        !(await cas(storage, "7", a, { n: 2 })).ok,
        "a compareAndSet with the version read before a delete succeeded: it brought a deleted session back",
      );
      await expectStored(storage, "7", undefined, "a stale write after delete");
      // A reads, B deletes and writes anew: A's version is not the new one's.
      await storage.write("7", { n: 1 });
      a = await versionOf(storage, "7");
      await storage.delete("7");
      await storage.write("7", { n: 3 });
      expect(
        !(await cas(storage, "7", a, { n: 2 })).ok,
        "after a delete and a new write, the version read before them was accepted again",
      );
      await expectStored(storage, "7", { n: 3 }, "delete, write, stale write");
      // A reads, B writes: A's delete must not remove B's value.
      a = await versionOf(storage, "7");
      await storage.write("7", { n: 4 });
      expect(
        !(await cas(storage, "7", a, undefined)).ok,
        "a compareAndSet deleting with a stale version succeeded",
      );
      await expectStored(storage, "7", { n: 4 }, "a stale delete");
      // Both at once: whatever the order, nothing stays.
      a = await versionOf(storage, "7");
      const [deleted, wrote] = await Promise.all([
        attempt(() => storage.delete("7")),
        attempt(() => storage.compareAndSet!("7", a, { n: 5 })),
      ]);
      if (!deleted.ok) {
        throw new CheckFailed(`delete threw ${describeError(deleted.error)}`);
      }
      if (!wrote.ok) {
        throw new CheckFailed(
          `compareAndSet threw ${describeError(wrote.error)}`,
        );
      }
      await expectStored(
        storage,
        "7",
        undefined,
        "a delete and a compareAndSet of the version before it ran together",
      );
    },
  },
];
