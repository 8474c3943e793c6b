// V8 serialisation of a session value, for the stores that keep what JSON
// cannot (Deno KV's chunks, Redis's non-JSON sessions): serialise, and
// deserialise with every typed array copied out into a buffer of its own.
import * as v8 from "node:v8";
import { SessionValueError } from "../contract/errors.ts";

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Serialises a session value with V8, or throws a `SessionValueError`. */
export function serialiseValue(
  key: string,
  value: unknown,
  store = "Deno KV",
): Uint8Array {
  try {
    const bytes = v8.serialize(value);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  } catch (error) {
    throw new SessionValueError(
      key,
      `${store} cannot serialise the value (${describe(error)})`,
      { cause: error },
    );
  }
}

/**
 * Deserialises a joined session. V8 gives typed arrays as views into the
 * input (or into a shared pool); each is replaced by an exact copy, so what
 * is read back is what was written. Where the runtime's `node:v8` lets a
 * deserializer read its typed arrays itself (Deno, Node), each is copied as
 * it is read; else (or with `walk`) the value is walked afterwards.
 */
export function deserialiseValue(
  key: string,
  bytes: Uint8Array,
  walk = OwnViewsDeserializer === undefined,
  damaged = "is damaged in Deno KV: its chunks do not deserialise",
): unknown {
  try {
    if (!walk && OwnViewsDeserializer !== undefined) {
      const deserializer = new OwnViewsDeserializer(bytes);
      deserializer.readHeader();
      return deserializer.readValue();
    }
    return ownViews(v8.deserialize(bytes), new Map());
  } catch (error) {
    throw new Error(
      `Session "${key}" ${damaged} (${describe(error)})`,
      { cause: error },
    );
  }
}

/** A deserializer whose typed arrays and DataViews own their buffers. */
const OwnViewsDeserializer = (() => {
  // Read from the namespace: a runtime whose node:v8 lacks it (Bun) still
  // loads this module.
  const Base = (v8 as { DefaultDeserializer?: unknown })
    .DefaultDeserializer as
      | (new (buffer: Uint8Array) => {
        readHeader(): boolean;
        readValue(): unknown;
        _readHostObject(): unknown;
      })
      | undefined;
  if (
    typeof Base !== "function" ||
    typeof Base.prototype?._readHostObject !== "function"
  ) {
    return undefined;
  }
  return class extends Base {
    override _readHostObject(): unknown {
      const view = super._readHostObject();
      return ArrayBuffer.isView(view) ? copyView(view) : view;
    }
  };
})();

type TypedArrayConstructor = new (buffer: ArrayBufferLike) => unknown;

/** `value` with every `ArrayBufferView` in it replaced by a copy. */
function ownViews(value: unknown, seen: Map<object, unknown>): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (seen.has(value)) return seen.get(value);
  if (ArrayBuffer.isView(value)) {
    const copy = copyView(value);
    seen.set(value, copy);
    return copy;
  }
  seen.set(value, value);
  if (value instanceof Map) {
    const entries = [...value].map(([k, v]) =>
      [ownViews(k, seen), ownViews(v, seen)] as const
    );
    value.clear();
    for (const [k, v] of entries) value.set(k, v);
  } else if (value instanceof Set) {
    const items = [...value].map((item) => ownViews(item, seen));
    value.clear();
    for (const item of items) value.add(item);
  } else if (
    !(value instanceof Date || value instanceof RegExp ||
      value instanceof ArrayBuffer)
  ) {
    const record = value as Record<string, unknown>;
    for (const name of Object.keys(record)) {
      const inner = record[name];
      if (typeof inner === "object" && inner !== null) {
        record[name] = ownViews(inner, seen);
      }
    }
  }
  return value;
}

function copyView(view: ArrayBufferView): ArrayBufferView {
  const start = view.byteOffset;
  const buffer = view.buffer.slice(start, start + view.byteLength);
  if (view instanceof DataView) return new DataView(buffer);
  const Typed = view.constructor as TypedArrayConstructor;
  return new Typed(buffer) as unknown as ArrayBufferView;
}
