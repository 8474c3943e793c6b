// This module is browser compatible.
// Timers for any number of milliseconds. `setTimeout` holds its delay in 32
// bits: given more than 2^31 - 1 ms (about 24.8 days) it fires after 1 ms, in
// Deno, Node.js and browsers alike. The middleware and every store's lease
// take their timers from here, so none of them forgets the limit:
// - a deadline (the middleware's `lockTimeout: 30 * DAY`, or
//   `Number.MAX_SAFE_INTEGER` meant as "never") waits in steps of at most
//   that length, each arming the next ({@linkcode setLongTimeout});
// - a lease's renewal is merely capped ({@linkcode leaseRenewalDelay}):
//   renewing earlier than due is harmless.

/** The longest delay one `setTimeout` keeps: 2^31 - 1 ms. */
export const MAX_TIMER_DELAY = 2 ** 31 - 1;

/** A running {@linkcode setLongTimeout}; stop it with `clear()`. */
export interface LongTimer {
  clear(): void;
}

/** Calls `fn` once, `ms` milliseconds from now (any finite `ms`). */
export function setLongTimeout(fn: () => void, ms: number): LongTimer {
  let id: ReturnType<typeof setTimeout>;
  const arm = (left: number) => {
    const step = Math.min(left, MAX_TIMER_DELAY);
    id = setTimeout(() => {
      if (left > step) arm(left - step);
      else fn();
    }, step);
  };
  arm(Math.max(0, ms));
  return { clear: () => clearTimeout(id) };
}

/**
 * When a held lease renews, in ms: every third of its time to live, at
 * least 1 ms, and never more than one timer holds ({@linkcode MAX_TIMER_DELAY}).
 */
export function leaseRenewalDelay(timeToLive: number): number {
  return Math.min(MAX_TIMER_DELAY, Math.max(1, Math.floor(timeToLive / 3)));
}

/**
 * The renewal timer of a held lease (KV, Redis, PostgreSQL): `renew` runs
 * when the timer fires, one renewal at a time, and may call `after()` for
 * the next one. `stop()` clears the timer, waits for a renewal under way and
 * keeps any new timer from starting until `resume()`: the write that gives
 * the lease back runs with no renewal pending, and none is left behind.
 */
export class LeaseRenewals {
  readonly #renew: () => Promise<void>;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  /** @param renew One renewal (it handles its own errors). */
  constructor(renew: () => Promise<void>) {
    this.#renew = renew;
  }

  /** Renews in `ms`, unless stopped or a renewal already waits. */
  after(ms: number): void {
    if (this.#stopped || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#running = this.#renew().finally(() => {
        this.#running = undefined;
      });
    }, ms);
  }

  /** Stops renewing; resolves once no renewal is under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#running !== undefined) await this.#running;
  }

  /** Lets `after()` start timers again (after a write that did not release). */
  resume(): void {
    this.#stopped = false;
  }
}
