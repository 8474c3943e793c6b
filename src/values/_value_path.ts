// This module is browser compatible.
// Where in a session value a walk found a part a store cannot keep: the
// error the walks throw, and path segments written as code would write them
// (`session.cart.items[3]`, `.get("k")`).

import { SessionValueError } from "../contract/errors.ts";

const identifier = /^[A-Za-z_$][\w$]*$/;

/**
 * Thrown inside a walk for a part a store cannot keep. The walk adds path
 * segments on its way back up; `describe` turns it into a sentence.
 */
export class Unstorable {
  /** Path segments from the bad part up to the root. */
  readonly segments: string[] = [];

  /** @param reason What the part is, as the rest of a sentence ("is a ..."). */
  constructor(readonly reason: string) {}

  /** "root.path.to[3] is ...", with very long paths shortened. */
  describe(root: string): string {
    const segments = this.segments.slice().reverse();
    const path = segments.length > 16
      ? segments.slice(0, 8).join("") + "…" + segments.slice(-4).join("")
      : segments.join("");
    return `${root}${path} ${this.reason}`;
  }
}

/**
 * The path segment for a property key, as code would write it: `.name` for
 * identifiers, `[3]` for array indices, `["a b"]` otherwise.
 */
export function pathSegment(key: string | number): string {
  if (typeof key === "number") return `[${key}]`;
  return identifier.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/**
 * The path segment for a part of a `Map` entry: `.keys()[1]` for a key,
 * `.get("k")` for the value of a key that can be written so, else
 * `.values()[1]`.
 */
export function mapSegment(
  inKey: boolean,
  key: unknown,
  index: number,
): string {
  if (inKey) return `.keys()[${index}]`;
  switch (typeof key) {
    case "string":
      return `.get(${JSON.stringify(key)})`;
    case "number":
    case "boolean":
      return `.get(${key})`;
    case "bigint":
      return `.get(${key}n)`;
    default:
      return key === null ? ".get(null)" : `.values()[${index}]`;
  }
}

/**
 * The `SessionValueError` for what a walk over the value of session `key`
 * threw: a part a store cannot keep, or an error from the value itself (a
 * getter that throws, a proxy trap).
 */
export function valueError(key: string, error: unknown): SessionValueError {
  if (error instanceof Unstorable) {
    return new SessionValueError(key, error.describe("session"));
  }
  const what = error instanceof Error
    ? `${error.name}: ${error.message}`
    : String(error);
  return new SessionValueError(key, `reading the session threw ${what}`, {
    cause: error,
  });
}
