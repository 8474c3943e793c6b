// This module is browser compatible.
// Copies of the built-in types a store keeps (see `_storable.ts`): dates,
// regular expressions, maps, sets, errors, binary data, boxed primitives and
// Deno.KvU64. The walk over plain objects and arrays is in `_clone.ts`,
// which passes itself in as `inner` for the parts of maps, sets and errors.

import type { Seen } from "./_seen.ts";
import {
  BOXED,
  BUFFER,
  DATE,
  ERROR,
  KV_U64,
  MAP,
  REGEXP,
  SET,
  VIEW,
} from "./_value_kind.ts";
import { mapSegment, Unstorable } from "./_value_path.ts";

/** Copies one part of a value (the walk of `_clone.ts`). */
export type Inner = (value: unknown, seen: Seen, depth: number) => unknown;

const getPrototypeOf = Object.getPrototypeOf;
const hasOwn = Object.hasOwn;

/**
 * Copies `value`, of the given kind (not a plain object or array), with
 * `inner` for its parts; records the copy in `seen`.
 */
export function cloneBuiltIn(
  value: object,
  kind: number,
  seen: Seen,
  depth: number,
  inner: Inner,
): unknown {
  switch (kind) {
    case MAP:
      return cloneMap(value as Map<unknown, unknown>, seen, depth, inner);
    case SET:
      return cloneSet(value as Set<unknown>, seen, depth, inner);
    case ERROR:
      return cloneError(value as Error, seen, depth, inner);
    case BUFFER:
      return cloneBuffer(value as ArrayBuffer, seen);
    case VIEW:
      return cloneView(value as ArrayBufferView, seen);
  }
  let copy: object;
  // The value's own constructor, not the global `Date`: a test's fake clock
  // replaces the global with a class whose dates no store keeps.
  if (kind === DATE) {
    const type = getPrototypeOf(value).constructor as DateConstructor;
    copy = new type((value as Date).getTime());
  } else if (kind === REGEXP) {
    copy = new RegExp((value as RegExp).source, (value as RegExp).flags);
  } else if (kind === BOXED) {
    copy = Object(getPrototypeOf(value).valueOf.call(value));
  } else if (kind === KV_U64) {
    const type = getPrototypeOf(value).constructor as new (
      value: bigint,
    ) => object;
    copy = new type((value as { value: bigint }).value);
  } else {
    throw new Error(`Unknown kind ${kind}`);
  }
  seen.set(value, copy);
  return copy;
}

function cloneMap(
  value: Map<unknown, unknown>,
  seen: Seen,
  depth: number,
  inner: Inner,
): unknown {
  const copy = new Map<unknown, unknown>();
  seen.set(value, copy);
  let index = 0;
  let inKey = true;
  let key: unknown;
  try {
    for (const [k, v] of value) {
      key = k;
      inKey = true;
      const clonedKey = inner(k, seen, depth);
      inKey = false;
      copy.set(clonedKey, inner(v, seen, depth));
      index++;
    }
  } catch (error) {
    if (error instanceof Unstorable) {
      error.segments.push(mapSegment(inKey, key, index));
    }
    throw error;
  }
  return copy;
}

function cloneSet(
  value: Set<unknown>,
  seen: Seen,
  depth: number,
  inner: Inner,
): unknown {
  const copy = new Set<unknown>();
  seen.set(value, copy);
  let index = 0;
  try {
    for (const item of value) {
      copy.add(inner(item, seen, depth));
      index++;
    }
  } catch (error) {
    if (error instanceof Unstorable) {
      error.segments.push(`.values()[${index}]`);
    }
    throw error;
  }
  return copy;
}

// A plain error of a built-in type: its message, stack and cause, as V8
// serialisation keeps them (own enumerable properties were refused).
function cloneError(
  value: Error,
  seen: Seen,
  depth: number,
  inner: Inner,
): Error {
  const type = getPrototypeOf(value).constructor as ErrorConstructor;
  const copy = new type();
  seen.set(value, copy);
  for (const name of ["message", "stack"] as const) {
    if (hasOwn(value, name)) defineHidden(copy, name, value[name]);
    else delete copy[name];
  }
  if (hasOwn(value, "cause")) {
    try {
      defineHidden(copy, "cause", inner(value.cause, seen, depth));
    } catch (error) {
      if (error instanceof Unstorable) error.segments.push(".cause");
      throw error;
    }
  }
  return copy;
}

function defineHidden(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    writable: true,
    enumerable: false,
    configurable: true,
  });
}

function cloneBuffer(value: ArrayBuffer, seen: Seen): ArrayBuffer {
  // structuredClone keeps a resizable buffer's maximum length.
  const copy = value.resizable ? structuredClone(value) : value.slice(0);
  seen.set(value, copy);
  return copy;
}

type ViewConstructor = new (
  buffer: ArrayBuffer,
  byteOffset: number,
  length: number,
) => ArrayBufferView;

function cloneView(value: ArrayBufferView, seen: Seen): unknown {
  // kindOf refused views over shared memory.
  const buffer = value.buffer as ArrayBuffer;
  let copy: ArrayBufferView;
  if (buffer.resizable) {
    // Whether the view tracks the buffer's length is known only inside V8.
    copy = structuredClone(value);
  } else {
    const copiedBuffer = (seen.get(buffer) as ArrayBuffer | undefined) ??
      cloneBuffer(buffer, seen);
    const type = getPrototypeOf(value).constructor as ViewConstructor;
    const length = value instanceof DataView
      ? value.byteLength
      : (value as unknown as { length: number }).length;
    copy = new type(copiedBuffer, value.byteOffset, length);
  }
  seen.set(value, copy);
  return copy;
}
