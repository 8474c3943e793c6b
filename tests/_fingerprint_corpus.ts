// The values the change-detection tests share: pairs that are stored
// differently, values that must have a fingerprint, and random values with
// their mutations.
import { deserialize, serialize } from "node:v8";

/** What V8 serialisation (Deno KV) gives back for `value`. */
export function stored(value: unknown): unknown {
  return deserialize(serialize(value));
}

export function holey(): unknown[] {
  // deno-lint-ignore no-sparse-arrays
  return [1, , 3];
}

export function withExtra(extra: unknown): unknown[] {
  return Object.assign([1, 2], { extra });
}

export function cyclic(): Record<string, unknown> {
  const value: Record<string, unknown> = { a: 1 };
  value.self = value;
  return value;
}

export function sharedPair(): Record<string, unknown> {
  const shared = { x: 1 };
  return { a: shared, b: shared };
}

const bytes = new Uint8Array([1, 2, 3, 4]);

/** An array of `length` with `value` at `index` (and nothing else). */
export function sparse(
  index: number,
  value: unknown,
  length = index + 1,
): unknown[] {
  const array: unknown[] = [];
  array[index] = value;
  array.length = length;
  return array;
}

/** `[1, 2]` with index 0 hidden (non-enumerable), and maybe `x` set. */
export function hidden(x?: unknown): unknown[] {
  const array: unknown[] & { x?: unknown } = [1, 2];
  Object.defineProperty(array, 0, { enumerable: false });
  if (x !== undefined) array.x = x;
  return array;
}

