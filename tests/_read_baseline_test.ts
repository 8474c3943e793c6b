// The end-of-update comparison (src/middleware/_read_baseline.ts): a private copy of
// what was read, taken at the read or, for strict sessions, on first access.
import { ReadBaseline } from "../src/middleware/_read_baseline.ts";
import { assert, assertEquals } from "./deps.ts";

Deno.test("the read baseline", async (t) => {
  await t.step("sees a change made after the read", () => {
    const value = { n: 1, list: [1, 2] };
    const baseline = new ReadBaseline();
    baseline.record(value, undefined, false);
    assert(baseline.same(value));
    value.list.push(3);
    assertEquals(baseline.same(value), false);
  });

  await t.step("a deferred copy is taken by take(), before a change", () => {
    const value = { n: 1 };
    const baseline = new ReadBaseline();
    baseline.record(value, undefined, true);
    baseline.take(); // the handler gets the value only after this
    value.n = 2;
    assertEquals(baseline.same(value), false);
    assert(baseline.same({ n: 1 }));
  });

  await t.step("compares with the store's own copy when given one", () => {
    const baseline = new ReadBaseline();
    baseline.record({ n: 1 }, { n: 5 }, false);
    assert(baseline.same({ n: 5 }));
    assertEquals(baseline.same({ n: 1 }), false);
  });

  await t.step("a value that cannot be copied counts as changed", () => {
    const value = { n: 1, f: () => 1 };
    const baseline = new ReadBaseline();
    baseline.record(value, undefined, false);
    // The store then refuses it, loudly; it is never silently kept.
    assertEquals(baseline.same(value), false);
  });

  await t.step("nothing read: any value counts as changed", () => {
    const baseline = new ReadBaseline();
    baseline.record(undefined, undefined, false);
    assertEquals(baseline.same({}), false);
  });
});
