// This module is browser compatible.
// The checks on the optional hooks a store may offer under `Symbol.for` keys
// (see docs/storage_contract.md): the known version, the one-step move and
// the stored-data rewrite. A store without a hook skips its check.

import { knownVersion, remembersVersions } from "../contract/_known_version.ts";
import { type AtomicMove, MOVE_SESSION } from "../contract/_move_hook.ts";
import { isRewrite, REWRITE_OPTIONS } from "../contract/_rewrite.ts";
import { type Check, CheckSkipped, describe, expect } from "./_check_kit.ts";
import { differenceOf } from "./_deep_equal.ts";

/** The hook checks. */
export const hookChecks: Check[] = [
  {
    name: "hooks: the known version is never one a write replaced",
    async run({ make }) {
      const storage = await make();
      if (!remembersVersions(storage)) {
        throw new CheckSkipped("the store has no known-version hook");
      }
      const check = async (after: string): Promise<void> => {
        const known = knownVersion(storage, "7");
        if (known === undefined) return;
        const { version } = await storage.readWithVersion!("7");
        expect(
          known === version,
          `after ${after}, the known version is ${
            describe(known)
          } but the stored one is ${describe(version)}`,
        );
      };
      await storage.readWithVersion!("7");
      await check("a read of an empty key");
      await storage.write("7", { n: 1 });
      await check("a write");
      const { version } = await storage.readWithVersion!("7");
      await storage.compareAndSet!("7", version, { n: 2 });
      await check("a compareAndSet");
      await storage.delete("7");
      await check("a delete");
    },
  },
  {
    name: "hooks: the one-step move moves, never over a stored session",
    async run({ make }) {
      const storage = await make();
      const move = (storage as AtomicMove)[MOVE_SESSION];
      if (typeof move !== "function") {
        throw new CheckSkipped("the store has no move hook");
      }
      await storage.write("from", { n: 1 });
      const moved = await move.call(storage, "from", "to");
      if (moved === undefined) return; // It asked for the generic move.
      expect(
        moved === true,
        `moving a stored session answered ${describe(moved)}`,
      );
      const [from, to] = [await storage.read("from"), await storage.read("to")];
      expect(
        from === undefined && differenceOf({ n: 1 }, to) === undefined,
        `after the move, "from" holds ${describe(from)} and "to" ${
          describe(to)
        }`,
      );
      const none = await move.call(storage, "absent", "elsewhere");
      expect(
        none === false || none === undefined,
        `moving a key with nothing stored answered ${describe(none)}`,
      );
      expect(
        await storage.read("elsewhere") === undefined,
        "moving a key with nothing stored created the target",
      );
      // Never over a session that is there.
      await storage.write("taken", { n: 2 });
      const over = await move.call(storage, "to", "taken");
      const [source, target] = [
        await storage.read("to"),
        await storage.read("taken"),
      ];
      expect(
        over !== true && differenceOf({ n: 1 }, source) === undefined &&
          differenceOf({ n: 2 }, target) === undefined,
        `moving onto a stored session answered ${describe(over)} and left ${
          describe(source)
        } and ${describe(target)}: a move never overwrites`,
      );
    },
  },
  {
    name: "hooks: a write marked as stored data is a write",
    async run({ make }) {
      const storage = await make();
      if (!isRewrite(storage)) {
        throw new CheckSkipped("the store does not take the rewrite mark");
      }
      await storage.write("7", { n: 1 }, REWRITE_OPTIONS);
      const read = await storage.read("7");
      expect(
        differenceOf({ n: 1 }, read) === undefined,
        `after a write marked as stored data, read gave ${describe(read)}`,
      );
    },
  },
];
