import { deepClone } from "../src/values/_clone.ts";
import {
  assert,
  assertEquals,
  assertStrictEquals,
  assertThrows,
} from "./deps.ts";

/** Asserts that no object in `copy` is the object at the same place in `original`. */
function assertIndependent(original: unknown, copy: unknown, path = "value") {
  if (typeof original !== "object" || original === null) return;
  assert(original !== copy, `${path} is the same object`);
  if (Array.isArray(original)) {
    original.forEach((item, i) =>
      assertIndependent(item, (copy as unknown[])[i], `${path}[${i}]`)
    );
  } else if (original instanceof Map) {
    const copies = [...(copy as Map<unknown, unknown>).values()];
    [...original.values()].forEach((item, i) =>
      assertIndependent(item, copies[i], `${path}.get(#${i})`)
    );
  } else if (Object.getPrototypeOf(original) === Object.prototype) {
    for (const [key, item] of Object.entries(original)) {
      assertIndependent(
        item,
        (copy as Record<string, unknown>)[key],
        `${path}.${key}`,
      );
    }
  }
}

function assertClonesLikeStructuredClone(value: unknown): unknown {
  const copy = deepClone(value);
  assertEquals(copy, structuredClone(value));
  assertIndependent(value, copy);
  return copy;
}

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert(error instanceof TypeError, `not a TypeError: ${error}`);
    return error.message;
  }
  throw new Error("did not throw");
}

