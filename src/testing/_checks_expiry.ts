// This module is browser compatible.
// The checks on expiry: a session made with a time to live is there until
// its deadline and gone after it, through every way of reading (no
// resurrection), and a write starts its time to live again. Time moves by the
// caller's clock (`advance`) or, without one, really passes.

import {
  type AnyStorage,
  type Check,
  type CheckContext,
  CheckFailed,
  CheckSkipped,
  collect,
  describe,
  expect,
} from "./_check_kit.ts";
import { cas, versionOf } from "./_checks_versions.ts";

/** A clock for one check: moves time, tells how much has passed. */
class Timeline {
  readonly #context: CheckContext;
  #moved = 0;
  readonly #started = Date.now();

  constructor(context: CheckContext) {
    this.#context = context;
  }

  /** Milliseconds since the check began (by the store's clock). */
  get now(): number {
    const { advance } = this.#context.settings;
    return advance === undefined ? Date.now() - this.#started : this.#moved;
  }

  /** Moves to `at` milliseconds after the start, if not there yet. */
  async moveTo(at: number): Promise<void> {
    const { advance } = this.#context.settings;
    const ms = Math.ceil(at - this.now);
    if (ms <= 0) return;
    if (advance === undefined) await this.#context.sleep(ms);
    else {
      await advance(ms);
      this.#moved += ms;
    }
  }
}

async function expiring(context: CheckContext): Promise<AnyStorage> {
  if (!context.settings.expiry) {
    throw new CheckSkipped("the options say the store has no time to live");
  }
  return await context.make({ timeToLive: context.settings.timeToLive });
}

/** Every way the store can show `key`, with what each showed. */
async function sightings(storage: AnyStorage, key: string): Promise<string[]> {
  const seen: string[] = [];
  const read = await storage.read(key);
  if (read !== undefined) seen.push(`read gave ${describe(read)}`);
  if (typeof storage.readWithVersion === "function") {
    const versioned = await storage.readWithVersion(key);
    if (versioned.value !== undefined || versioned.version !== null) {
      seen.push(`readWithVersion gave ${describe(versioned)}`);
    }
  }
  if (typeof storage.has === "function" && await storage.has(key)) {
    seen.push("has gave true");
  }
  if (typeof storage.readAllKeys === "function") {
    const keys = await collect(storage.readAllKeys());
    if (keys.includes(key)) seen.push("readAllKeys listed it");
  }
  if (typeof storage.readAllValues === "function") {
    const values = await collect(storage.readAllValues());
    if (
      values.some((v) => (v as { marker?: unknown })?.marker === key)
    ) {
      seen.push("readAllValues listed its value");
    }
  }
  if (typeof storage.readAllEntries === "function") {
    const entries = await collect(storage.readAllEntries());
    if (entries.some(([k]) => k === key)) {
      seen.push("readAllEntries listed it");
    }
  }
  return seen;
}

/** The expiry checks. */
export const expiryChecks: Check[] = [
  {
    name: "expiry: a session lives until its deadline, not past it",
    async run(context) {
      const storage = await expiring(context);
      const { timeToLive, tolerance } = context.settings;
      const time = new Timeline(context);
      const start = time.now;
      await storage.write("early", { marker: "early" });
      await storage.write("late", { marker: "late" });
      const written = time.now;
      // Before the deadline: with the caller's clock just before it; in real
      // time halfway, and only if the read came in time.
      await time.moveTo(
        context.settings.advance === undefined
          ? timeToLive / 2
          : timeToLive - tolerance,
      );
      const early = await storage.read("early");
      if (time.now <= start + timeToLive - tolerance && early === undefined) {
        throw new CheckFailed(
          `a session written with a time to live of ${timeToLive} ms was gone ${time.now} ms later`,
        );
      }
      await time.moveTo(written + timeToLive + tolerance);
      const seen = await sightings(storage, "late");
      if (seen.length > 0) {
        throw new CheckFailed(
          `${time.now} ms after it was written with a time to live of ${timeToLive} ms, the session was still there: ${
            seen.join("; ")
          }`,
        );
      }
    },
  },
  {
    name: "expiry: an expired session never comes back",
    async run(context) {
      const storage = await expiring(context);
      const { timeToLive, tolerance } = context.settings;
      const time = new Timeline(context);
      await storage.write("7", { marker: "7" });
      await storage.write("8", { marker: "8" });
      await time.moveTo(timeToLive + tolerance);
      // Read it once (the store may notice the expiry now), then look again
      // every way there is, after more time and another write.
      await storage.read("7");
      await time.moveTo(timeToLive + 2 * tolerance);
      await storage.write("9", { marker: "9" });
      for (const key of ["7", "8"]) {
        const seen = await sightings(storage, key);
        expect(
          seen.length === 0,
          `the expired session ${describe(key)} came back: ${seen.join("; ")}`,
        );
      }
      if (typeof storage.compareAndSet === "function") {
        const version = await versionOf(storage, "8");
        const outcome = await cas(storage, "8", version, { marker: "new" });
        expect(
          outcome.ok,
          "compareAndSet with the version null on an expired key was refused: an expired session counts as none",
        );
      }
    },
  },
  {
    name: "expiry: a write starts the time to live again",
    async run(context) {
      const storage = await expiring(context);
      const { timeToLive, tolerance } = context.settings;
      if (
        context.settings.advance === undefined && timeToLive < 4 * tolerance
      ) {
        throw new CheckSkipped(
          "with real time, it needs a timeToLive of at least 4 tolerances",
        );
      }
      const time = new Timeline(context);
      await storage.write("7", { n: 1 });
      await time.moveTo(timeToLive / 2);
      const rewritten = time.now;
      await storage.write("7", { n: 2 });
      await time.moveTo(timeToLive + tolerance);
      const read = await storage.read("7");
      if (
        time.now <= rewritten + timeToLive - tolerance && read === undefined
      ) {
        throw new CheckFailed(
          `a session written again ${rewritten} ms after its first write expired at the first deadline (${timeToLive} ms)`,
        );
      }
    },
  },
];