/** Pairs that are stored differently, so their fingerprints must differ. */
export const different: [string, () => unknown, () => unknown][] = [
  ["1 and '1'", () => 1, () => "1"],
  ["1 and 1n", () => 1, () => 1n],
  ["1 and true", () => 1, () => true],
  ["'true' and true", () => "true", () => true],
  ["0 and false", () => 0, () => false],
  ["null and undefined", () => null, () => undefined],
  ["'' and undefined", () => "", () => undefined],
  ["'u' and undefined", () => "u", () => undefined],
  ["'n' and null", () => "n", () => null],
  ["NaN and 'NaN'", () => NaN, () => "NaN"],
  ["NaN and undefined", () => NaN, () => undefined],
  ["Infinity and -Infinity", () => Infinity, () => -Infinity],
  ["0 and -0", () => 0, () => -0],
  ["-0 and '-0'", () => -0, () => "-0"],
  ["1n and -1n", () => 1n, () => -1n],
  ["1n and '1n'", () => 1n, () => "1n"],
  ["1 and 1.0000001", () => 1, () => 1.0000001],
  ["a missing property and one set to undefined", () => ({}), () => ({
    a: undefined,
  })],
  ["a property set to null and to undefined", () => ({ a: null }), () => ({
    a: undefined,
  })],
  ["different values", () => ({ a: 1 }), () => ({ a: 2 })],
  ["different keys", () => ({ a: 1 }), () => ({ b: 1 })],
  ["keys in another order", () => ({ a: 1, b: 2 }), () => ({ b: 2, a: 1 })],
  ["keys that look like the encoding", () => ({ "1:a": 1 }), () => ({
    "1": { a: 1 },
  })],
  ["a key with a comma", () => ({ "a,": 1 }), () => ({ a: 1 })],
  ["strings that look like the encoding 1", () => ["a,s1:b"], () => [
    "a",
    "b",
  ]],
  ["strings that look like the encoding 2", () => ({ a: "1,2:b3" }), () => ({
    a: "1",
    b: 3,
  })],
  ["'a' and 'a '", () => "a", () => "a "],
  ["strings with lone surrogates", () => "\ud800", () => "\udc00"],
  ["an empty object and an empty array", () => ({}), () => []],
  ["an object and an array with the same entries", () => ({ 0: 1 }), () => [
    1,
  ]],
  ["an array and a Set", () => [1], () => new Set([1])],
  ["an object and a Map", () => ({ a: 1 }), () => new Map([["a", 1]])],
  ["[] and [undefined]", () => [], () => [undefined]],
  ["a hole and undefined", holey, () => [1, undefined, 3]],
  ["a hole and null", holey, () => [1, null, 3]],
  ["a trailing hole", () => {
    const list = [1];
    list.length = 2;
    return list;
  }, () => [1]],
  ["nested arrays", () => [[1], 2], () => [[1, 2]]],
  ["a run of two holes and one", () => sparse(2, 1), () => sparse(1, 1)],
  ["holes before and after", () => sparse(1, 1, 3), () => sparse(2, 1, 3)],
  ["a sparse array's length", () => sparse(5, 1, 6), () => sparse(5, 1, 7)],
  [
    "elements at user ids",
    () => sparse(98_765_432, 1),
    () => sparse(98_765_432, 2),
  ],
  [
    "an element at 1e9 and after",
    () => sparse(1_000_000_007, 1),
    () => sparse(1_000_000_008, 1, 1_000_000_008),
  ],
  ["a hidden element and the element", () => [1, 2], () => hidden()],
  [
    "an array and it with a hidden element and a named property (defect 6)",
    () => [1, 2],
    () => hidden(5),
  ],
  [
    "a hidden element with and without a named property",
    () => hidden(),
    () => hidden(5),
  ],
  [
    "a hidden element and a hole",
    () => hidden(5),
    () => Object.assign(sparse(1, 2), { x: 6 }),
  ],
  ["an array with an extra property", () => withExtra("x"), () => [1, 2]],
  ["extra properties that differ", () => withExtra("x"), () => withExtra("y")],
  ["dates", () => new Date(0), () => new Date(1)],
  ["a date and its time value", () => new Date(0), () => 0],
  ["an invalid date and date 0", () => new Date(NaN), () => new Date(0)],
  ["an invalid date and NaN", () => new Date(NaN), () => NaN],
  ["regexp sources", () => /a/, () => /b/],
  ["regexp flags", () => /a/g, () => /a/i],
  ["a regexp and its source", () => /a/, () => "a"],
  ["map values", () => new Map([["a", 1]]), () => new Map([["a", 2]])],
  ["map keys 1 and '1'", () => new Map([[1, 1]]), () => new Map([["1", 1]])],
  [
    "map order",
    () => new Map([["a", 1], ["b", 2]]),
    () => new Map([["b", 2], ["a", 1]]),
  ],
  [
    "nested maps",
    () => new Map([["m", new Map([[1, 2]])]]),
    () => new Map([["m", new Map([[1, 3]])]]),
  ],
  ["sets", () => new Set([1, 2]), () => new Set([1, 3])],
  ["set order", () => new Set([1, 2]), () => new Set([2, 1])],
  ["sets of 1 and '1'", () => new Set([1]), () => new Set(["1"])],
  [
    "typed arrays with different bytes",
    () => new Uint8Array([1, 2]),
    () => new Uint8Array([1, 3]),
  ],
  [
    "typed arrays of different types",
    () => new Uint8Array([1, 2]),
    () => new Int8Array([1, 2]),
  ],
  [
    "Uint8Array and Uint8ClampedArray",
    () => new Uint8Array([1]),
    () => new Uint8ClampedArray([1]),
  ],
  ["a typed array and an array", () => new Uint8Array([1, 2]), () => [1, 2]],
  [
    "a typed array and its buffer",
    () => new Uint8Array([1, 2]),
    () => new Uint8Array([1, 2]).buffer,
  ],
  [
    "a view and a view of a larger buffer",
    () => bytes.slice(1, 3),
    () => bytes.subarray(1, 3),
  ],
  [
    "views at different offsets",
    () => bytes.subarray(0, 2),
    () => bytes.subarray(1, 3),
  ],
  [
    "float NaN payloads and -0",
    () => new Float64Array([0]),
    () => new Float64Array([-0]),
  ],
  [
    "a DataView and a Uint8Array",
    () => new DataView(bytes.buffer),
    () => new Uint8Array(bytes.buffer),
  ],
  [
    "array buffers",
    () => new Uint8Array([1]).buffer,
    () => new Uint8Array([2]).buffer,
  ],
  [
    "array buffers of different lengths",
    () => new ArrayBuffer(1),
    () => new ArrayBuffer(2),
  ],
  [
    "a resizable buffer",
    () => new ArrayBuffer(1, { maxByteLength: 4 }),
    () => new ArrayBuffer(1),
  ],
  ["a boxed number and a number", () => Object(1), () => 1],
  ["boxed numbers", () => Object(1), () => Object(2)],
  ["a boxed string and a string", () => Object("a"), () => "a"],
  ["a boxed false and false", () => Object(false), () => false],
  ["a boxed bigint and a bigint", () => Object(1n), () => 1n],
  ["shared and separate objects", sharedPair, () => ({
    a: { x: 1 },
    b: { x: 1 },
  })],
  ["a cycle and a copy", cyclic, () => ({ a: 1, self: { a: 1 } })],
  ["a KvU64 and a bigint", () => new Deno.KvU64(1n), () => 1n],
  ["KvU64s", () => new Deno.KvU64(1n), () => new Deno.KvU64(2n)],
  ["error messages", () => new Error("a"), () => new Error("b")],
  ["error types", () => new Error("a"), () => new TypeError("a")],
  [
    "error causes",
    () => new Error("a", { cause: 1 }),
    () => new Error("a", { cause: 2 }),
  ],
  ["an error and its message", () => new Error("a"), () => "a"],
];

