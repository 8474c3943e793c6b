// Private parts of the tagged JSON encoding shared by the encoder and the
// decoder: the binary types, base64, error types, path names, and the checks
// of the decoder.
// This module is browser compatible.

/** A value of the tagged JSON encoding: what `JSON.parse` returns. */
export type EncodedValue =
  | null
  | boolean
  | number
  | string
  | EncodedValue[]
  | { [key: string]: EncodedValue };

export const TYPED_ARRAYS = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
} as const;
export type TypedArrayName = keyof typeof TYPED_ARRAYS;
export type TypedArray = InstanceType<(typeof TYPED_ARRAYS)[TypedArrayName]>;

export const ERROR_TYPES: Record<string, ErrorConstructor> = {
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
};

export function kvU64Class():
  | (new (value: bigint) => { value: bigint })
  | undefined {
  return (globalThis as {
    Deno?: { KvU64?: new (v: bigint) => { value: bigint } };
  })
    .Deno?.KvU64;
}

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

export function fromBase64(
  text: string,
  path: string,
): Uint8Array<ArrayBuffer> {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw new TypeError(`${path}: invalid base64`);
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The array index an own key names, or -1 for any other property name. */
export function arrayIndex(key: string): number {
  if (!/^(0|[1-9]\d*)$/.test(key)) return -1;
  const n = Number(key);
  return n < 4294967295 ? n : -1;
}

/** The largest length an array can have. */
export const MAX_ARRAY_LENGTH = 4294967295;

export function tag(name: string, value: EncodedValue): EncodedValue {
  return { [name]: value };
}

export function propertyPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key)
    ? `${path}.${key}`
    : `${path}[${JSON.stringify(key)}]`;
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
