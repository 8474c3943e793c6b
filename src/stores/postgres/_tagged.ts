// The tagged JSON inside PostgresStorage's envelope (`codec.ts`): JSON where
// an object with exactly one key starting with `$` is a tag. The tags are
// those of the session tools' JSON form, written to the same bytes by the
// same code (`src/values/_tagged_json.ts`, which also says where the two
// forms differ):
//
//   undefined            {"$undefined": null}
//   NaN, ±Infinity, -0   {"$number": "NaN"}
//   12n                  {"$bigint": "12"}
//   a Date               {"$date": "<ISO>"}  (null: an invalid date)
//   a RegExp             {"$regexp": [source, flags]}
//   a Map / a Set        {"$map": [[k, v], ...]} / {"$set": [v, ...]}
//   binary data          {"$Uint8Array": "<base64>"} (its type's name)
//   boxed primitives     {"$boxed": <value>}
//   an Error             {"$error": {name, message, stack?, cause?}}
//   a Deno.KvU64         {"$kvu64": "<digits>"}
//   a plain object whose only key starts with `$`
//                        {"$object": {...}}
//
// Only PostgreSQL's (the tools write these differently):
//
//   an array with holes or named members
//                        {"$array": {"length": n, "entries": [[k, v], ...]}}
//   an object met before {"$ref": n}  (the n-th object met, from 0, counting
//                        each object when it is first met, before its parts)
//
// So shared references and cycles are kept. An Error's name is written as
// it is.
import { SessionValueError } from "../../contract/errors.ts";
import {
  defineData,
  encodeBoxed,
  encodeBytes,
  encodeDate,
  encodeError,
  encodeKvU64,
  encodeMap,
  encodePrimitive,
  encodeRegExp,
  encodeSet,
  isTagShaped,
  NOT_PRIMITIVE,
  tag,
  type Tagged,
} from "../../values/_tagged_json.ts";
import {
  ARRAY,
  BOXED,
  BUFFER,
  DATE,
  ERROR,
  isDense,
  kindOf,
  KV_U64,
  MAP,
  PLAIN,
  REGEXP,
  SET,
  VIEW,
  VIEW_TYPES,
} from "../../values/_value_kind.ts";

export type { Tagged };

/** A binary type. */
export type View = new (buffer: ArrayBuffer) => ArrayBufferView;
/** The global object, by name. */
export const global: Record<string, unknown> = globalThis as unknown as Record<
  string,
  unknown
>;

/**
 * Encodes a session value (already checked by `checkStorable`).
 *
 * @throws {SessionValueError} for what cannot be encoded.
 */
export function encodeTagged(key: string, value: unknown): Tagged {
  // Every object gets a number in the order it is first met (before its
  // parts); meeting it again writes `{"$ref": number}`.
  const ids = new Map<object, number>();
  const encode = (value: unknown, path: string): Tagged => {
    const primitive = encodePrimitive(value);
    if (primitive !== NOT_PRIMITIVE) return primitive;
    if (value === null) return null;
    const object = value as object;
    const id = ids.get(object);
    if (id !== undefined) return tag("$ref", id);
    ids.set(object, ids.size);
    return encodeObject(object, path);
  };
  const encodeObject = (value: object, path: string): Tagged => {
    const kind = kindOf(value);
    if (kind === PLAIN || kind === ARRAY) {
      const keys = Object.keys(value);
      const item = (k: string) =>
        encode((value as Record<string, unknown>)[k], `${path}.${k}`);
      if (kind === ARRAY) {
        const length = (value as unknown[]).length;
        if (isDense(keys, length)) return keys.map(item);
        return tag("$array", {
          length,
          entries: keys.map((k) => [k, item(k)]),
        });
      }
      const out: Record<string, Tagged> = {};
      for (const k of keys) defineData(out, k, item(k));
      return isTagShaped(keys) ? tag("$object", out) : out;
    }
    switch (kind) {
      case DATE:
        return encodeDate(value as Date);
      case REGEXP:
        return encodeRegExp(value as RegExp);
      case MAP:
        return encodeMap(value as Map<unknown, unknown>, path, encode);
      case SET:
        return encodeSet(value as Set<unknown>, path, encode);
      case BUFFER:
        return encodeBytes("ArrayBuffer", value as ArrayBuffer);
      case VIEW: {
        const name = VIEW_TYPES.find((n) =>
          typeof global[n] === "function" &&
          value instanceof (global[n] as View)
        ) ?? "Uint8Array";
        return encodeBytes(name, value as ArrayBufferView);
      }
      case BOXED:
        return encodeBoxed(value, path, encode);
      case ERROR:
        return encodeError(value as Error, (value as Error).name, path, encode);
      case KV_U64:
        return encodeKvU64(value as { value: bigint });
    }
    throw new SessionValueError(key, `${path} cannot be encoded`);
  };
  return encode(value, "value");
}
