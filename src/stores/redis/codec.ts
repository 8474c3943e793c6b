// How a session value is kept in Redis: a JSON-safe value as plain JSON text
// (what `@grammyjs/storage-redis` writes and reads), anything else as
// `#sessionkit:v8:` followed by the base64 of its V8 serialisation (the
// marker is not JSON, so no JSON text is ever taken for it, and an old
// storage-redis bot fails loudly on it instead of misreading it).
import { SessionValueError } from "../../contract/errors.ts";
import { fromBase64, toBase64 } from "../../values/_base64.ts";
import { isExactJson } from "../../values/_json_exact.ts";
import { deserialiseValue, serialiseValue } from "../../values/_v8.ts";
import { ARRAY, PLAIN } from "../../values/_value_kind.ts";

/** The start of a value in the V8 encoding. */
export const V8_MARK = "#sessionkit:v8:";

// Which objects count as plain data here: only this realm's plain objects
// and arrays. An object of null prototype or from another realm goes to V8
// (PostgreSQL writes those as JSON): it reads back the same either way, but
// the rule decides the bytes written, so it stays as it has always been.
function jsonKind(object: object): number {
  const proto = Object.getPrototypeOf(object);
  if (proto === Object.prototype) return PLAIN;
  if (proto === Array.prototype && Array.isArray(object)) return ARRAY;
  return -1;
}

/**
 * Whether `JSON.parse(JSON.stringify(value))` gives back exactly `value`:
 * plain objects and dense arrays without extra properties, strings,
 * booleans, `null` and finite numbers other than -0, no `undefined`, no
 * object twice (a shared reference would come back as two copies).
 */
export function isJsonSafe(value: unknown): boolean {
  return isExactJson(value, jsonKind);
}

/**
 * The text stored for `value` (checked storable already): plain JSON if it
 * is JSON-safe, else the V8 encoding.
 */
export function encodeSession(key: string, value: unknown): string {
  if (isJsonSafe(value)) return JSON.stringify(value);
  return V8_MARK + toBase64(serialiseValue(key, value, "Redis"));
}

/**
 * The value stored as `text`. A text that is neither JSON nor the V8
 * encoding throws a `SessionValueError` naming the key.
 */
export function decodeSession(key: string, text: string): unknown {
  if (text.startsWith(V8_MARK)) {
    let bytes: Uint8Array;
    try {
      bytes = fromBase64(text.slice(V8_MARK.length));
    } catch (error) {
      throw new SessionValueError(
        key,
        "its Redis value is damaged: the V8 encoding is not base64",
        { cause: error },
      );
    }
    return deserialiseValue(
      key,
      bytes,
      undefined,
      "is damaged in Redis: its V8 encoding does not deserialise",
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SessionValueError(
      key,
      `the Redis value is neither JSON nor this module's encoding (${
        JSON.stringify(text.slice(0, 40))
      }...): it was not written by a session store`,
      { cause: error },
    );
  }
}
