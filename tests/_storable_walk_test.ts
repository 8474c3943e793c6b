// The storability check walks own enumerable properties, exactly those
// `Object.keys` lists, whatever the prototypes hold: it reads plain objects
// with `for...in` (issue 19, the 1 MiB write), which alone would also list
// inherited enumerable properties.
import { SessionValueError } from "../mod.ts";
import { checkStorable } from "../src/values/_storable.ts";
import { assert, assertStrictEquals } from "./deps.ts";

function refusal(value: unknown): string {
  try {
    checkStorable("42", value);
  } catch (error) {
    assert(error instanceof SessionValueError, String(error));
    return error.message.replace('Cannot store session "42": ', "");
  }
  throw new Error("did not throw");
}

Deno.test("checkStorable walks own enumerable properties only", async (t) => {
  await t.step(
    "an enumerable property on Object.prototype is not walked",
    () => {
      const proto = Object.prototype as Record<string, unknown>;
      const arrays = Array.prototype as unknown as Record<string, unknown>;
      proto.polluted = () => 1;
      arrays.alsoPolluted = () => 1;
      try {
        checkStorable("42", { a: { b: 1 }, list: [{ c: 2 }] });
        // An own property of the same name is walked.
        assertStrictEquals(
          refusal({ a: { polluted: () => 1 } }),
          "session.a.polluted is a function, which a store cannot keep",
        );
      } finally {
        delete proto.polluted;
        delete arrays.alsoPolluted;
      }
    },
  );

  await t.step("own non-enumerable properties are not walked", () => {
    const hidden = Object.defineProperty({ a: 1 }, "f", {
      value: () => 1,
      enumerable: false,
    });
    checkStorable("42", { hidden });
    // An own non-enumerable property hides an inherited enumerable one.
    const shadowing = Object.defineProperty({ a: 1 }, "polluted", {
      value: 1,
      enumerable: false,
    });
    const proto = Object.prototype as Record<string, unknown>;
    proto.polluted = () => 1;
    try {
      checkStorable("42", { shadowing });
    } finally {
      delete proto.polluted;
    }
  });

  await t.step("the first refused part in key order is named", () => {
    class Item {}
    const value = { 2: new Item(), b: () => 1, 1: { deep: [0, Symbol("s")] } };
    assertStrictEquals(
      refusal(value),
      'session["1"].deep[1] is a symbol, which a store cannot keep',
    );
  });

  await t.step(
    "a record met again is not walked again, whatever its size",
    () => {
      const wide: Record<string, unknown> = {};
      for (let i = 0; i < 100; i++) wide[`k${i}`] = i;
      const shared = Array.from({ length: 1000 }, () => wide);
      checkStorable("42", { shared, again: shared });
      wide.k99 = () => 1;
      assertStrictEquals(
        refusal({ shared }),
        "session.shared[0].k99 is a function, which a store cannot keep",
      );
    },
  );

  await t.step("arrays with holes, named properties and getters", () => {
    const holes: unknown[] = [1];
    holes[5] = { ok: true };
    checkStorable("42", holes);
    holes[7] = () => 1;
    assertStrictEquals(
      refusal(holes),
      "session[7] is a function, which a store cannot keep",
    );
    const named = Object.assign([1, 2], { label: Symbol("s") });
    assertStrictEquals(
      refusal(named),
      "session.label is a symbol, which a store cannot keep",
    );
    const getter = Object.defineProperty([1, 2], 1, {
      get: () => () => 1,
      enumerable: true,
    });
    assertStrictEquals(
      refusal(getter),
      "session[1] is a function, which a store cannot keep",
    );
  });
});
