// This module is browser compatible.
// Whether plain JSON keeps a session value exactly: the stores that write
// such a session as plain JSON text (readable by grammY's own storage
// adapters, `psql` and `redis-cli`) and only the rest in their own form.

import { ARRAY, isDense, MAX_DEPTH, PLAIN } from "./_value_kind.ts";

/**
 * Whether `JSON.parse(JSON.stringify(value))` gives back exactly `value`:
 * strings, booleans, `null`, finite numbers other than -0, and objects that
 * `kindOf` calls `PLAIN` or `ARRAY` (arrays dense, without named members)
 * holding only such values; no `undefined`, no object met twice (JSON would
 * write a shared reference twice and cannot write a cycle), no nesting
 * deeper than `MAX_DEPTH`.
 *
 * `kindOf` decides which objects are plain data; each store passes its own
 * rule, as the bytes it writes depend on it.
 */
export function isExactJson(
  value: unknown,
  kindOf: (object: object) => number,
): boolean {
  return exact(value, kindOf, 0, new Set());
}

function exact(
  value: unknown,
  kindOf: (object: object) => number,
  depth: number,
  seen: Set<object>,
): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "object":
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth > MAX_DEPTH || seen.has(value)) return false;
  const kind = kindOf(value);
  if (kind !== PLAIN && kind !== ARRAY) return false;
  seen.add(value);
  const keys = Object.keys(value);
  if (kind === ARRAY && !isDense(keys, (value as unknown[]).length)) {
    return false;
  }
  for (const key of keys) {
    const part = (value as Record<string, unknown>)[key];
    if (!exact(part, kindOf, depth + 1, seen)) return false;
  }
  return true;
}
