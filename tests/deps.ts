// The one place tests import assertions and fake time from. Moving to
// `@std/assert` and `@std/testing` later is a change to this file only.
export {
  deepStrictEqual as assertEquals,
  notDeepStrictEqual as assertNotEquals,
  ok as assert,
  rejects as assertRejects,
  strictEqual as assertStrictEquals,
  throws as assertThrows,
} from "node:assert/strict";
export { default as FakeTimers } from "@sinonjs/fake-timers";
export type { InstalledClock } from "@sinonjs/fake-timers";
