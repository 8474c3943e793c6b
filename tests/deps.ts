// The one place tests import assertions and fake time from. Moving to
// `@std/assert` and `@std/testing` later is a change to this file only.
import FakeTimers from "@sinonjs/fake-timers";

export {
  deepStrictEqual as assertEquals,
  notDeepStrictEqual as assertNotEquals,
  ok as assert,
  rejects as assertRejects,
  strictEqual as assertStrictEquals,
  throws as assertThrows,
} from "node:assert/strict";
export { FakeTimers };

/** A fake clock: `tick(ms)` moves time, `uninstall()` restores it. */
export type FakeClock = ReturnType<
  ReturnType<typeof FakeTimers.withGlobal>["install"]
>;

/**
 * Fakes `Date` (only) from `now` on; timers and promises stay real, so KV and
 * grammY keep working. Use with `using`-style try/finally `uninstall()`.
 */
export function fakeTime(now = 1_000_000): FakeClock {
  return FakeTimers.withGlobal(globalThis).install({ now, toFake: ["Date"] });
}
