// This module is browser compatible.
// The check on a store's size limit: a value over `maxBytes` is refused with
// a `SessionValueError` naming the key, through `write` and `compareAndSet`,
// and nothing is written (the stored value and its version stay).

import {
  attempt,
  type Check,
  CheckSkipped,
  describe,
  expect,
} from "./_check_kit.ts";
import { expectValueError } from "./_checks_values.ts";
import { differenceOf } from "./_deep_equal.ts";

/** The limit checks. */
export const limitChecks: Check[] = [
  {
    name: "size limit: a value over maxBytes is refused, nothing written",
    async run({ make, settings }) {
      const { maxBytes } = settings;
      if (maxBytes === undefined) {
        throw new CheckSkipped(
          "the options give no maxBytes (the store takes no size limit)",
        );
      }
      const storage = await make({ maxBytes });
      const small = { text: "s".repeat(Math.floor(maxBytes / 4)) };
      const large = { text: "L".repeat(maxBytes * 2 + 64) };
      const fits = await attempt(() => storage.write("kept", small));
      expect(
        fits.ok,
        `a value of a quarter of maxBytes (${maxBytes}) was refused`,
      );
      const fresh = await attempt(() => storage.write("fresh", large));
      expect(
        !fresh.ok,
        `a value of twice maxBytes (${maxBytes}) was written`,
      );
      expectValueError(fresh.error, "fresh", "an over-size write");
      const read = await storage.read("fresh");
      expect(
        read === undefined,
        `after an over-size write was refused, read gave ${describe(read)}`,
      );
      if (typeof storage.has === "function") {
        expect(
          await storage.has("fresh") === false,
          "after an over-size write was refused, has gave true",
        );
      }
      const over = await attempt(() => storage.write("kept", large));
      expect(!over.ok, "an over-size write over a stored session resolved");
      expectValueError(over.error, "kept", "an over-size write");
      const after = await storage.read("kept");
      expect(
        differenceOf(small, after) === undefined,
        `an over-size write was refused but changed the stored session: read gave ${
          describe(after)
        }`,
      );
      if (typeof storage.compareAndSet !== "function") return;
      const { version } = await storage.readWithVersion!("kept");
      const swapped = await attempt(() =>
        storage.compareAndSet!("kept", version, large)
      );
      expect(
        !swapped.ok || swapped.value?.ok === false,
        "an over-size compareAndSet succeeded",
      );
      if (!swapped.ok) {
        expectValueError(swapped.error, "kept", "an over-size compareAndSet");
      }
      const now = await storage.readWithVersion!("kept");
      expect(
        now.version === version && differenceOf(small, now.value) === undefined,
        `an over-size compareAndSet was refused but changed the stored session: readWithVersion gave ${
          describe(now)
        }`,
      );
    },
  },
];
