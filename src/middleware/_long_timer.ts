// This module is browser compatible.
// A timer for any number of milliseconds. `setTimeout` holds its delay in 32
// bits: given more than 2^31 - 1 ms (about 24.8 days) it fires after 1 ms, in
// Deno, Node.js and browsers alike. A long wait is made of timers of at most
// that length, each arming the next, so `lockTimeout: 30 * DAY` (or
// `Number.MAX_SAFE_INTEGER`, meant as "never") means what it says.

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
