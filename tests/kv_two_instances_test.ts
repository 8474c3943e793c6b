// Every public method of DenoKvStorage with two stores on one KV: what one
// store remembers never hides what the other one did.
import { DenoKvStorage } from "../kv.ts";
import { assert, assertEquals } from "./deps.ts";

type Pair = {
  a: DenoKvStorage<unknown>;
  b: DenoKvStorage<unknown>;
};

const big = (fill: number) => new Uint8Array(200_000).fill(fill);

/** Runs `fn` with two stores on one handle, and on two handles of a file. */
async function bothWays(
  t: Deno.TestContext,
  name: string,
  fn: (pair: Pair) => Promise<void>,
): Promise<void> {
  await t.step(`${name} (one handle)`, async () => {
    const kv = await Deno.openKv(":memory:");
    try {
      await fn({ a: new DenoKvStorage(kv), b: new DenoKvStorage(kv) });
    } finally {
      kv.close();
    }
  });
  await t.step(`${name} (two handles on one file)`, async () => {
    const path = await Deno.makeTempFile({ suffix: ".kv" });
    const one = await Deno.openKv(path);
    const two = await Deno.openKv(path);
    try {
      await fn({ a: new DenoKvStorage(one), b: new DenoKvStorage(two) });
    } finally {
      one.close();
      two.close();
      await Deno.remove(path);
    }
  });
}

Deno.test("two stores on one KV see each other's changes", async (t) => {
  for (
    const [kind, v1, v2] of [["inline", 1, 2], [
      "chunked",
      big(1),
      big(2),
    ]] as const
  ) {
    await bothWays(t, `read and readWithVersion, ${kind}`, async ({ a, b }) => {
      await a.write("k", v1);
      assertEquals(await a.read("k"), v1);
      await b.write("k", v2);
      assertEquals(await a.read("k"), v2);
      const { version } = await a.readWithVersion("k");
      assertEquals(version, (await b.readWithVersion("k")).version);
    });
    await bothWays(t, `write over a change, ${kind}`, async ({ a, b }) => {
      await a.write("k", v1);
      await b.write("k", big(7)); // chunked, whatever a remembers
      await a.write("k", v2);
      assertEquals(await b.read("k"), v2);
      await b.delete("k");
      await a.write("k", v1);
      assertEquals(await b.read("k"), v1);
    });
    await bothWays(t, `delete after a write, ${kind}`, async ({ a, b }) => {
      await a.write("k", v1);
      await a.delete("k");
      await b.write("k", v2);
      await a.delete("k");
      assertEquals(await b.read("k"), undefined);
      assertEquals(await Array.fromAsync(b.readAllKeys()), []);
    });
    await bothWays(t, `compareAndSet, ${kind}`, async ({ a, b }) => {
      const { version } = await a.readWithVersion("k");
      await b.write("k", v1);
      assertEquals(await a.compareAndSet("k", version, v2), { ok: false });
      assertEquals(await a.compareAndSet("k", null, undefined), { ok: false });
      const now = await b.readWithVersion("k");
      const result = await a.compareAndSet("k", now.version, v2);
      assert(result.ok);
      assertEquals(await b.read("k"), v2);
      await b.delete("k");
      assertEquals(await a.compareAndSet("k", result.version, v1), {
        ok: false,
      });
      assertEquals(await b.read("k"), undefined);
    });
    await bothWays(t, `has, ${kind}`, async ({ a, b }) => {
      assert(!(await a.has("k")));
      await b.write("k", v1);
      assert(await a.has("k"));
      await b.delete("k");
      assert(!(await a.has("k")));
    });
    await bothWays(t, `readAll*, ${kind}`, async ({ a, b }) => {
      await a.write("x", v1);
      assertEquals(await Array.fromAsync(b.readAllKeys()), ["x"]);
      await b.write("y", v2);
      await b.write("x", v2);
      assertEquals(await Array.fromAsync(a.readAllKeys()), ["x", "y"]);
      assertEquals(await Array.fromAsync(a.readAllValues()), [v2, v2]);
      assertEquals(await Array.fromAsync(a.readAllEntries()), [
        ["x", v2],
        ["y", v2],
      ]);
      const info = await Array.fromAsync(a.readAllInfo());
      assertEquals(info.map((i) => i.key), ["x", "y"]);
      await b.delete("x");
      assertEquals(await a.readInfo("x"), undefined);
      assertEquals(await Array.fromAsync(a.readAllKeys()), ["y"]);
    });
  }
});
