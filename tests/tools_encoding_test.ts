// The tagged JSON encoding of the session tools: every type KV keeps comes
// back as it was, through JSON text.
import { decodeValue, encodeValue } from "../cli.ts";
import { prettyJson } from "../src/tools/pretty_json.ts";
import { assert, assertEquals, assertThrows } from "./deps.ts";

function roundTrip(value: unknown): unknown {
  return decodeValue(JSON.parse(JSON.stringify(encodeValue(value))));
}

Deno.test("tagged JSON encoding", async (t) => {
  await t.step("keeps a Float16Array, which Deno KV keeps too", () => {
    // Deno has Float16Array (Node.js 20 does not: there no session holds one).
    const value = { half: new Float16Array([1.5, -0, 65504]) };
    const text = JSON.stringify(encodeValue(value));
    assertEquals(text, '{"half":{"$Float16Array":"AD4AgP97"}}');
    assertEquals(decodeValue(JSON.parse(text)), value);
  });

  await t.step("keeps every value type KV keeps", () => {
    const values: unknown[] = [
      undefined,
      null,
      NaN,
      -0,
      Infinity,
      -Infinity,
      0,
      "text",
      true,
      2n ** 70n,
      -5n,
      new Date(0),
      new Date(NaN),
      /a+b/giu,
      new Map<unknown, unknown>([[{ k: 1 }, [1, 2]], [3n, undefined]]),
      new Set([1, "1", new Date(5)]),
      new Uint8Array([0, 128, 255]),
      new Uint8Array(new Uint8Array([9, 8, 7, 6]).buffer, 1, 2),
      new Int8Array([-1]),
      new Uint8ClampedArray([300]),
      new Int16Array([-2, 2]),
      new Uint16Array([65535]),
      new Int32Array([-7]),
      new Uint32Array([2 ** 32 - 1]),
      new Float32Array([1.5]),
      new Float64Array([NaN, -0]),
      new BigInt64Array([-1n]),
      new BigUint64Array([2n ** 64n - 1n]),
      new Uint8Array([1, 2]).buffer,
      new DataView(new Uint8Array([3, 4]).buffer),
      new Deno.KvU64(7n),
      { nested: [{ deep: new Map([["a", new Set([undefined])]]) }] },
      [1, undefined, [NaN]],
      { $date: "not a tag" },
      { $only: 1, other: 2 },
      Object.assign(Object.create(null), { a: 1 }),
    ];
    for (const value of values) {
      const back = roundTrip(value);
      if (
        value !== null && typeof value === "object" &&
        Object.getPrototypeOf(value) === null
      ) {
        assertEquals({ ...back as object }, { ...value });
      } else {
        assertEquals(back, value);
      }
    }
  });

  await t.step("keeps holes, length and named properties of arrays", () => {
    // deno-lint-ignore no-sparse-arrays
    const holes = [1, , 3];
    const trailing: number[] = [7];
    trailing.length = 4;
    const named = Object.assign([1, 2], { label: "x" });
    const huge: boolean[] = [];
    huge[2 ** 32 - 2] = true;
    for (const value of [holes, trailing, named, huge, [undefined]]) {
      const back = roundTrip(value) as unknown[];
      assertEquals(back, value);
      assertEquals(back.length, value.length);
      assertEquals(Object.keys(back), Object.keys(value));
    }
    assertEquals(encodeValue(holes), {
      $array: { length: 3, items: { "0": 1, "2": 3 } },
    });
    assertEquals(encodeValue([undefined]), [{ $undefined: null }]);
    assertThrows(
      () => decodeValue({ $array: { length: 2, items: { "2": 1 } } }),
      /value \(\$array\): item 2 is beyond the length 2/,
    );
    assertThrows(
      () => decodeValue({ $array: { length: -1, items: {} } }),
      /value \(\$array\): the length must be a whole number/,
    );
    assertThrows(
      () => decodeValue({ $array: { length: 1, items: {}, extra: 1 } }),
      /value \(\$array\): unknown field "extra"/,
    );
    assertThrows(
      () => decodeValue({ $array: { length: 1, items: { length: 5 } } }),
      /"length" cannot be an item/,
    );
    assertThrows(
      () =>
        decodeValue({ $array: { length: 1, items: { "0": { $nope: 1 } } } }),
      /value\[0\]: unknown tag "\$nope"/,
    );
  });

  await t.step("keeps a KvU64 with its value", () => {
    const back = roundTrip(new Deno.KvU64(7n));
    assert(back instanceof Deno.KvU64);
    assertEquals(back.value, 7n);
  });

  await t.step("keeps errors with their type, message and cause", () => {
    const error = new RangeError("too far", { cause: 42n });
    const back = roundTrip(error) as RangeError;
    assert(back instanceof RangeError);
    assertEquals(back.message, "too far");
    assertEquals(back.cause, 42n);
    assertEquals(back.stack, error.stack);
    // As V8 (and so KV) keeps it: a name that is no error type is "Error".
    const renamed = Object.assign(new TypeError("x"), { name: "Custom" });
    assertEquals(
      (encodeValue(renamed) as { $error: { name: string } }).$error.name,
      "Error",
    );
  });

  await t.step("keeps plain JSON as it is", () => {
    const value = { a: [1, "x", null, true], b: { c: 1.5 } };
    assertEquals(encodeValue(value), value);
  });

  await t.step("refuses cycles, functions and symbols, naming the path", () => {
    const cyclic: Record<string, unknown> = { list: [] };
    (cyclic.list as unknown[]).push(cyclic);
    assertThrows(
      () => encodeValue(cyclic),
      /value\.list\[0\] refers to itself/,
    );
    assertThrows(() => encodeValue({ f: () => 1 }), /value\.f is a function/);
    assertThrows(
      () => encodeValue({ "a b": Symbol() }),
      /value\["a b"\] is a symbol/,
    );
  });

  await t.step("writes an object referenced twice as two copies", () => {
    const shared = { n: 1 };
    const back = roundTrip({ a: shared, b: shared }) as Record<string, unknown>;
    assertEquals(back, { a: { n: 1 }, b: { n: 1 } });
    assert(back.a !== back.b);
  });

  await t.step("refuses malformed tagged values, naming the path", () => {
    assertThrows(
      () => decodeValue({ a: { $nope: 1 } }),
      /value\.a: unknown tag "\$nope"/,
    );
    assertThrows(
      () => decodeValue({ $bigint: "1.5" }),
      /"1\.5" is not an integer/,
    );
    assertThrows(() => decodeValue({ $number: "42" }), /unknown number "42"/);
    assertThrows(() => decodeValue({ $date: "yesterday" }), /invalid date/);
    assertThrows(
      () => decodeValue({ $Int16Array: "AQ==" }),
      /not a whole number/,
    );
    assertThrows(() => decodeValue({ $Uint8Array: "%%%" }), /invalid base64/);
    assertThrows(() => decodeValue({ $map: [[1]] }), /\[key, value\]/);
    assertThrows(() => decodeValue({ $regexp: ["(", ""] }), /\$regexp/);
  });

  await t.step(
    "refuses every malformed tag with an error naming its path (issue 19 item 8)",
    () => {
      // Each body below is wrapped as { a: [tag] }: the error must name
      // value.a[0] and say what is wrong.
      const cases: [unknown, RegExp][] = [
        [{ $error: { name: "constructor", message: "m" } }, /error type/],
        [{ $error: { name: "toString", message: "m" } }, /error type/],
        [{ $error: { name: "__proto__", message: "m" } }, /error type/],
        [{ $error: { name: "Nope", message: "m" } }, /error type/],
        [{ $error: { name: "Error" } }, /message/],
        [{ $error: { name: "Error", message: "m", extra: 1 } }, /"extra"/],
        [{ $error: null }, /must be an object/],
        [{ $boxed: null }, /boxed/],
        [{ $boxed: { a: 1 } }, /boxed/],
        [{ $boxed: [1] }, /boxed/],
        [{ $boxed: { $undefined: null } }, /boxed/],
        [{ $number: "toString" }, /unknown number/],
        [{ $number: "constructor" }, /unknown number/],
        [{ $undefined: 0 }, /must be null/],
        [{ $regexp: ["a", "g", "x"] }, /\[source, flags\]/],
        [{ $regexp: "a" }, /must be an array/],
        [{ $kvu64: "-1" }, /KvU64/],
        [{ $kvu64: String(2n ** 64n) }, /KvU64/],
        [{ $map: {} }, /must be an array/],
        [{ $set: null }, /must be an array/],
        [{ $object: [] }, /must be an object/],
        [{ $date: 5 }, /must be a string/],
        [{ $bigint: 5 }, /must be a string/],
        [{ $constructor: "x" }, /unknown tag/],
        [{ $toString: "x" }, /unknown tag/],
        [{ $__proto__: "x" }, /unknown tag/],
      ];
      const wrong: string[] = [];
      for (const [tagged, message] of cases) {
        const text = JSON.stringify({ a: [tagged] });
        try {
          const value = decodeValue(JSON.parse(text));
          wrong.push(`${text} decoded to ${Deno.inspect(value)}`);
        } catch (error) {
          const said = error instanceof Error ? error.message : String(error);
          if (
            !(error instanceof TypeError) || !said.startsWith("value.a[0]") ||
            !message.test(said)
          ) wrong.push(`${text} threw ${error}`);
        }
      }
      assertEquals(wrong, []);
    },
  );

  await t.step("prints short parts on one line and long ones indented", () => {
    const text = prettyJson(
      encodeValue({ at: new Date(0), list: ["x".repeat(80)] }),
    );
    assertEquals(
      text,
      `{\n  "at": { "$date": "1970-01-01T00:00:00.000Z" },\n  "list": [\n    "${
        "x".repeat(80)
      }"\n  ]\n}`,
    );
    assertEquals(
      JSON.parse(text),
      encodeValue({ at: new Date(0), list: ["x".repeat(80)] }),
    );
  });
});
