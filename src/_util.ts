// This module is browser compatible.
// Small shared helpers.

/** Whether `value` is a promise or another thenable. */
export function isPromiseLike<T>(value: unknown): value is PromiseLike<T> {
  return typeof value === "object" && value !== null &&
    typeof (value as { then?: unknown }).then === "function";
}
