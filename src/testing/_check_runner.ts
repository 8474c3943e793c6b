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
}

/** Applies the defaults of `checkStorage`'s options. */
export function resolveSettings(options: TimingOptions): CheckSettings {
  const advance = options.clock === undefined
    ? undefined
    : (ms: number) => options.clock!.advance(ms);
  const timeToLive = options.timeToLive ??
    (advance === undefined ? 1000 : 3_600_000);
  return {
    timeToLive,
    tolerance: options.tolerance ??
      (advance === undefined ? Math.ceil(timeToLive / 10) : 1),
    advance,
    maxBytes: options.maxBytes,
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
