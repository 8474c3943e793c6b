// Placeholder, replaced by the optimised version on the util branch.
/** Deep copy with structuredClone semantics; throws TypeError on functions. */
export function deepClone<T>(value: T): T {
  if (typeof value === "function") {
    throw new TypeError("the value is a function");
  }
  if (typeof value === "symbol") throw new TypeError("the value is a symbol");
  try {
    return structuredClone(value);
  } catch (error) {
    throw new TypeError(error instanceof Error ? error.message : String(error));
  }
}
