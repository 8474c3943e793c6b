// This module is browser compatible.
/**
 * How the tools print one session: indented JSON in which short arrays and
 * objects (a tagged `{ "$date": ... }`, a small list) stay on one line.
 *
 * @module
 */

const SHORT = 72;

/**
 * Formats a JSON value with two-space indentation, keeping every array or
 * object whose one-line form is short on one line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { prettyJson } from "./pretty_json.ts";
 *
 * assert.equal(
 *   prettyJson({ at: { $date: "1970-01-01T00:00:00.000Z" }, tags: ["a"] }),
 *   '{ "at": { "$date": "1970-01-01T00:00:00.000Z" }, "tags": ["a"] }',
 * );
 * assert.equal(prettyJson({ text: "x".repeat(80) }), `{\n  "text": "${"x".repeat(80)}"\n}`);
 * ```
 */
export function prettyJson(value: unknown, indent = ""): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  const inner = indent + "  ";
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const parts = value.map((v) => prettyJson(v, inner));
    const line = `[${parts.join(", ")}]`;
    if (line.length + indent.length <= SHORT && !line.includes("\n")) {
      return line;
    }
    return `[\n${parts.map((p) => inner + p).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return "{}";
  const parts = entries.map(([k, v]) =>
    `${JSON.stringify(k)}: ${prettyJson(v, inner)}`
  );
  const line = `{ ${parts.join(", ")} }`;
  if (line.length + indent.length <= SHORT && !line.includes("\n")) return line;
  return `{\n${parts.map((p) => inner + p).join(",\n")}\n${indent}}`;
}