/** Values that must have a fingerprint (and the same one as their copy). */
export const encodable: [string, () => unknown][] = [
  ["a small session", () => ({ pizzaCount: 3 })],
  ["nested objects and arrays", () => ({
    user: { name: "Ada", tags: ["a", "b"], nested: [[1], [2, [3]]] },
    empty: {},
    list: [],
  })],
  ["primitives", () => [0, -0, NaN, Infinity, "", "x", true, false, null, 1n]],
  ["undefined properties and holes", () => ({ a: undefined, b: holey() })],
  ["an array with an extra property", () => withExtra({ x: 1 })],
  [
    "a null-prototype object",
    () => Object.assign(Object.create(null), { a: 1 }),
  ],
  ["dates", () => [new Date(1732537200000), new Date(NaN)]],
  ["regular expressions", () => /piz+a/gi],
  [
    "maps with object keys",
    () => new Map<unknown, unknown>([[{ k: 1 }, [1]], ["s", null]]),
  ],
  ["sets", () => new Set<unknown>([1, "1", { a: 1 }])],
  ["typed arrays and views", () => ({
    part: bytes.subarray(1, 3),
    floats: new Float32Array([1.5, NaN]),
    bigs: new BigUint64Array([2n ** 64n - 1n]),
    view: new DataView(bytes.buffer, 1),
    buffer: new ArrayBuffer(3),
  })],
  ["binary data of 100 KB", () => new Uint8Array(100_000).map((_, i) => i * 7)],
  [
    "boxed primitives",
    () => [Object(1), Object("s"), Object(true), Object(1n)],
  ],
  ["shared references", sharedPair],
  ["cycles", cyclic],
  ["sparse arrays", () => ({
    lastSeen: sparse(1_000_000_007, 1700000000000),
    holes: sparse(3, [1], 10),
  })],
  ["an array with a hidden element and a named property", () => hidden(5)],
  ["plain errors", () => {
    const error = new RangeError("too big", { cause: { limit: 3 } });
    error.stack = "RangeError: too big"; // the same for every call
    return { error, again: error };
  }],
  ["cycles through maps and sets", () => {
    const map = new Map<unknown, unknown>();
    map.set("set", new Set([map]));
    return map;
  }],
  ["many objects with sharing", () => {
    const shared = { s: 1 };
    return Array.from({ length: 300 }, (_, i) => ({ i, shared }));
  }],
  ["a KvU64", () => new Deno.KvU64(5n)],
];

export type Random = () => number;

/** A small seeded PRNG (mulberry32), so every run sees the same values. */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

const strings = [
  "",
  "a",
  "1",
  "s1:a",
  ",",
  "}",
  "@0",
  "ü",
  "\ud83c\udf55",
  "u",
];
const numbers = [0, -0, 1, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 53, 1e-7];

export function randomPrimitive(random: Random): unknown {
  switch (Math.floor(random() * 7)) {
    case 0:
      return pick(random, numbers);
    case 1:
      return pick(random, strings);
    case 2:
      return BigInt(Math.floor(random() * 2000) - 1000);
    case 3:
      return random() < 0.5;
    case 4:
      return null;
    case 5:
      return undefined;
    default:
      return Math.floor(random() * 100);
  }
}

