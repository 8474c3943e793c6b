// The tagged JSON inside PostgresStorage's envelope (`codec.ts`): JSON where
// an object with exactly one key starting with `$` is a tag. The tag names
// are those of the session tools' JSON form (`$date`, `$map`, ...):
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
//   an array with holes or named members
//                        {"$array": {"length": n, "entries": [[k, v], ...]}}
//   a plain object whose only key starts with `$`
//                        {"$object": {...}}
//
//   an object met before {"$ref": n}  (the n-th object met, from 0, counting
//                        each object when it is first met, before its parts)
//
// So shared references and cycles are kept.
import { SessionValueError } from "../../contract/errors.ts";
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
} from "../../values/_value_kind.ts";

/** A value of tagged JSON: what `JSON.parse` gives. */
export type Tagged =
  | null
  | boolean
  | number
  | string
  | Tagged[]
  | { [key: string]: Tagged };

/** The binary types, by name. */
export const VIEWS: string[] = [
  "DataView",
  "Int8Array",
  "Uint8Array",
  "Uint8ClampedArray",
  "Int16Array",
  "Uint16Array",
  "Int32Array",
  "Uint32Array",
  "Float16Array",
  "Float32Array",
  "Float64Array",
  "BigInt64Array",
  "BigUint64Array",
];

/** The error types, by name. */
export const ERRORS: Record<string, ErrorConstructor> = {
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
};

/** A binary type. */
export type View = new (buffer: ArrayBuffer) => ArrayBufferView;
/** The global object, by name. */
export const global: Record<string, unknown> = globalThis as unknown as Record<
  string,
  unknown
>;

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** Decodes base64. */
export function fromBase64(text: string): ArrayBuffer {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

const tag = (name: string, value: Tagged): Tagged => ({ [name]: value });

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
    switch (typeof value) {
      case "string":
      case "boolean":
        return value;
      case "undefined":
        return tag("$undefined", null);
      case "bigint":
        return tag("$bigint", value.toString());
      case "number":
        return Number.isFinite(value) && !Object.is(value, -0)
          ? value
          : tag("$number", Object.is(value, -0) ? "-0" : String(value));
    }
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
      // A data property even for `__proto__` (on Node.js an assignment
      // would set the prototype).
      for (const k of keys) {
        Object.defineProperty(out, k, {
          value: item(k),
          writable: true,
          enumerable: true,
          configurable: true,
        });
      }
      return keys.length === 1 && keys[0]!.startsWith("$")
        ? tag("$object", out)
        : out;
    }
    switch (kind) {
      case DATE: {
        const time = (value as Date).getTime();
        return tag(
          "$date",
          Number.isNaN(time) ? null : (value as Date).toISOString(),
        );
      }
      case REGEXP:
        return tag("$regexp", [
          (value as RegExp).source,
          (value as RegExp).flags,
        ]);
      case MAP:
        return tag(
          "$map",
          [...(value as Map<unknown, unknown>)].map(([k, v], i) => [
            encode(k, `${path}.<key ${i}>`),
            encode(v, `${path}.<value ${i}>`),
          ]),
        );
      case SET:
        return tag(
          "$set",
          [...(value as Set<unknown>)].map((v, i) =>
            encode(v, `${path}.<${i}>`)
          ),
        );
      case BUFFER:
        return tag(
          "$ArrayBuffer",
          toBase64(new Uint8Array(value as ArrayBuffer)),
        );
      case VIEW: {
        const view = value as ArrayBufferView;
        const name = VIEWS.find((n) =>
          typeof global[n] === "function" &&
          value instanceof (global[n] as View)
        ) ?? "Uint8Array";
        return tag(
          `$${name}`,
          toBase64(
            new Uint8Array(view.buffer, view.byteOffset, view.byteLength),
          ),
        );
      }
      case BOXED:
        return tag(
          "$boxed",
          encode((value as { valueOf(): unknown }).valueOf(), path),
        );
      case ERROR: {
        const error = value as Error;
        const out: Record<string, Tagged> = {
          name: error.name,
          message: error.message,
        };
        if (typeof error.stack === "string") out.stack = error.stack;
        if ("cause" in error) out.cause = encode(error.cause, `${path}.cause`);
        return tag("$error", out);
      }
      case KV_U64:
        return tag("$kvu64", (value as { value: bigint }).value.toString());
    }
    throw new SessionValueError(key, `${path} cannot be encoded`);
  };
  return encode(value, "value");
}
