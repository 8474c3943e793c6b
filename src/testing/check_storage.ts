// This module is browser compatible.

/**
 * The conformance suite of the store contract (docs/storage_contract.md):
 * {@linkcode checkStorage} runs every check against the stores a maker
 * makes and reports what held and what did not.
 *
 * @module
 */

import type {
  MaybePromise,
  StorageAdapter,
} from "../contract/storage_adapter.ts";
import {
  type AnyStorage,
  type Check,
  CheckFailed,
  describeError,
  type StoreSettings,
} from "./_check_kit.ts";
import { valueChecks } from "./_checks_values.ts";
import { versionChecks } from "./_checks_versions.ts";
import { expiryChecks } from "./_checks_expiry.ts";
import { listingChecks } from "./_checks_listing.ts";
import { limitChecks } from "./_checks_limits.ts";
import { leaseChecks } from "./_checks_lease.ts";
import { hookChecks } from "./_checks_hooks.ts";
import { resolveSettings, runOne, sleep } from "./_check_runner.ts";

export type { StoreSettings } from "./_check_kit.ts";

/**
 * Makes a fresh, empty store for one check, with the settings the check asks
 * for (a time to live, a size limit). It may return the store or a promise
 * of it.
 */
export type MakeStorage<A> = (settings: StoreSettings) => MaybePromise<A>;

/** A clock the caller controls, for exact expiry checks without waiting. */
export interface CheckClock {
  /**
   * Moves the clock the store reads by `ms` milliseconds: for example
   * `(ms) => clock.tick(ms)` with `@sinonjs/fake-timers` installed to fake
   * `Date` only (the checks' own waits use real timers). It reaches only a
   * store that reads the time in this process: a server that keeps time
   * itself (Redis, PostgreSQL) needs real time, so no clock.
   */
  advance(ms: number): MaybePromise<void>;
}

/** Options of {@linkcode checkStorage}. */
export interface CheckStorageOptions<A = StorageAdapter<unknown>> {
  /**
   * The time to live the expiry checks ask `makeStorage` for, in
   * milliseconds. Default: one hour with a `clock`, otherwise 1000 (the
   * expiry checks then take about that long each, in real time).
   */
  timeToLive?: number;
  /**
   * How long past its deadline a session may still be seen, and how long
   * before it it must still be there, in milliseconds. Default: 1 with a
   * `clock`, otherwise a tenth of `timeToLive` (a server's clock may be a
   * little off).
   */
  tolerance?: number;
  /** Moves the store's clock; without one, the expiry checks wait. */
  clock?: CheckClock;
  /**
   * Whether `makeStorage` honours `timeToLive` (the store expires sessions).
   * `false` skips the expiry checks. Default: `true`.
   */
  expiry?: boolean;
  /**
   * The size limit to give `makeStorage` for the size check, in bytes (at
   * least 1024). Default: none, and the check is skipped (for a store
   * without a size limit option).
   */
  maxBytes?: number;
  /**
   * The longest hold the lease checks give an abandoned holder, and how
   * long they watch a waiter that must keep waiting, in milliseconds.
   * Default: 300.
   */
  leaseHold?: number;
  /**
   * How long one check may take before it fails as hung, in milliseconds.
   * Default: 20000 (a real server over a network may need more).
   */
  timeout?: number;
  /** Names of checks not to run (they are reported as skipped). */
  skip?: readonly string[];
  /**
   * Called after each check with each store it made, to close connections
   * or remove what the store created. Its failure fails the check.
   */
  dispose?: (storage: A) => MaybePromise<void>;
}

/** A check that did not pass. */
export interface StorageCheckFailure {
  /** The name of the check. */
  check: string;
  /** What the check saw. */
  message: string;
  /**
   * `true` when the store lacks a method the guarantee needs (a guarantee
   * it cannot give), `false` when it has them and broke the guarantee.
   */
  missing: boolean;
}

/** A check that did not apply to the store, and why. */
export interface SkippedCheck {
  /** The name of the check. */
  check: string;
  /** Why it was not run. */
  reason: string;
}

/** What {@linkcode checkStorage} found. */
export interface StorageCheckReport {
  /** Whether no check failed. */
  ok: boolean;
  /** The names of the checks that passed. */
  passed: string[];
  /** The checks that failed, each with what it saw. */
  failures: StorageCheckFailure[];
  /** The checks that did not apply (no lease, no size limit...). */
  skipped: SkippedCheck[];
}

/** Every check, in the order they run. */
const CHECKS: readonly Check[] = [
  ...valueChecks,
  ...versionChecks,
  ...expiryChecks,
  ...listingChecks,
  ...limitChecks,
  ...leaseChecks,
  ...hookChecks,
];

/**
 * The names of every check {@linkcode checkStorage} runs, in order (for the
 * `skip` option).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { storageCheckNames } from "./check_storage.ts";
 *
 * assert(storageCheckNames().includes("round trip: a Map with keys of any type"));
 * ```
 *
 * @returns The names.
 */
