// Entries the store did not write where it keeps its own: a record of
// pending chunks of another shape (damaged data, or another store whose
// prefix nests inside this one's), and stores whose prefixes nest on one KV
// handle. A write must end with a clear error and leave the data alone;
// never loop.
import { DenoKvStorage, type KvLike } from "../kv.ts";
import { assert, assertEquals, assertThrows } from "./deps.ts";
import { withKv } from "./_helpers.ts";

/** `kv` that refuses more than `max` commits (so a loop ends the test). */
function capped(kv: Deno.Kv, max: number): KvLike {
  let commits = 0;
  return {
    getMany: (keys) => kv.getMany(keys),
    list: (selector, options) => kv.list(selector, options),
    atomic: () => {
      const atomic = kv.atomic();
      const commit = atomic.commit.bind(atomic);
      atomic.commit = () =>
        ++commits > max
          ? Promise.reject(new Error(`more than ${max} commits`))
          : commit();
      return atomic;
    },
  };
}

Deno.test("a record of pending chunks of another shape is reported, not looped on", async (t) => {
  for (
    const record of [
      { note: "not a generation list" },
      { g1: { n: "three" } },
      { g1: { n: 2, del: "x" } },
      ["an", "array"],
    ]
  ) {
    await t.step(JSON.stringify(record), () =>
      withKv(async (kv) => {
        await kv.set(["sessions", "1", "~pending"], record);
        const store = new DenoKvStorage<number>(capped(kv, 20));
        const error = await store.write("1", 5).then(() => "stored", String);
        assert(/pending/.test(error) && !/commits/.test(error), error);
        assertEquals(
          (await kv.get(["sessions", "1", "~pending"])).value,
          record,
        );
        assertEquals((await kv.get(["sessions", "1"])).value, null);
      }));
  }
});

Deno.test("stores whose prefixes nest on one KV handle are refused", () =>
  withKv(async (kv) => {
    const outer = new DenoKvStorage<number>(kv, { prefix: ["a"] });
    let error = "";
    try {
      new DenoKvStorage<number>(kv, { prefix: ["a", "b"] });
    } catch (e) {
      error = String(e);
    }
    assert(error.includes('["a"]'), error);
    assertThrows(() => new DenoKvStorage<number>(kv, { prefix: [] }));
    // The same prefix (another instance), and prefixes side by side, are fine.
    new DenoKvStorage<number>(kv, { prefix: ["a"] });
    new DenoKvStorage<number>(kv, { prefix: ["ab"] });
    await outer.write("b", 1);
    assertEquals(await outer.read("b"), 1);
  }));

Deno.test("a key with a lone surrogate is refused, and the session it would alias is untouched", () =>
  withKv(async (kv) => {
    const store = new DenoKvStorage<number>(kv);
    await store.write("\uFFFD", 1);
    for (const key of ["\uD800", "a\uDC00b", "\uDBFF"]) {
      const write = await store.write(key, 2).then(() => "stored", String);
      assert(write.includes("surrogate"), write);
      const read = await store.read(key).then(() => "read", String);
      assert(read.includes("surrogate"), read);
    }
    assertEquals(await store.read("\uFFFD"), 1);
    assertEquals(await store.read("\uD83D\uDE00"), undefined); // a pair is fine
    assertEquals(await Array.fromAsync(store.readAllKeys()), ["\uFFFD"]);
  }));

Deno.test("a Deno.KvU64 is kept only as the whole session, without timeToLive", async (t) => {
  for (const timeToLive of [undefined, 60_000]) {
    await t.step(`timeToLive ${timeToLive}`, () =>
      withKv(async (kv) => {
        const store = new DenoKvStorage<unknown>(
          kv,
          timeToLive === undefined ? {} : { timeToLive },
        );
        await store.write("1", { n: 1n });
        const refused = timeToLive === undefined
          ? [{ n: new Deno.KvU64(5n) }]
          : [{ n: new Deno.KvU64(5n) }, new Deno.KvU64(5n)];
        for (const value of refused) {
          const result = await store.write("1", value).then(() => "ok", String);
          assert(/Deno\.KvU64/.test(result), result);
        }
        assertEquals(await store.read("1"), { n: 1n });
        if (timeToLive === undefined) {
          await store.write("1", new Deno.KvU64(7n));
          const back = await store.read("1");
          assert(back instanceof Deno.KvU64 && back.value === 7n);
        }
      }));
  }
});

Deno.test("a store refused for its options claims no prefix", () =>
  withKv((kv) => {
    assertThrows(() =>
      new DenoKvStorage<number>(kv, {
        prefix: ["bot"],
        lease: { timeToLive: -1 },
      })
    );
    new DenoKvStorage<number>(kv, { prefix: ["bot", "sessions"] });
    return Promise.resolve();
  }));

Deno.test("a store with timeToLive reads a Deno.KvU64 session without rewriting it", () =>
  withKv(async (kv) => {
    await new DenoKvStorage<Deno.KvU64>(kv).write("1", new Deno.KvU64(5n));
    const expiring = new DenoKvStorage<Deno.KvU64>(kv, { timeToLive: 60_000 });
    const read = await expiring.read("1");
    assert(read instanceof Deno.KvU64 && read.value === 5n);
    const raw = (await kv.get(["sessions", "1"])).value;
    assert(raw instanceof Deno.KvU64, String(raw));
  }));
