// This module is browser compatible.
// The checks on listing: `has` and `readAll*` show every session there is,
// once, and nothing else: not deleted ones, not those of another store
// (another prefix or table) in the same database.

import {
  type AnyStorage,
  type Check,
  collect,
  describe,
  expect,
} from "./_check_kit.ts";
import { AWKWARD_KEYS } from "./_checks_values.ts";
import { differenceOf } from "./_deep_equal.ts";

const LISTING = [
  "has",
  "readAllKeys",
  "readAllValues",
  "readAllEntries",
] as const;
const WHY_LISTING =
  "the session tools, copySessions and a bot's own maintenance list sessions with them (grammY's MemorySessionStorage has them too)";

/** How many sessions the completeness check writes: several pages. */
const MANY = 230;

/** Checks that the store lists exactly `expected` (key to value). */
async function expectListing(
  storage: AnyStorage,
  expected: Map<string, unknown>,
  which: string,
): Promise<void> {
  const keys = await collect(storage.readAllKeys!());
  const unique = new Set(keys);
  expect(
    unique.size === keys.length,
    `readAllKeys${which} listed ${
      keys.length - unique.size
    } keys more than once`,
  );
  const extra = keys.filter((key) => !expected.has(key));
  const lacking = [...expected.keys()].filter((key) => !unique.has(key));
  expect(
    extra.length === 0 && lacking.length === 0,
    `readAllKeys${which} listed ${keys.length} keys for ${expected.size} sessions${
      extra.length > 0 ? `; not stored: ${extra.slice(0, 5).map(describe)}` : ""
    }${
      lacking.length > 0
        ? `; left out: ${lacking.slice(0, 5).map(describe)}`
        : ""
    }`,
  );
  const entries = await collect(storage.readAllEntries!());
  expect(
    entries.length === expected.size,
    `readAllEntries${which} gave ${entries.length} entries for ${expected.size} sessions`,
  );
  for (const [key, value] of entries) {
    expect(
      expected.has(key),
      `readAllEntries${which} listed ${describe(key)}, which is not stored`,
    );
    const difference = differenceOf(expected.get(key), value);
    expect(
      difference === undefined,
      `readAllEntries${which} gave ${describe(key)} as ${
        describe(value)
      }: ${difference}`,
    );
  }
  const values = await collect(storage.readAllValues!());
  const want = [...expected.values()].map((v) => JSON.stringify(v)).sort();
  const got = values.map((v) => JSON.stringify(v)).sort();
  expect(
    want.join("\n") === got.join("\n"),
    `readAllValues${which} gave ${values.length} values that are not the ${expected.size} stored ones`,
  );
  for (const key of expected.keys()) {
    expect(
      await storage.has!(key) === true,
      `has${which}(${describe(key)}) gave false for a stored session`,
    );
  }
}

/** The listing checks. */
export const listingChecks: Check[] = [
  {
    name: "listing: complete, once each, without deleted sessions",
    needs: LISTING,
    because: WHY_LISTING,
    async run({ make }) {
      const storage = await make();
      const expected = new Map<string, unknown>();
      await expectListing(storage, expected, " of an empty store");
      const keys = [
        ...AWKWARD_KEYS,
        ...Array.from({ length: MANY }, (_, i) => `${i * 7919}`),
      ];
      for (const [i, key] of keys.entries()) {
        await storage.write(key, { i });
        expected.set(key, { i });
      }
      for (
        const key of keys.slice(0, keys.length).filter((_, i) => i % 9 === 3)
      ) {
        await storage.delete(key);
        expected.delete(key);
        expect(
          await storage.has!(key) === false,
          `has(${describe(key)}) gave true after delete`,
        );
      }
      for (const key of keys.filter((_, i) => i % 11 === 5)) {
        if (!expected.has(key)) continue;
        await storage.write(key, { again: key.length });
        expected.set(key, { again: key.length });
      }
      expect(
        await storage.has!("never written") === false,
        "has gave true for a key never written",
      );
      await expectListing(storage, expected, "");
    },
  },
  {
    name:
      "listing: bounded to the store (another store's sessions are not its own)",
    needs: LISTING,
    because: WHY_LISTING,
    async run({ make }) {
      const first = await make();
      const second = await make();
      await first.write("1", { store: 1 });
      await first.write("shared", { store: 1 });
      await second.write("shared", { store: 2 });
      await second.write("2", { store: 2 });
      await second.delete("1");
      await expectListing(
        first,
        new Map([["1", { store: 1 }], ["shared", { store: 1 }]]),
        " (first store)",
      );
      await expectListing(
        second,
        new Map([["2", { store: 2 }], ["shared", { store: 2 }]]),
        " (second store)",
      );
    },
  },
];