Deno.test("deepClone", async (t) => {
  await t.step("returns primitives as they are", () => {
    for (
      const value of [
        0,
        1.5,
        -0,
        NaN,
        Infinity,
        "",
        "text",
        true,
        false,
        null,
        undefined,
        12345678901234567890n,
      ]
    ) {
      assert(Object.is(deepClone(value), value), String(value));
    }
  });

  await t.step("copies plain objects and arrays at every level", () => {
    const value = {
      pizzaCount: 3,
      name: "Ada",
      nested: { list: [1, "two", { three: 3 }, [4, [5]]], empty: {} },
      nothing: null,
      missing: undefined,
      big: 10n,
      negativeZero: -0,
    };
    const copy = assertClonesLikeStructuredClone(value) as typeof value;
    assert(Object.is(copy.negativeZero, -0));
    assert("missing" in copy);
  });

  await t.step("leaves the original alone when the copy is mutated", () => {
    const value = { a: { b: [1, 2, { c: 3 }] }, m: new Map([["k", { v: 1 }]]) };
    const before = structuredClone(value);
    const copy = deepClone(value);
    copy.a.b.push(4);
    (copy.a.b[2] as { c: number }).c = 30;
    copy.m.get("k")!.v = 2;
    copy.m.set("new", { v: 3 });
    assertEquals(value, before);
  });

  await t.step("keeps array holes, length and extra properties", () => {
    // deno-lint-ignore no-sparse-arrays
    const value: unknown[] & { extra?: string } = [1, , undefined, 4, ,];
    value.extra = "kept";
    const copy = assertClonesLikeStructuredClone(value) as typeof value;
    assertStrictEquals(copy.length, 5);
    assert(!(1 in copy));
    assert(2 in copy);
    assert(!(4 in copy));
    assertStrictEquals(copy.extra, "kept");
    const sparse: number[] = [];
    sparse[1000] = 1;
    assertClonesLikeStructuredClone(sparse);
  });

  await t.step("copies arrays indexed by user ids in what they hold", () => {
    // Walking every index up to length would take minutes.
    const lastSeen: number[] & { note?: string } = [];
    lastSeen[1_000_000_007] = 2;
    lastSeen[98_765_432] = 1;
    lastSeen[5] = 0;
    lastSeen.length = 4_000_000_000;
    lastSeen.note = "kept";
    const copy = deepClone(lastSeen);
    assert(copy !== lastSeen);
    assertStrictEquals(copy.length, 4_000_000_000);
    assertEquals(Object.keys(copy), ["5", "98765432", "1000000007", "note"]);
    assertEquals(Object.values(copy), [0, 1, 2, "kept"]);
  });

  await t.step("turns hidden elements into holes, as V8 stores them", () => {
    const value: number[] & { x?: number } = [1, 2, 3];
    Object.defineProperty(value, 1, { enumerable: false });
    value.x = 5;
    const copy = assertClonesLikeStructuredClone(value) as typeof value;
    assertStrictEquals(copy.length, 3);
    assert(!(1 in copy));
    assertStrictEquals(copy.x, 5);
  });

  await t.step("refuses class instances, naming the class and path", () => {
    class Point {
      constructor(public x: number, public y: number) {}
      get length(): number {
        return Math.hypot(this.x, this.y);
      }
    }
    assert(
      message(() => deepClone({ shape: [new Point(3, 4)] })).startsWith(
        "value.shape[0] is an instance of Point: a store keeps only its own " +
          "enumerable data",
      ),
    );
    class Day extends Date {}
    assert(
      message(() => deepClone(new Day(5))).startsWith(
        "value is an instance of Day",
      ),
    );
    class List extends Array {}
    assert(
      message(() => deepClone({ l: List.from([1]) })).startsWith(
        "value.l is an instance of List",
      ),
    );
    const orphan = Object.create({ greet: () => "hi" });
    assertStrictEquals(
      message(() => deepClone({ orphan })),
      "value.orphan is an object with a custom prototype, which a store " +
        "would drop; store plain data instead",
    );
  });

  await t.step(
    "reads getters and drops symbol keys and non-enumerable properties",
    () => {
      const value = {
        get computed() {
          return 42;
        },
        [Symbol("ignored")]: 1,
        plain: 1,
      };
      Object.defineProperty(value, "hidden", { value: 1, enumerable: false });
      const copy = assertClonesLikeStructuredClone(value);
      assertEquals(
        Object.getOwnPropertyDescriptor(copy, "computed")?.value,
        42,
      );
      assertEquals(Reflect.ownKeys(copy as object), ["computed", "plain"]);
    },
  );

  await t.step("gives null-prototype objects the plain prototype", () => {
    const value = Object.assign(Object.create(null), { a: 1 });
    const copy = assertClonesLikeStructuredClone(value);
    assertStrictEquals(Object.getPrototypeOf(copy), Object.prototype);
  });

  await t.step("keeps a __proto__ key as an own property", () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}');
    const copy = deepClone(value) as Record<string, unknown>;
    assertStrictEquals(Object.getPrototypeOf(copy), Object.prototype);
    assert(Object.hasOwn(copy, "__proto__"));
    assertEquals(
      Object.getOwnPropertyDescriptor(copy, "__proto__")?.value,
      { polluted: true },
    );
    assertStrictEquals(({} as Record<string, unknown>).polluted, undefined);
  });

  await t.step("copies dates, including invalid ones", () => {
    const value = { at: new Date(1732537200000), bad: new Date(NaN) };
    const copy = assertClonesLikeStructuredClone(value) as typeof value;
    assert(copy.at instanceof Date);
    assertStrictEquals(copy.at.getTime(), 1732537200000);
    assert(Number.isNaN(copy.bad.getTime()));
  });

  await t.step("copies regular expressions and resets lastIndex", () => {
    const value = /pi(zz)a/giu;
    value.lastIndex = 3;
    const copy = assertClonesLikeStructuredClone(value) as RegExp;
    assertStrictEquals(copy.source, value.source);
    assertStrictEquals(copy.flags, "giu");
    assertStrictEquals(copy.lastIndex, 0);
  });

  await t.step("copies maps and sets with their keys and values", () => {
    const key = { id: 1 };
    const value = {
      map: new Map<unknown, unknown>([[key, { v: 1 }], ["s", [1, 2]], [
        3n,
        null,
      ]]),
      set: new Set<unknown>([1, "1", { a: 1 }, [2]]),
    };
    const copy = assertClonesLikeStructuredClone(value) as typeof value;
    const [copiedKey] = copy.map.keys();
    assert(copiedKey !== key);
    assertEquals(copiedKey, key);
    const [, , copiedMember] = copy.set;
    assert(copiedMember !== [...value.set][2]);
  });

  await t.step("copies array buffers, typed arrays and data views", () => {
    const bytes = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    const value = {
      buffer: new Uint8Array([9, 8, 7]).buffer,
      bytes,
      floats: new Float64Array([1.5, -0, NaN]),
      bigs: new BigInt64Array([-1n, 2n]),
      clamped: new Uint8ClampedArray([255]),
      view: new DataView(bytes.buffer, 2, 3),
    };
    const copy = assertClonesLikeStructuredClone(value) as typeof value;
    assert(copy.buffer !== value.buffer);
    assert(copy.bytes.buffer !== bytes.buffer);
    copy.bytes[0] = 100;
    assertStrictEquals(bytes[0], 1);
  });

  await t.step(
    "keeps the whole buffer and offset of a view, and shared buffers",
    () => {
      const whole = new Uint8Array([1, 2, 3, 4, 5, 6]);
      const value = {
        part: whole.subarray(2, 4),
        words: new Uint16Array(whole.buffer, 2, 2),
      };
      const copy = assertClonesLikeStructuredClone(value) as typeof value;
      assertStrictEquals(copy.part.byteOffset, 2);
      assertStrictEquals(copy.part.buffer.byteLength, 6);
      assertStrictEquals(copy.part.buffer, copy.words.buffer);
      copy.part[0] = 99;
      assertStrictEquals(new Uint8Array(copy.words.buffer)[2], 99);
      assertStrictEquals(whole[2], 3);
    },
  );

  await t.step("copies resizable buffers like structuredClone", () => {
    const buffer = new ArrayBuffer(2, { maxByteLength: 8 });
    const copy = assertClonesLikeStructuredClone(buffer) as ArrayBuffer;
    assert(copy.resizable);
    assertStrictEquals(copy.maxByteLength, 8);
  });

  await t.step("copies plain errors and boxed primitives", () => {
    const cause = { limit: 3 };
    const error = new RangeError("too big", { cause });
    const value = { error, cause };
    const copy = deepClone(value);
    assert(copy.error instanceof RangeError);
    assert(copy.error !== error);
    assertStrictEquals(copy.error.message, "too big");
    assertStrictEquals(copy.error.stack, error.stack);
    assertEquals(copy.error.cause, { limit: 3 });
    // The cause is the same object as elsewhere in the value, as V8 keeps it.
    assertStrictEquals(copy.error.cause, copy.cause);
    assertEquals(Object.keys(copy.error), []);
    assertEquals(copy, structuredClone(value));
    assertStrictEquals(Object.hasOwn(deepClone(new Error()), "message"), false);
    for (const boxed of [Object(1), Object("s"), Object(false), Object(2n)]) {
      const boxedCopy = deepClone(boxed);
      assert(boxedCopy !== boxed);
      assertEquals(boxedCopy, boxed);
    }
  });

  await t.step("refuses errors whose own properties would be lost", () => {
    const error = Object.assign(new Error("gone"), { code: "E42" });
    assertStrictEquals(
      message(() => deepClone({ error })),
      "value.error is an Error with own properties (code), which a store " +
        "would drop; store plain data instead",
    );
    class HttpError extends Error {}
    assert(
      message(() => deepClone(new HttpError("x"))).startsWith(
        "value is an instance of HttpError",
      ),
    );
  });

  await t.step("copies Deno.KvU64 as a Deno.KvU64", () => {
    const value = new Deno.KvU64(7n);
    const copy = deepClone(value);
    assert(copy instanceof Deno.KvU64);
    assertStrictEquals(copy.value, 7n);
  });

  await t.step("keeps cycles and shared references", () => {
    type Node = { name: string; self?: Node; list: unknown[]; peer?: Node };
    const shared = { shared: true };
    const a: Node = { name: "a", list: [shared, shared] };
    const b: Node = { name: "b", list: [a, shared], peer: a };
    a.self = a;
    a.peer = b;
    a.list.push(a.list);
    const copy = deepClone(a);
    assertEquals(copy, structuredClone(a));
    assertStrictEquals(copy.self, copy);
    assertStrictEquals(copy.peer!.peer, copy);
    assertStrictEquals(copy.list[0], copy.list[1]);
    assertStrictEquals(copy.peer!.list[1], copy.list[0]);
    assertStrictEquals(copy.list[2], copy.list);
    assert(copy.list[0] !== shared);
  });

  await t.step("keeps cycles through maps, sets and dates", () => {
    const date = new Date(1);
    const map = new Map<unknown, unknown>();
    const set = new Set<unknown>([map, date]);
    map.set(map, set);
    map.set("date", date);
    const copy = deepClone(map);
    assert(copy !== map);
    const copiedSet = copy.get(copy) as Set<unknown>;
    assert(copiedSet.has(copy));
    assert(copiedSet instanceof Set && copiedSet !== set);
    assert(copiedSet.has(copy.get("date")));
    assert(copy.get("date") !== date);
  });

  await t.step("keeps sharing in values with many objects", () => {
    const shared = { id: "shared" };
    const items = Array.from({ length: 500 }, (_, i) => ({ i, shared }));
    const value = { items, first: items[0], last: items[499] };
    (items[250] as Record<string, unknown>).root = value;
    const copy = deepClone(value);
    assertEquals(copy, structuredClone(value));
    assertStrictEquals(copy.first, copy.items[0]);
    assertStrictEquals(copy.last, copy.items[499]);
    assertStrictEquals(copy.items[0]!.shared, copy.items[499]!.shared);
    assertStrictEquals((copy.items[250] as Record<string, unknown>).root, copy);
  });

  await t.step("copies values nested 1000 levels deep", () => {
    type Link = { depth: number; next: Link | null };
    let value: Link = { depth: 0, next: null };
    for (let i = 1; i < 1000; i++) value = { depth: i, next: value };
    let copy: Link | null = deepClone(value);
    let original: Link | null = value;
    while (original !== null) {
      assert(copy !== null && copy !== original);
      assertStrictEquals(copy.depth, original.depth);
      copy = copy.next;
      original = original.next;
    }
    assertStrictEquals(copy, null);
  });

  await t.step("refuses values nested deeper, with a short path", () => {
    let value: unknown = [];
    for (let i = 0; i < 1000; i++) value = { next: value };
    assertStrictEquals(
      message(() => deepClone(value, "session")),
      "session.next.next.next.next.next.next.next.next….next.next.next.next " +
        "is nested more than 1000 levels deep, which a store cannot keep",
    );
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = [deep];
    assert(message(() => deepClone(deep)).includes("nested more than 1000"));
  });

  await t.step("works when a getter clones during a clone", () => {
    const inner = { x: [1] };
    const value = {
      get copied() {
        return deepClone(inner);
      },
      inner,
      again: inner,
    };
    const copy = deepClone(value);
    assertEquals(copy.copied, inner);
    assertStrictEquals(copy.inner, copy.again);
  });

  await t.step("throws a TypeError that names the path to a function", () => {
    assertStrictEquals(
      message(() => deepClone({ handlers: { onClick() {} } }, "ctx.session")),
      "ctx.session.handlers.onClick is a function, which a store cannot keep",
    );
    assertStrictEquals(
      message(() => deepClone(() => 1)),
      "value is a function, which a store cannot keep",
    );
    assertStrictEquals(
      message(() => deepClone({ list: [1, { "odd key": [0, Math.max] }] })),
      'value.list[1]["odd key"][1] is a function, which a store cannot keep',
    );
  });

  await t.step("throws a TypeError that names the path to a symbol", () => {
    assertStrictEquals(
      message(() => deepClone(Symbol("s"), "x")),
      "x is a symbol, which a store cannot keep",
    );
    assertStrictEquals(
      message(() => deepClone({ a: { b: Symbol("s") } })),
      "value.a.b is a symbol, which a store cannot keep",
    );
    assertStrictEquals(
      message(() => deepClone({ boxed: Object(Symbol("s")) })),
      "value.boxed is a boxed symbol, which a store cannot keep",
    );
  });

  await t.step(
    "finds functions and symbols inside maps, sets and array extras",
    () => {
      assertStrictEquals(
        message(() => deepClone({ m: new Map([["k", { f: () => 1 }]]) })),
        'value.m.get("k").f is a function, which a store cannot keep',
      );
      assertStrictEquals(
        message(() =>
          deepClone(new Map<unknown, number>([[1, 0], [Symbol("k"), 1]]))
        ),
        "value.keys()[1] is a symbol, which a store cannot keep",
      );
      assertStrictEquals(
        message(() => deepClone(new Map([[{}, Symbol("v")]]))),
        "value.values()[0] is a symbol, which a store cannot keep",
      );
      assertStrictEquals(
        message(() => deepClone({ s: new Set([1, 2, () => 3]) })),
        "value.s.values()[2] is a function, which a store cannot keep",
      );
      const array: unknown[] & { handler?: unknown } = [1];
      array.handler = () => 1;
      assertStrictEquals(
        message(() => deepClone(array)),
        "value.handler is a function, which a store cannot keep",
      );
    },
  );

  await t.step("rejects platform objects, with the path", () => {
    const text = message(() => deepClone({ cache: [new WeakMap()] }));
    assertStrictEquals(
      text,
      "value.cache[0] is a WeakMap, which a store cannot keep as it is",
    );
    assertStrictEquals(
      message(() => deepClone({ p: Promise.resolve() })),
      "value.p is a Promise, which a store cannot keep (a missing await?)",
    );
    assertStrictEquals(
      message(() => deepClone({ u: new URL("https://example.com") })),
      "value.u is a URL, which a store cannot keep as it is",
    );
    assertStrictEquals(
      message(() => deepClone({ s: new Uint8Array(new SharedArrayBuffer(2)) })),
      "value.s is a Uint8Array over shared memory, which a store cannot keep",
    );
    assertThrows(
      () => deepClone({ e: new Error("x", { cause: () => 1 }) }),
      TypeError,
    );
  });

  await t.step("keeps working after an error", () => {
    assertThrows(() => deepClone({ a: { b: () => 1 } }), TypeError);
    const value = { a: { b: 1 } };
    const copy = deepClone({ x: value, y: value });
    assertStrictEquals(copy.x, copy.y);
    assert(copy.x !== value);
  });
});
