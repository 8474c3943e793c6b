/**
 * Refusing session values that a store would not give back as they were.
 *
 * @module
 */
import { SessionValueError } from "./errors.ts";

const PLAIN_PROTOTYPES = new Set<unknown>([Object.prototype, null]);

function isAllowedObject(value: object): boolean {
  if (Array.isArray(value)) return true;
  if (PLAIN_PROTOTYPES.has(Object.getPrototypeOf(value))) return true;
  return value instanceof Date || value instanceof Map ||
    value instanceof Set || value instanceof RegExp ||
    value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

function className(value: object): string {
  const name = (value as { constructor?: { name?: unknown } }).constructor
    ?.name;
  return typeof name === "string" && name !== "" ? name : "an unnamed class";
}

/**
 * Throws a {@linkcode SessionValueError} naming the session `key`, the path
 * in the value and the cause if `value` holds something that serialisation
 * would drop or change: a function, a symbol, or an instance of a class
 * (its prototype would be lost). Plain objects, arrays, `Date`, `Map`,
 * `Set`, `RegExp`, typed arrays and primitives pass.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkStorable } from "./_storable.ts";
 *
 * checkStorable("42", { list: [1, new Date()] });
 * class Cart {}
 * assert.throws(() => checkStorable("42", { cart: new Cart() }), /Cart/);
 * ```
 */
export function checkStorable(key: string, value: unknown): void {
  const seen = new Set<object>();
  const visit = (inner: unknown, path: string): void => {
    if (typeof inner === "function") {
      throw new SessionValueError(
        key,
        `${path} is a function, which cannot be stored`,
      );
    }
    if (typeof inner === "symbol") {
      throw new SessionValueError(
        key,
        `${path} is a symbol, which cannot be stored`,
      );
    }
    if (typeof inner !== "object" || inner === null || seen.has(inner)) return;
    seen.add(inner);
    if (!isAllowedObject(inner)) {
      throw new SessionValueError(
        key,
        `${path} is an instance of class ${
          className(inner)
        }, whose prototype would be lost when it is stored`,
      );
    }
    if (ArrayBuffer.isView(inner) || inner instanceof ArrayBuffer) return;
    if (inner instanceof Map) {
      let i = 0;
      for (const [k, v] of inner) {
        visit(k, `${path}.<map key ${i}>`);
        visit(
          v,
          `${path}.get(${typeof k === "string" ? JSON.stringify(k) : i})`,
        );
        i++;
      }
    } else if (inner instanceof Set) {
      let i = 0;
      for (const item of inner) visit(item, `${path}.<set item ${i++}>`);
    } else {
      for (const name of Object.keys(inner)) {
        visit((inner as Record<string, unknown>)[name], `${path}.${name}`);
      }
    }
  };
  visit(value, "value");
}
