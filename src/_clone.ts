// This module is browser compatible.
// Deep copies of session values, as a database would store them.
//
// The memory store copies values in on write and out on read with this, so
// the semantics follow `structuredClone` (what Deno KV and V8 serialisation
// keep), but plain objects and arrays, the bulk of every session, are copied
// by hand in JavaScript, which is several times faster than a trip through
// the V8 serialiser. See `bench/_util_bench.ts`.

/** Thrown inside the walk for a part that cannot be cloned; carries the path. */
class Uncloneable {
  /** Path segments from the bad part up to the root (reversed at the end). */
  readonly segments: string[] = [];
  constructor(readonly reason: string, readonly cause?: unknown) {}
}

/**
 * Maps objects already visited to what the walk made of them (their copy,
 * or their number in a fingerprint). Most session values hold a few dozen
 * objects, and for those a linear scan of two arrays is far cheaper than a
 * `Map` that is filled and cleared on every call; past `SCAN_LIMIT` entries
 * it moves everything into a `Map`.
 */
export class Seen {
  #keys: object[] = [];
  #values: unknown[] = [];
  #count = 0;
  #map: Map<object, unknown> | undefined = undefined;

  /** How many objects were recorded. */
  get size(): number {
    return this.#map === undefined ? this.#count : this.#map.size;
  }

