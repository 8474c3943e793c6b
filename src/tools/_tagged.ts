// This module is browser compatible.
// Private parts of the tools' tagged JSON shared by their encoder and their
// decoder: the binary types, path names, and the decoder's strict checks,
// which name the path of what they refuse. What the tools write as
// PostgresStorage does comes from `src/values/_tagged_json.ts`.
import { fromBase64 as decodeBase64 } from "../values/_base64.ts";
import { pathSegment } from "../values/_value_path.ts";

import { VIEW_TYPES } from "../values/_value_kind.ts";

export { arrayIndex } from "../values/_value_kind.ts";

/**
 * A value of the tagged JSON encoding: what `JSON.parse` returns. Public (the
 * `./cli` entry point), so spelled out here; the same type as the private
 * `Tagged` of `src/values/_tagged_json.ts`.
 */
export type EncodedValue =
  | null
  | boolean
  | number
  | string
  | EncodedValue[]
  | { [key: string]: EncodedValue };

/** A typed array type (`Uint8Array`, ...). */
export interface TypedArrayType {
  new (
    buffer: ArrayBuffer,
    byteOffset: number,
    length: number,
  ): ArrayBufferView;
  readonly BYTES_PER_ELEMENT: number;
}

/**
 * The typed array types a store keeps, by name: those of `VIEW_TYPES` this
 * runtime has (Float16Array is recent: Deno has it, Node.js 20 does not).
 */
export const TYPED_ARRAYS: Readonly<Record<string, TypedArrayType>> = Object
  .fromEntries(
    VIEW_TYPES.flatMap((name) => {
      const type = (globalThis as Record<string, unknown>)[name];
      return name !== "DataView" && typeof type === "function"
        ? [[name, type as TypedArrayType]]
        : [];
    }),
  );

export function kvU64Class():
  | (new (value: bigint) => { value: bigint })
  | undefined {
  return (globalThis as {
    Deno?: { KvU64?: new (v: bigint) => { value: bigint } };
  })
    .Deno?.KvU64;
}

/** The bytes base64 `text` encodes; an error naming `path` if it is not base64. */
export function fromBase64(
  text: string,
  path: string,
): Uint8Array<ArrayBuffer> {
  try {
    return decodeBase64(text);
  } catch {
    throw new TypeError(`${path}: invalid base64`);
  }
}

/** The largest length an array can have. */
export const MAX_ARRAY_LENGTH = 4294967295;

/** `path.key`, or `path["a key"]` for a key that is no identifier. */
export function propertyPath(path: string, key: string): string {
  return path + pathSegment(key);
}

export function expectString(
  value: unknown,
  path: string,
  what: string,
): string {
  if (typeof value !== "string") {
    throw new TypeError(`${path}: ${what} must be a string`);
  }
  return value;
}

export function expectArray(
  value: unknown,
  path: string,
  what: string,
): unknown[] {
  if (!Array.isArray(value)) {
    throw new TypeError(`${path}: ${what} must be an array`);
  }
  return value;
}

export function expectObject(
  value: unknown,
  path: string,
  what: string,
): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new TypeError(`${path}: ${what} must be an object`);
  }
  return value as Record<string, unknown>;
}

export function parseBigInt(text: string, path: string): bigint {
  if (!/^-?\d+$/.test(text)) {
    throw new TypeError(`${path}: "${text}" is not an integer`);
  }
  return BigInt(text);
}
