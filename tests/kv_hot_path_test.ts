// The store's hot path (src/stores/kv/hot_path.ts) and the chunk read that guesses
// the generation: each shortcut is checked against another instance that
// changed the session behind it, and by the KV calls it makes.
import { DenoKvStorage, type KvLike } from "../kv.ts";
import { assert, assertEquals, assertRejects } from "./deps.ts";
import { withKv } from "./_helpers.ts";
import { SessionValueError } from "../mod.ts";

interface Calls {
  getMany: KvLike["getMany"] extends (keys: infer K) => unknown ? K[] : never;
  commits: number;
  /** Sets of a session's head key (a commit may be refused at `set`). */
  headSets: number;
}

/**
 * A handle that records every `getMany` (its keys), and counts commits and
 * sets of head keys.
 */
function recording(kv: Deno.Kv): { kv: KvLike; calls: Calls } {
  const calls: Calls = { getMany: [], commits: 0, headSets: 0 };
  const wrapped: KvLike = {
    getMany: (keys) => (calls.getMany.push(keys), kv.getMany(keys)),
    list: (selector, options) => kv.list(selector, options),
    atomic: () => {
      const atomic = kv.atomic();
      const commit = atomic.commit.bind(atomic);
      atomic.commit = () => (calls.commits++, commit());
      const set = atomic.set.bind(atomic);
      atomic.set = (key, value, options) => {
        if (key.length === 2) calls.headSets++;
        return set(key, value, options);
      };
      return atomic;
    },
  };
  return { kv: wrapped, calls };
}

const big = (fill: number) => new Uint8Array(300_000).fill(fill);

Deno.test("the hot path", async (t) => {
  await t.step("a read is one getMany of the head alone", async () => {
    await withKv(async (kv) => {
      const { kv: counted, calls } = recording(kv);
      const storage = new DenoKvStorage<number>(counted);
      await storage.write("k", 1);
      calls.getMany.length = 0;
      assertEquals(await storage.readWithVersion("k").then((r) => r.value), 1);
      assertEquals(calls.getMany.map((keys) => keys.length), [1]);
    });
  });

  await t.step("a write after a read is one commit", async () => {
    await withKv(async (kv) => {
      const { kv: counted, calls } = recording(kv);
      const storage = new DenoKvStorage<number>(counted);
      await storage.write("k", 1);
      const { version } = await storage.readWithVersion("k");
      calls.commits = 0;
      calls.getMany.length = 0;
      const result = await storage.compareAndSet("k", version, 2);
      assert(result.ok);
      assertEquals([calls.commits, calls.getMany.length], [1, 0]);
      assertEquals(await storage.read("k"), 2);
    });
  });

  await t.step("a write over a state another instance changed", async () => {
    await withKv(async (kv) => {
      const a = new DenoKvStorage<number>(kv);
      const b = new DenoKvStorage<number>(kv);
      await a.write("k", 1);
      const { version } = await a.readWithVersion("k");
      await b.write("k", 5);
      // a remembers version 1: its commit's check fails, KV decides.
      assertEquals(await a.compareAndSet("k", version, 2), { ok: false });
      assertEquals(await b.read("k"), 5);
      await a.write("k", 3); // a plain write goes through on the fresh state
      assertEquals(await b.read("k"), 3);
    });
  });

  await t.step(
    "a value that outgrows one entry is tried inline once",
    async () => {
      await withKv(async (kv) => {
        const { kv: counted, calls } = recording(kv);
        const storage = new DenoKvStorage<Uint8Array>(counted);
        await storage.write("k", new Uint8Array(10));
        calls.headSets = 0;
        await storage.write("k", big(3));
        // KV serialises the value to refuse it inline once; then the head
        // is set to the list of chunks.
        assertEquals(calls.headSets, 2);
        assertEquals(await storage.read("k"), big(3));
      });
    },
  );

  await t.step(
    "bad input is refused and leaves the session as stored",
    async () => {
      await withKv(async (kv) => {
        const storage = new DenoKvStorage<unknown>(kv);
        await storage.write("k", { n: 1 });
        const { version } = await storage.readWithVersion("k");
        await assertRejects(
          () => storage.compareAndSet("k", version, { f: () => 1 }),
          SessionValueError,
        );
        await assertRejects(
          () => storage.compareAndSet("k", version, new (class X {})()),
          SessionValueError,
        );
        await assertRejects(
          () => storage.readWithVersion(7 as unknown as string),
          TypeError,
        );
        assertEquals(await storage.read("k"), { n: 1 });
      });
    },
  );
});

Deno.test("a closed handle: every call rejects, none throws", async () => {
  const kv = await Deno.openKv(":memory:");
  const storage = new DenoKvStorage<number>(kv);
  await storage.write("k", 1);
  const { version } = await storage.readWithVersion("k");
  kv.close();
  // Each call returns a promise (a synchronous throw would escape `.catch`).
  const calls = [
    () => storage.readWithVersion("k"),
    () => storage.compareAndSet("k", version, 2),
    () => storage.write("k", 3),
  ];
  for (const call of calls) {
    const result = call();
    assert(result instanceof Promise);
    await assertRejects(() => result);
  }
});

Deno.test("a chunked read guesses the generation it last saw", async (t) => {
  await t.step("one round trip while the guess holds", async () => {
    await withKv(async (kv) => {
      const { kv: counted, calls } = recording(kv);
      const storage = new DenoKvStorage<Uint8Array>(counted);
      await storage.write("k", big(1));
      calls.getMany.length = 0;
      assertEquals(await storage.read("k"), big(1));
      // The head and the first chunks in one call, the rest beside it: no
      // call reads the head alone first.
      const [first] = calls.getMany;
      assert(first !== undefined && first.length > 1);
      assertEquals(first[0], ["sessions", "k"]);
      const heads = calls.getMany.flat().filter((key) => key.length === 2);
      assertEquals(heads.length, 1);
    });
  });

  await t.step("another instance wrote a new generation", async () => {
    await withKv(async (kv) => {
      const a = new DenoKvStorage<Uint8Array>(kv);
      const b = new DenoKvStorage<Uint8Array>(kv);
      await a.write("k", big(1));
      await b.write("k", big(2)); // a new generation; a's chunks are gone
      assertEquals(await a.read("k"), big(2));
      await b.write("k", new Uint8Array(300_100).fill(4)); // another count
      assertEquals(await a.read("k"), new Uint8Array(300_100).fill(4));
    });
  });

  await t.step("another instance stored it inline, or deleted it", async () => {
    await withKv(async (kv) => {
      const a = new DenoKvStorage<Uint8Array>(kv);
      const b = new DenoKvStorage<Uint8Array>(kv);
      await a.write("k", big(1));
      await b.write("k", new Uint8Array([9]));
      assertEquals(await a.read("k"), new Uint8Array([9]));
      await a.write("k", big(1));
      await b.delete("k");
      assertEquals(await a.readWithVersion("k"), {
        value: undefined,
        version: null,
      });
    });
  });

  await t.step("typed arrays read back own exactly their bytes", async () => {
    await withKv(async (kv) => {
      const storage = new DenoKvStorage<Record<string, ArrayBufferView>>(kv);
      const value = {
        bytes: big(5),
        floats: new Float64Array([1.5, -2]),
        view: new DataView(new Uint8Array([1, 2, 3]).buffer),
      };
      await storage.write("k", value);
      const read = (await storage.read("k"))!;
      for (const [name, view] of Object.entries(read)) {
        assertEquals(view.byteOffset, 0, name);
        assertEquals(view.buffer.byteLength, view.byteLength, name);
      }
      assertEquals(read, value);
    });
  });
});