export function storageCheckNames(): string[] {
  return CHECKS.map((check) => check.name);
}

/**
 * Checks a session store against the store contract
 * (docs/storage_contract.md): values come back as written and as copies,
 * compare-and-set refuses stale writers and loses no write, a delete is not
 * undone by a stale writer, sessions expire at their deadline and never come
 * back, listings are complete and hold only the store's own sessions, an
 * over-size value is refused with nothing written, and the lease lets one
 * holder at a time.
 *
 * `makeStorage` is called once per check (twice by the check that two stores
 * keep apart), with the settings the check needs, and must give a fresh,
 * empty store each time; it may be async. Stores it makes may share one
 * database if each keeps to its own prefix or table, which is what the
 * listing check wants. `dispose` closes each after its check.
 *
 * It uses no test runner (call it from `Deno.test`, `node:test`, vitest or
 * jest) and never throws for a broken store: every check runs, and the
 * report says which passed, which failed with what they saw (a store that
 * lacks a method a guarantee needs fails it as `missing`), and which did
 * not apply. Checks run one after another. Options that make no sense (a
 * negative time, a `skip` name no check has) throw a `RangeError`.
 *
 * @example The memory store passes
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemorySessionStorage } from "../../mod.ts";
 * import { checkStorage } from "./check_storage.ts";
 *
 * const report = await checkStorage(
 *   (settings) => new MemorySessionStorage(settings),
 *   { timeToLive: 200 },
 * );
 * assert(report.ok, JSON.stringify(report.failures, null, 2));
 * ```
 *
 * @example A grammY adapter over a Map cannot give every guarantee
 * ```ts
 * import assert from "node:assert/strict";
 * import type { StorageAdapter } from "../../mod.ts";
 * import { checkStorage } from "./check_storage.ts";
 *
 * const report = await checkStorage((): StorageAdapter<unknown> => {
 *   const map = new Map<string, unknown>();
 *   return {
 *     read: (key) => map.get(key),
 *     write: (key, value) => void map.set(key, value),
 *     delete: (key) => void map.delete(key),
 *   };
 * }, { expiry: false });
 * assert(!report.ok);
 * const cannot = report.failures.filter((f) => f.missing).map((f) => f.check);
 * assert(cannot.includes("compare-and-set: concurrent counters lose no write"));
 * ```
 *
 * @typeParam A The type of the stores `makeStorage` makes (what `dispose`
 * gets).
 * @param makeStorage Makes a fresh store for one check.
 * @param options Time, limits and timeouts (see {@linkcode CheckStorageOptions}).
 * @returns The report.
 */
// deno-lint-ignore no-explicit-any
export async function checkStorage<A extends StorageAdapter<any>>(
  makeStorage: MakeStorage<A>,
  options: CheckStorageOptions<A> = {},
): Promise<StorageCheckReport> {
  if (typeof makeStorage !== "function") {
    throw new TypeError(
      `checkStorage needs a function that makes a store, got ${typeof makeStorage}`,
    );
  }
  const settings = resolveSettings(options);
  const timeout = options.timeout ?? 20_000;
  const skip = new Set(options.skip ?? []);
  const unknown = [...skip].filter((name) =>
    !CHECKS.some((check) => check.name === name)
  );
  if (unknown.length > 0) {
    throw new RangeError(
      `checkStorage: no check is named ${
        unknown.map((name) => JSON.stringify(name)).join(", ")
      } (storageCheckNames() lists them)`,
    );
  }
  const report: StorageCheckReport = {
    ok: true,
    passed: [],
    failures: [],
    skipped: [],
  };
  for (const check of CHECKS) {
    if (skip.has(check.name)) {
      report.skipped.push({ check: check.name, reason: "options.skip" });
      continue;
    }
    const made: A[] = [];
    const make = async (wanted: StoreSettings = {}): Promise<AnyStorage> => {
      let storage;
      try {
        storage = await makeStorage(wanted);
      } catch (error) {
        throw new CheckFailed(`makeStorage threw ${describeError(error)}`);
      }
      made.push(storage);
      if (check.needs !== undefined) {
        const lacking = check.needs.filter((m) =>
          typeof storage[m] !== "function"
        );
        if (lacking.length > 0) {
          throw new CheckFailed(
            `the store has no ${lacking.join(", ")}: ${check.because}`,
            true,
          );
        }
      }
      return storage as AnyStorage;
    };
    const outcome = await runOne(check, { make, settings, sleep }, timeout);
    for (const storage of made) {
      try {
        await options.dispose?.(storage);
      } catch (error) {
        outcome.failure ??= `dispose threw ${describeError(error)}`;
      }
    }
    if (outcome.skipped !== undefined) {
      report.skipped.push({ check: check.name, reason: outcome.skipped });
    } else if (outcome.failure !== undefined) {
      report.failures.push({
        check: check.name,
        message: outcome.failure,
        missing: outcome.missing,
      });
    } else report.passed.push(check.name);
  }
  report.ok = report.failures.length === 0;
  return report;
}