  /** What was recorded for `key`, or `undefined`. */
  get(key: object): unknown {
    if (this.#map !== undefined) return this.#map.get(key);
    const keys = this.#keys;
    const count = this.#count;
    for (let i = 0; i < count; i++) {
      if (keys[i] === key) return this.#values[i];
    }
    return undefined;
  }

  /** Records `value` for `key`, which must not have been recorded yet. */
  set(key: object, value: unknown): void {
    if (this.#map !== undefined) {
      this.#map.set(key, value);
    } else if (this.#count < SCAN_LIMIT) {
      this.#keys[this.#count] = key;
      this.#values[this.#count++] = value;
    } else {
      const map = new Map<object, unknown>();
      for (let i = 0; i < this.#count; i++) {
        map.set(this.#keys[i]!, this.#values[i]);
      }
      map.set(key, value);
      this.#map = map;
      this.#release();
    }
  }

  /** Forgets everything, so that no object is kept alive after a call. */
  clear(): void {
    this.#release();
    this.#map = undefined;
  }

  #release(): void {
    const keys = this.#keys;
    const values = this.#values;
    for (let i = 0; i < this.#count; i++) {
      keys[i] = undefined as unknown as object;
      values[i] = undefined;
    }
    this.#count = 0;
  }
}

const SCAN_LIMIT = 48;

const objectToString = Object.prototype.toString;
const getPrototypeOf = Object.getPrototypeOf;
const objectPrototype = Object.prototype;
const isArray = Array.isArray;
const isView = ArrayBuffer.isView;
const identifier = /^[A-Za-z_$][\w$]*$/;

/**
 * One map of seen objects, reused by every call so that copying a small
 * object allocates nothing but the copy. A getter that clones while a clone
 * is running gets a fresh map (see `deepClone`).
 */
const sharedSeen: Seen = new Seen();
let sharedSeenInUse = false;

/**
 * Copies `value` deeply, the way a database would store it and give it back.
 *
 * The result follows `structuredClone` semantics:
 * - primitives (including bigint, `NaN` and `-0`) are returned as they are;
 * - plain objects and class instances become plain objects with the own
 *   enumerable string-keyed properties (getters are read, symbol keys and
 *   non-enumerable properties are dropped, the prototype becomes
 *   `Object.prototype`); a `"__proto__"` key stays an own property;
 * - arrays keep their length, holes and any extra non-index properties;
 * - `Date`, `RegExp` (with `lastIndex` reset to 0), `Map` (keys and values
 *   cloned), `Set`, `ArrayBuffer`, typed arrays and `DataView` are copied to
 *   the built-in type (subclasses become the base class); views that share a
 *   buffer still share the copied buffer;
 * - cycles and shared references are kept: an object reached twice in
 *   `value` is copied once and reached twice in the result;
 * - errors, boxed primitives and other platform objects `structuredClone`
 *   can copy (such as `Blob`) are handed to `structuredClone`, and so is
 *   everything inside them; `Deno.KvU64` is copied as a `Deno.KvU64`.
 *
 * Values that cannot be stored throw a `TypeError` whose message names the
 * path to the bad part, starting at `root`: functions and symbols anywhere
 * (as property values, array elements, `Map` keys or values, `Set` members),
 * and objects `structuredClone` rejects (`WeakMap`, `Promise`, ...). For
 * example `deepClone({ handlers: { onClick() {} } }, "ctx.session")` throws
 * `TypeError: ctx.session.handlers.onClick is a function`.
 *
 * Deliberate differences from `structuredClone`: a `Proxy` of a plain object
 * or array is read through its traps and copied instead of rejected; a
 * value nested deeper than the call stack allows throws a `RangeError`
 * (so does `structuredClone`).
 *
 * @param value The value to copy.
 * @param root How to name `value` in error messages (default `"value"`).
 * @returns An independent copy of `value`.
 * @throws {TypeError} If `value` contains something that cannot be stored.
 */
export function deepClone<T>(value: T, root = "value"): T {
  if (typeof value !== "object") {
    if (typeof value === "function") {
      throw new TypeError(`${root} is a function`);
    }
    if (typeof value === "symbol") throw new TypeError(`${root} is a symbol`);
    return value;
  }
  if (value === null) return value;
  let seen = sharedSeen;
  if (sharedSeenInUse) seen = new Seen();
  else sharedSeenInUse = true;
  try {
    return cloneObject(value, seen) as T;
  } catch (error) {
    if (error instanceof Uncloneable) {
      const path = root + error.segments.reverse().join("");
      const message = `${path} ${error.reason}`;
      throw error.cause === undefined
        ? new TypeError(message)
        : new TypeError(message, { cause: error.cause });
    }
    throw error;
  } finally {
    if (seen === sharedSeen) {
      sharedSeen.clear();
      sharedSeenInUse = false;
    }
  }
}

/**
 * The path segment for a property key, as it would be written in code:
 * `.name` for identifiers, `[3]` for array indices, `["a b"]` otherwise.
 */
function pathSegment(key: string | number): string {
  if (typeof key === "number") return `[${key}]`;
  return identifier.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function cloneValue(value: unknown, seen: Seen): unknown {
  if (typeof value !== "object") {
    if (typeof value === "function") throw new Uncloneable("is a function");
    if (typeof value === "symbol") throw new Uncloneable("is a symbol");
    return value;
  }
  if (value === null) return null;
  return cloneObject(value, seen);
}

function cloneObject(value: object, seen: Seen): unknown {
  const known = seen.get(value);
  if (known !== undefined) return known;
  const proto = getPrototypeOf(value);
  if (proto === objectPrototype || proto === null) {
    return clonePlain(value as Record<string, unknown>, seen);
  }
  if (isArray(value)) return cloneArray(value, seen);
  return cloneExotic(value, seen);
}

function clonePlain(
  value: Record<string, unknown>,
  seen: Seen,
): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  seen.set(value, copy);
  const keys = Object.keys(value);
  let i = 0;
  try {
    for (; i < keys.length; i++) {
      const key = keys[i]!;
      const item = value[key];
      const cloned = typeof item === "object" && item !== null
        ? cloneObject(item, seen)
        : cloneValue(item, seen);
      if (key === "__proto__") defineData(copy, key, cloned);
      else copy[key] = cloned;
    }
  } catch (error) {
    if (error instanceof Uncloneable) {
      error.segments.push(pathSegment(keys[i]!));
    }
    throw error;
  }
  return copy;
}

function cloneArray(value: unknown[], seen: Seen): unknown[] {
  const length = value.length;
  // Filled in order, so the copy stays a packed array when the original has
  // no holes (V8 serialises packed arrays densely, holey ones sparsely).
  const copy: unknown[] = [];
  seen.set(value, copy);
  let present = 0;
  let i = 0;
  try {
    for (; i < length; i++) {
      const item = value[i];
      if (item === undefined && !(i in value)) continue;
      present++;
      copy[i] = typeof item === "object" && item !== null
        ? cloneObject(item, seen)
        : cloneValue(item, seen);
    }
  } catch (error) {
    if (error instanceof Uncloneable) error.segments.push(pathSegment(i));
    throw error;
  }
  if (copy.length !== length) copy.length = length; // trailing holes
  // Object.keys lists indices and then any extra named properties; arrays
  // with extras are rare, but structuredClone keeps them, so do we.
  const keys = Object.keys(value);
  if (keys.length !== present) {
    copyExtraProperties(value, copy, keys, seen);
  }
  return copy;
}

function copyExtraProperties(
  value: unknown[],
  copy: unknown[],
  keys: string[],
  seen: Seen,
): void {
  const source = value as unknown as Record<string, unknown>;
  const target = copy as unknown as Record<string, unknown>;
  for (const key of keys) {
    if (isArrayIndex(key)) continue;
    try {
      const cloned = cloneValue(source[key], seen);
      if (key === "__proto__") defineData(target, key, cloned);
      else target[key] = cloned;
    } catch (error) {
      if (error instanceof Uncloneable) error.segments.push(pathSegment(key));
      throw error;
    }
  }
}

function isArrayIndex(key: string): boolean {
  const n = Number(key);
  return n >>> 0 === n && n !== 4294967295 && String(n) === key;
}

function defineData(
  target: Record<string, unknown>,
  key: string,
  value: unknown,
): void {
  Object.defineProperty(target, key, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}

function cloneExotic(value: object, seen: Seen): unknown {
  if (value instanceof Date) {
    const copy = new Date(value.getTime());
    seen.set(value, copy);
    return copy;
  }
  if (value instanceof RegExp) {
    const copy = new RegExp(value.source, value.flags);
    seen.set(value, copy);
    return copy;
  }
  if (value instanceof Map) return cloneMap(value, seen);
  if (value instanceof Set) return cloneSet(value, seen);
  if (value instanceof ArrayBuffer) return cloneBuffer(value, seen);
  if (isView(value)) return cloneView(value, seen);
  if (value instanceof Symbol) throw new Uncloneable("is a boxed symbol");
  const tag = objectToString.call(value);
  if (tag === "[object Object]") {
    // A class instance: structuredClone keeps its own enumerable data.
    return clonePlain(value as Record<string, unknown>, seen);
  }
  const kvU64 = (globalThis as { Deno?: { KvU64?: KvU64Constructor } }).Deno
    ?.KvU64;
  if (kvU64 !== undefined && value instanceof kvU64) {
    const copy = new kvU64(value.value);
    seen.set(value, copy);
    return copy;
  }
  return delegate(value, seen, tag);
}

interface KvU64Constructor {
  new (value: bigint): { readonly value: bigint };
}

function cloneMap(value: Map<unknown, unknown>, seen: Seen): unknown {
  const copy = new Map<unknown, unknown>();
  seen.set(value, copy);
  let index = 0;
  let inKey = true;
  let key: unknown;
  try {
    for (const [k, v] of value) {
      key = k;
      inKey = true;
      const clonedKey = cloneValue(k, seen);
      inKey = false;
      copy.set(clonedKey, cloneValue(v, seen));
      index++;
    }
  } catch (error) {
    if (error instanceof Uncloneable) {
      error.segments.push(
        inKey ? `.keys()[${index}]` : `.get(${describeMapKey(key, index)})`,
      );
    }
    throw error;
  }
  return copy;
}

function describeMapKey(key: unknown, index: number): string {
  switch (typeof key) {
    case "string":
      return JSON.stringify(key);
    case "number":
    case "boolean":
      return String(key);
    case "bigint":
      return `${key}n`;
    default:
      return key === null ? "null" : `<key #${index}>`;
  }
}

function cloneSet(value: Set<unknown>, seen: Seen): unknown {
  const copy = new Set<unknown>();
  seen.set(value, copy);
  let index = 0;
  try {
    for (const item of value) {
      copy.add(cloneValue(item, seen));
      index++;
    }
  } catch (error) {
    if (error instanceof Uncloneable) {
      error.segments.push(`.values()[${index}]`);
    }
    throw error;
  }
  return copy;
}

function cloneBuffer(value: ArrayBuffer, seen: Seen): ArrayBuffer {
  const copy = value.resizable
    ? delegate(value, seen, "[object ArrayBuffer]") as ArrayBuffer
    : value.slice(0);
  seen.set(value, copy);
  return copy;
}

type TypedArrayConstructor = new (
  buffer: ArrayBufferLike,
  byteOffset: number,
  length: number,
) => ArrayBufferView;

function cloneView(value: ArrayBufferView, seen: Seen): unknown {
  const buffer = value.buffer;
  if (!(buffer instanceof ArrayBuffer) || buffer.resizable) {
    // Shared or resizable memory: let structuredClone decide what it means.
    return delegate(value, seen, objectToString.call(value));
  }
  const copiedBuffer = (seen.get(buffer) as ArrayBuffer | undefined) ??
    cloneBuffer(buffer, seen);
  let copy: ArrayBufferView;
  if (value instanceof DataView) {
    copy = new DataView(copiedBuffer, value.byteOffset, value.byteLength);
  } else {
    // The tag getter of typed arrays is brand-checked: it names the real
    // built-in type even for subclasses.
    const name = objectToString.call(value).slice(8, -1);
    const type = (globalThis as unknown as Record<string, unknown>)[name] as
      | TypedArrayConstructor
      | undefined;
    if (typeof type !== "function") {
      return delegate(value, seen, `[object ${name}]`);
    }
    const length = (value as unknown as { length: number }).length;
    copy = new type(copiedBuffer, value.byteOffset, length);
  }
  seen.set(value, copy);
  return copy;
}

/** Hands a platform object to structuredClone, rethrowing with the path. */
function delegate(value: object, seen: Seen, tag: string): unknown {
  let copy: unknown;
  try {
    copy = structuredClone(value);
  } catch (error) {
    const what = tag.slice(8, -1);
    const article = /^[aeiou]/i.test(what) ? "an" : "a";
    throw new Uncloneable(
      `is ${article} ${what}, which cannot be cloned`,
      error,
    );
  }
  seen.set(value, copy);
  return copy;
}
