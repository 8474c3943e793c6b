// How a session becomes the text in the `value` column, and back.
//
// - A session that JSON keeps exactly (strings, finite numbers other than
//   -0, booleans, null, plain objects without `undefined` members, dense
//   arrays) is stored as plain JSON, as `@grammyjs/storage-psql` stores it:
//   `psql` shows it, an old bot reads it.
// - Any other session is stored as the envelope
//   `{"$sessionkit":1,"value":<tagged JSON>}` (see `_tagged.ts`).
// - Reading: only a top-level object with exactly the two keys
//   `$sessionkit` (equal to 1) and `value` is an envelope. Anything else is
//   plain JSON, read as it is: an old row holding `{"$date": "..."}` is an
//   object with a `$date` key, never a Date. A plain session that happens
//   to be shaped like an envelope is itself stored in one, so it reads back
//   unchanged. Shared references and cycles are kept (as `$ref` tags).
import { checkStorable } from "../../values/_storable.ts";
import { isExactJson } from "../../values/_json_exact.ts";
import { kindOf } from "../../values/_value_kind.ts";
import { encodeTagged, type Tagged } from "./_tagged.ts";
import { decodeTagged } from "./_tagged_decode.ts";

const MARK = "$sessionkit";

function looksLikeEnvelope(value: unknown): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return false;
  }
  const keys = Object.keys(value);
  return keys.length === 2 && keys.includes(MARK) && keys.includes("value");
}

/**
 * The text stored for `value` (see the file comment).
 *
 * @throws {SessionValueError} for what a store cannot keep, naming the key
 * and the path (functions, symbols, class instances, cycles).
 */
export function encodeSession(key: string, value: unknown): string {
  checkStorable(key, value);
  // Every object kept as data counts as plain (a null prototype too).
  if (isExactJson(value, kindOf) && !looksLikeEnvelope(value)) {
    return JSON.stringify(value);
  }
  return JSON.stringify({ [MARK]: 1, value: encodeTagged(key, value) });
}

/**
 * The session stored as `text`.
 *
 * @throws {SyntaxError} if `text` is not JSON, or {@linkcode TypeError} for
 * an envelope this version cannot read.
 */
export function decodeSession(text: string): unknown {
  const parsed: unknown = JSON.parse(text);
  if (!looksLikeEnvelope(parsed)) return parsed;
  const envelope = parsed as { [MARK]: unknown; value: Tagged };
  if (envelope[MARK] !== 1) {
    throw new TypeError(
      `the stored value is in a newer encoding (${
        JSON.stringify(envelope[MARK])
      }) than this version of @sessionkit/grammy reads`,
    );
  }
  return decodeTagged(envelope.value);
}
