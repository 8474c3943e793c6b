/**
 * The export format of the session tools: NDJSON, one session per line,
 * `{"key":"42","value":<tagged JSON>,"expiresAt":1767225600000}` (the
 * deadline in milliseconds since the epoch, left out when the session does
 * not expire or its expiry is unknown). Values use the tagged JSON encoding
 * of `json_encoding.ts`, so Maps, Dates, typed arrays and the rest come back
 * as they were.
 *
 * @module
 */
import { decodeValue } from "./json_decoding.ts";
import { encodeValue } from "./json_encoding.ts";

/** One exported session. */
export interface SessionRecord {
  /** The session key. */
  key: string;
  /** The session value (decoded: Maps are Maps). */
  value: unknown;
  /** When the session expires (milliseconds since the epoch), if it does. */
  expiresAt?: number;
}

/**
 * Writes one session as one NDJSON line (without the line break).
 *
 * @throws {TypeError} If the value cannot be encoded, naming the key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeRecord } from "./ndjson.ts";
 *
 * assert.equal(
 *   encodeRecord({ key: "42", value: { n: 1n } }),
 *   '{"key":"42","value":{"n":{"$bigint":"1"}}}',
 * );
 * ```
 */
export function encodeRecord(record: SessionRecord): string {
  const line: Record<string, unknown> = {
    key: record.key,
    value: encodeValue(record.value, `session ${JSON.stringify(record.key)}`),
  };
  if (record.expiresAt !== undefined) line.expiresAt = record.expiresAt;
  return JSON.stringify(line);
}

/**
 * Reads one NDJSON line back into a session record.
 *
 * @param line The text of the line.
 * @param lineNumber Its number, for error messages.
 * @throws {TypeError} If the line is not a valid record (a value of
 * `undefined` included: that would delete the session); the message names the
 * line and, when it can be read, the key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeRecord } from "./ndjson.ts";
 *
 * const record = decodeRecord('{"key":"7","value":{"$set":[1]}}', 1);
 * assert.deepEqual(record, { key: "7", value: new Set([1]) });
 * ```
 */
export function decodeRecord(line: string, lineNumber: number): SessionRecord {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error) {
    throw new TypeError(
      `line ${lineNumber}: not JSON (${(error as Error).message})`,
    );
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new TypeError(
      `line ${lineNumber}: expected an object with "key" and "value"`,
    );
  }
  const { key, value, expiresAt } = json as Record<string, unknown>;
  if (typeof key !== "string") {
    throw new TypeError(`line ${lineNumber}: "key" must be a string`);
  }
  const name = `line ${lineNumber}, session ${JSON.stringify(key)}`;
  if (!Object.hasOwn(json, "value")) {
    throw new TypeError(`${name}: "value" is missing`);
  }
  if (
    expiresAt !== undefined &&
    !(typeof expiresAt === "number" && Number.isFinite(expiresAt))
  ) {
    throw new TypeError(
      `${name}: "expiresAt" must be a number of milliseconds`,
    );
  }
  const decoded = decodeValue(value, name);
  if (decoded === undefined) {
    // As `set` says: writing `undefined` would delete the session.
    throw new TypeError(`${name}: a session cannot be undefined (use delete)`);
  }
  const record: SessionRecord = { key, value: decoded };
  if (expiresAt !== undefined) record.expiresAt = expiresAt;
  return record;
}

/**
 * Splits a byte stream into lines (UTF-8), holding one line at a time.
 * Empty lines are skipped; line numbers count them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readLines } from "./ndjson.ts";
 *
 * const bytes = new TextEncoder().encode("a\r\nb\n\nc");
 * const lines = [];
 * for await (const line of readLines(ReadableStream.from([bytes]))) lines.push(line);
 * assert.deepEqual(lines, [
 *   { text: "a", number: 1 },
 *   { text: "b", number: 2 },
 *   { text: "c", number: 4 },
 * ]);
 * ```
 */
export async function* readLines(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<{ text: string; number: number }, void, undefined> {
  let rest = "";
  let number = 0;
  // A reader and a TextDecoder rather than `for await` over a
  // TextDecoderStream: the npm build's `lib` (ES2022 + DOM) types neither.
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const { done, value } = await reader.read();
    rest += done ? decoder.decode() : decoder.decode(value, { stream: true });
    if (done) break;
    let end: number;
    while ((end = rest.indexOf("\n")) !== -1) {
      const text = rest.slice(0, end).replace(/\r$/, "");
      rest = rest.slice(end + 1);
      number++;
      if (text.trim() !== "") yield { text, number };
    }
  }
  number++;
  if (rest.trim() !== "") yield { text: rest.replace(/\r$/, ""), number };
}

/**
 * Reads NDJSON session records from a byte stream, one at a time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readRecords } from "./ndjson.ts";
 *
 * const text = '{"key":"a","value":1}\n{"key":"b","value":{"$set":[null]}}\n';
 * const stream = ReadableStream.from([new TextEncoder().encode(text)]);
 * const keys = [];
 * for await (const record of readRecords(stream)) keys.push(record.key);
 * assert.deepEqual(keys, ["a", "b"]);
 * ```
 */
export async function* readRecords(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<SessionRecord, void, undefined> {
  for await (const line of readLines(stream)) {
    yield decodeRecord(line.text, line.number);
  }
}
