// This module is browser compatible.
// Runs one check of `checkStorage`: within its time limit, with every way it
// can end (passed, failed, skipped, threw, hung) turned into an outcome; and
// the defaults of the options the checks read.

import type { MaybePromise } from "../contract/storage_adapter.ts";
import {
  type Check,
  CheckFailed,
  type CheckSettings,
  CheckSkipped,
  describeError,
} from "./_check_kit.ts";

/** The options the checks read, as `checkStorage` takes them. */
export interface TimingOptions {
  timeToLive?: number;
  tolerance?: number;
  clock?: { advance(ms: number): MaybePromise<void> };
  maxBytes?: number;
  expiry?: boolean;
  leaseHold?: number;
  timeout?: number;
}

/** A positive number of milliseconds, or a `RangeError` naming the option. */
function positive(name: string, value: number | undefined): void {
  if (value === undefined) return;
  if (!(typeof value === "number" && value > 0 && Number.isFinite(value))) {
    throw new RangeError(
      `checkStorage: ${name} must be a positive number, got ${String(value)}`,
    );
  }
}

/**
 * Applies the defaults of `checkStorage`'s options; throws a `RangeError`
 * (a mistake in the call, not in the store) for one that makes no sense.
 */
export function resolveSettings(options: TimingOptions): CheckSettings {
  for (const name of ["timeToLive", "leaseHold", "timeout"] as const) {
    positive(name, options[name]);
  }
  const advance = options.clock === undefined
    ? undefined
    : (ms: number) => options.clock!.advance(ms);
  if (
    options.clock !== undefined && typeof options.clock.advance !== "function"
  ) {
    throw new TypeError("checkStorage: clock must have an advance(ms) method");
  }
  const timeToLive = options.timeToLive ??
    (advance === undefined ? 1000 : 3_600_000);
  const tolerance = options.tolerance ??
    (advance === undefined ? Math.ceil(timeToLive / 10) : 1);
  if (!(tolerance >= 0 && tolerance < timeToLive / 2)) {
    throw new RangeError(
      `checkStorage: tolerance must be from 0 to less than half of timeToLive (${timeToLive}), got ${tolerance}`,
    );
  }
  const { maxBytes } = options;
  if (
    maxBytes !== undefined &&
    !(Number.isSafeInteger(maxBytes) && maxBytes >= 1024)
  ) {
    throw new RangeError(
      `checkStorage: maxBytes must be an integer of at least 1024, got ${maxBytes}`,
    );
  }
  return {
    timeToLive,
    tolerance,
    advance,
    maxBytes,
    expiry: options.expiry ?? true,
    leaseHold: options.leaseHold ?? 300,
  };
}

/** How one check ended. */
export interface Outcome {
  failure?: string;
  missing: boolean;
  skipped?: string;
}

/** Waits `ms` milliseconds of real time. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs one check within `timeout`; whatever happens becomes an outcome. */
export async function runOne(
  check: Check,
  context: Parameters<Check["run"]>[0],
  timeout: number,
): Promise<Outcome> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() =>
      resolve({
        failure: `did not finish within ${timeout} ms (a call never answered?)`,
        missing: false,
      }), timeout);
  });
  const ran = check.run(context).then(
    (): Outcome => ({ missing: false }),
    (error): Outcome => {
      if (error instanceof CheckSkipped) {
        return { skipped: error.message, missing: false };
      }
      if (error instanceof CheckFailed) {
        return { failure: error.message, missing: error.missing };
      }
      return {
        failure: `the store threw ${describeError(error)}`,
        missing: false,
      };
    },
  );
  try {
    return await Promise.race([ran, hung]);
  } finally {
    clearTimeout(timer);
  }
}
