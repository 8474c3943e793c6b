// How a session value is kept in Redis: a JSON-safe value as plain JSON text
// (what `@grammyjs/storage-redis` writes and reads), anything else as
// `#sessionkit:v8:` followed by the base64 of its V8 serialisation (the
// marker is not JSON, so no JSON text is ever taken for it, and an old
// storage-redis bot fails loudly on it instead of misreading it).
import { SessionValueError } from "../../contract/errors.ts";
import { deserialiseValue, serialiseValue } from "../../values/_v8.ts";

/** The start of a value in the V8 encoding. */
export const V8_MARK = "#sessionkit:v8:";

const MAX_DEPTH = 1000;
const objectProto = Object.prototype;
const arrayProto = Array.prototype;

/**
 * Whether `JSON.parse(JSON.stringify(value))` gives back exactly `value`:
 * plain objects and dense arrays without extra properties, strings,
 * booleans, `null` and finite numbers other than -0, no `undefined`, no
 * object twice (a shared reference would come back as two copies).
 */
export function isJsonSafe(value: unknown): boolean {
  return jsonSafe(value, 0, new Set());
}

function jsonSafe(value: unknown, depth: number, seen: Set<object>): boolean {
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
  seen.add(value);
  const proto = Object.getPrototypeOf(value);
  if (proto === arrayProto) {
    const array = value as unknown[];
    if (!Array.isArray(array)) return false;
    const length = array.length;
    if (Object.keys(array).length !== length) return false;
    for (let i = 0; i < length; i++) {
      if (!(i in array) || !jsonSafe(array[i], depth + 1, seen)) return false;
    }
    return true;
  }
  if (proto !== objectProto) return false;
  const record = value as Record<string, unknown>;
  for (const name in record) {
    if (!Object.hasOwn(record, name)) continue;
    if (!jsonSafe(record[name], depth + 1, seen)) return false;
  }
  return true;
}

/**
 * The text stored for `value` (checked storable already): plain JSON if it
 * is JSON-safe, else the V8 encoding.
 */
export function encodeSession(key: string, value: unknown): string {
  if (isJsonSafe(value)) return JSON.stringify(value);
  return V8_MARK + toBase64(serialiseValue(key, value, "Redis"));
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * The number of bytes Redis stores for `text`: its UTF-8 length (a lone
 * surrogate is sent as U+FFFD, 3 bytes).
 */
export function storedBytes(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (
      code >= 0xd800 && code < 0xdc00 &&
      (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00
    ) {
      bytes += 2; // 4 bytes for the pair of 2 code units
      i++;
    } else bytes += 2;
  }
  return bytes;
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
