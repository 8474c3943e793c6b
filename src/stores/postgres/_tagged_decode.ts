// Decoding the tagged JSON of `_tagged.ts`. Objects are numbered in the
// order the encoder numbered them (each when it is created, before its
// parts are decoded), so `{"$ref": n}` finds the n-th: shared references
// and cycles come back as they were. It reads back what `_tagged.ts` wrote
// and checks little (a malformed tag is a TypeError without a path); the
// session tools' decoder, which reads files people edit, is the strict one
// (`src/values/_tagged_json.ts` says why the two differ).
import { fromBase64 } from "../../values/_base64.ts";
import {
  defineData,
  ERROR_TYPES,
  isTagShaped,
  type Tagged,
  taggedNumber,
} from "../../values/_tagged_json.ts";
import { VIEW_TYPES } from "../../values/_value_kind.ts";
import { global, type View } from "./_tagged.ts";

// The constructors as they were when this module loaded: a test's fake
// clock may replace the global `Date` later.
const DateType = Date;

/**
 * Decodes tagged JSON.
 *
 * @throws {TypeError} for an unknown tag or a malformed one.
 */
export function decodeTagged(value: Tagged): unknown {
  const objects: unknown[] = [];
  const made = <T>(object: T): T => (objects.push(object), object);
  const fill = (out: object, body: Record<string, Tagged>) => {
    for (const k of Object.keys(body)) defineData(out, k, decode(body[k]!));
    return out;
  };
  const decode = (value: Tagged): unknown => {
    if (typeof value !== "object" || value === null) return value;
    if (Array.isArray(value)) {
      const out = made([] as unknown[]);
      for (const item of value) out.push(decode(item));
      return out;
    }
    const keys = Object.keys(value);
    if (!isTagShaped(keys)) return fill(made({}), value);
    const name = keys[0]!.slice(1);
    const body = value[keys[0]!]!;
    const bad = () => new TypeError(`malformed tag $${name}`);
    switch (name) {
      case "undefined":
        return undefined;
      case "ref":
        if (typeof body !== "number" || !(body in objects)) throw bad();
        return objects[body];
      case "number": {
        const number = taggedNumber(body);
        if (number === undefined) throw bad();
        return number;
      }
      case "bigint":
        if (typeof body !== "string") throw bad();
        return BigInt(body);
      case "date":
        if (body !== null && typeof body !== "string") throw bad();
        return made(new DateType(body === null ? NaN : body));
      case "regexp": {
        const [source, flags] = body as [string, string];
        return made(new RegExp(source, flags));
      }
      case "map": {
        if (!Array.isArray(body)) throw bad();
        const out = made(new Map());
        for (const pair of body as [Tagged, Tagged][]) {
          const key = decode(pair[0]);
          out.set(key, decode(pair[1]));
        }
        return out;
      }
      case "set": {
        if (!Array.isArray(body)) throw bad();
        const out = made(new Set());
        for (const item of body) out.add(decode(item));
        return out;
      }
      case "boxed":
        return made(Object(decode(body)));
      case "object":
        if (typeof body !== "object" || body === null) throw bad();
        return fill(made({}), body as Record<string, Tagged>);
      case "array": {
        const { length, entries } = body as {
          length: number;
          entries: [string, Tagged][];
        };
        if (!Number.isSafeInteger(length) || !Array.isArray(entries)) {
          throw bad();
        }
        const out = made(new Array(length));
        for (const [k, v] of entries) defineData(out, String(k), decode(v));
        return out;
      }
      case "error":
        return decodeError(body as Record<string, Tagged>, made, decode);
      case "kvu64": {
        const type = (global.Deno as { KvU64?: new (v: bigint) => unknown })
          ?.KvU64;
        const n = BigInt(body as string);
        return made(type === undefined ? n : new type(n));
      }
      case "ArrayBuffer":
        return made(fromBase64(body as string).buffer);
    }
    if (VIEW_TYPES.includes(name) && typeof global[name] === "function") {
      return made(
        new (global[name] as View)(fromBase64(body as string).buffer),
      );
    }
    throw bad();
  };
  return decode(value);
}

function decodeError(
  body: Record<string, Tagged>,
  made: <T>(object: T) => T,
  decode: (value: Tagged) => unknown,
): Error {
  const { name, message, stack } = body;
  const type = Object.hasOwn(ERROR_TYPES, name as string)
    ? ERROR_TYPES[name as string]!
    : Error;
  const error = made(new type(String(message)));
  if (typeof stack === "string") error.stack = stack;
  else delete error.stack;
  if (Object.hasOwn(body, "cause")) {
    // As the constructor makes it: own, not enumerable.
    Object.defineProperty(error, "cause", {
      value: decode(body.cause!),
      writable: true,
      enumerable: false,
      configurable: true,
    });
  }
  return error;
}