export function randomValue(
  random: Random,
  depth: number,
  pool: object[] = [],
): unknown {
  const top = pool.length === 0 && depth === 4;
  if (!top && (depth === 0 || random() < 0.3)) return randomPrimitive(random);
  if (pool.length > 0 && random() < 0.05) return pick(random, pool); // shared
  let value: object;
  const size = Math.floor(random() * 4);
  switch (Math.floor(random() * 8)) {
    case 0:
    case 1:
    case 2: {
      const object: Record<string, unknown> = {};
      for (let i = 0; i < size; i++) {
        object[pick(random, ["a", "b", "c", "1", "key", "__x", "x y"])] =
          randomValue(random, depth - 1, pool);
      }
      value = object;
      break;
    }
    case 3:
    case 4: {
      const array: unknown[] = [];
      for (let i = 0; i < size; i++) {
        if (random() < 0.15) array.length++; // a hole
        else array.push(randomValue(random, depth - 1, pool));
      }
      if (random() < 0.15) {
        // Indexed by a user id: a sparse array.
        array[100_000 + Math.floor(random() * 100_000)] = randomPrimitive(
          random,
        );
      }
      value = array;
      break;
    }
    case 5: {
      const map = new Map<unknown, unknown>();
      for (let i = 0; i < size; i++) {
        map.set(randomPrimitive(random), randomValue(random, depth - 1, pool));
      }
      value = map;
      break;
    }
    case 6: {
      const set = new Set<unknown>();
      for (let i = 0; i < size; i++) {
        set.add(randomValue(random, depth - 1, pool));
      }
      value = set;
      break;
    }
    default:
      value = random() < 0.5
        ? new Date(Math.floor(random() * 1e12))
        : new Uint8Array(size).map(() => Math.floor(random() * 256));
  }
  pool.push(value);
  return value;
}

/** Collects every object in `value` (each once). */
export function containers(
  value: unknown,
  found: Set<object> = new Set(),
): object[] {
  if (typeof value !== "object" || value === null || found.has(value)) {
    return [...found];
  }
  found.add(value);
  if (value instanceof Map) {
    for (const [k, v] of value) {
      containers(k, found);
      containers(v, found);
    }
  } else if (value instanceof Set) {
    for (const item of value) containers(item, found);
  } else if (!(value instanceof Date) && !ArrayBuffer.isView(value)) {
    for (const item of Object.values(value)) containers(item, found);
  }
  return [...found];
}

let fresh = 0;

/** Changes one thing somewhere in `value`; false if there was nothing to change. */
export function mutate(value: unknown, random: Random): boolean {
  const all = containers(value);
  if (all.length === 0) return false;
  const target = pick(random, all);
  const unique = `fresh-${fresh++}`;
  const choice = random();
  if (target instanceof Date) {
    target.setTime(target.getTime() + 1);
  } else if (target instanceof Uint8Array) {
    if (target.length === 0) return false;
    target[Math.floor(random() * target.length)]! ^= 1;
  } else if (target instanceof Map) {
    if (choice < 0.5 || target.size === 0) target.set(unique, 1);
    else target.delete([...target.keys()][0]);
  } else if (target instanceof Set) {
    if (choice < 0.5 || target.size === 0) target.add(unique);
    else target.delete([...target][0]);
  } else if (Array.isArray(target)) {
    const present = Object.keys(target).filter((key) => /^\d+$/.test(key));
    if (choice < 0.25 || target.length === 0) target.push(unique);
    else if (choice < 0.45) target.length--;
    else if (choice < 0.55) target[100_000 + present.length] = unique;
    else if (choice < 0.7 && present.length > 0) {
      // Hidden elements are not stored: the array now has a hole there.
      Object.defineProperty(target, pick(random, present), {
        enumerable: false,
      });
    } else if (choice < 0.8) {
      (target as unknown as Record<string, unknown>)[unique] = 1;
    } else target[Math.floor(random() * target.length)] = unique;
  } else {
    const object = target as Record<string, unknown>;
    const keys = Object.keys(object);
    if (choice < 0.3 || keys.length === 0) object[unique] = undefined;
    else if (choice < 0.6) delete object[pick(random, keys)];
    else object[pick(random, keys)] = unique;
  }
  return true;
}
