// The five defects of issue 10, each reproduced with two instances on one
// KV (two DenoKvStorage objects on one handle, as two isolates would be).
import type { Bot, Context } from "grammy";
import { lazySession, type LazySessionFlavor } from "../mod.ts";
import { DenoKvStorage, type KvLike } from "../kv.ts";
import { assert, assertEquals, assertRejects, fakeTime } from "./deps.ts";
import { createBot, later, message, withKv } from "./_helpers.ts";
import { WRITING_GRACE_MS } from "../src/stores/kv/state.ts";

const MiB = 1024 * 1024;

/**
 * A KV handle whose next successful commit, once `arm`ed, runs `interfere`
 * before the writer learns that it succeeded.
 */
function pausing(kv: Deno.Kv): {
  kv: KvLike;
  arm: (interfere: () => Promise<void>) => void;
} {
  let armed: (() => Promise<void>) | undefined;
  const wrapped: KvLike = {
    getMany: (keys) => kv.getMany(keys),
    list: (selector, options) => kv.list(selector, options),
    atomic: () => {
      const atomic = kv.atomic();
      const commit = atomic.commit.bind(atomic);
      atomic.commit = async () => {
        const result = await commit();
        const interfere = armed;
        if (result.ok && interfere !== undefined) {
          armed = undefined;
          await interfere();
        }
        return result;
      };
      return atomic;
    },
  };
  return { kv: wrapped, arm: (interfere) => void (armed = interfere) };
}

async function entryCount(kv: Deno.Kv): Promise<number> {
  return (await Array.fromAsync(kv.list({ prefix: ["sessions"] }))).length;
}

Deno.test("defect 1: a delete is decided by KV, not by a cache", async (t) => {
  await t.step("delete() after another instance wrote", async () => {
    await withKv(async (kv) => {
      const a = new DenoKvStorage<number>(kv);
      const b = new DenoKvStorage<number>(kv);
      assertEquals(await a.read("k"), undefined); // a now knows "absent"
      await b.write("k", 1);
      await a.delete("k");
      assertEquals(await b.read("k"), undefined);
    });
  });
  await t.step(
    "compareAndSet(key, null, undefined) sees the write",
    async () => {
      await withKv(async (kv) => {
        const a = new DenoKvStorage<number>(kv);
        const b = new DenoKvStorage<number>(kv);
        assertEquals(await a.read("k"), undefined);
        await b.write("k", 1);
        assertEquals(await a.compareAndSet("k", null, undefined), {
          ok: false,
        });
        assertEquals(await b.read("k"), 1);
      });
    },
  );
  await t.step(
    "a lazy /reset in one bot clears another bot's write",
    async () => {
      await withKv(async (kv) => {
        type C = Context & LazySessionFlavor<{ n: number }>;
        const bots = [0, 1].map(() => {
          const bot = createBot<C>();
          bot.use(lazySession({
            initial: () => ({ n: 0 }),
            storage: new DenoKvStorage<{ n: number }>(kv),
          }));
          bot.command("reset", (ctx) => {
            (ctx as { session: unknown }).session = null;
          });
          bot.hears("peek", async (ctx) => void (await ctx.session).n);
          bot.hears("inc", async (ctx) => void (await ctx.session).n++);
          return bot;
        });
        const [a, b] = bots as unknown as [Bot<C>, Bot<C>];
        await a.handleUpdate(message(7, "peek")); // a reads: absent
        await b.handleUpdate(message(7, "inc")); // b stores { n: 1 }
        await a.handleUpdate(message(7, "/reset"));
        assertEquals(await new DenoKvStorage(kv).read("7"), undefined);
      });
    },
  );
});

Deno.test("defect 2: a full switch commit leaves no live generation pending", async () => {
  await withKv(async (kv) => {
    // The longest key allowed: each chunk key is 2048 bytes, so about 196
    // old chunk deletes fill the commit that switches the head.
    const key = "k".repeat(2011);
    const a = new DenoKvStorage<Uint8Array>(kv, { maxBytes: 16 * MiB });
    await a.write(key, new Uint8Array(196 * 65536 - 100).fill(1));
    const fresh = new Uint8Array(MiB).fill(2);
    await a.write(key, fresh);
    const b = new DenoKvStorage<Uint8Array>(kv, { maxBytes: MiB });
    await assertRejects(() => b.write(key, new Uint8Array(2 * MiB)));
    const stored = await b.read(key);
    assertEquals(stored?.byteLength, fresh.byteLength);
    assert(stored.every((byte) => byte === 2));
  });
});

Deno.test("defect 3: a plain write that resolves is stored", async () => {
  await withKv(async (kv) => {
    const { kv: paused, arm } = pausing(kv);
    const a = new DenoKvStorage<Uint8Array>(paused);
    const b = new DenoKvStorage<Uint8Array>(kv, { maxBytes: MiB });
    await a.write("k", new Uint8Array(10).fill(1));
    const { version } = await b.readWithVersion("k");
    // After a's first commit of its chunked write, and once a's generation
    // looks abandoned (listed longer than WRITING_GRACE_MS ago), c reclaims
    // a's chunks as orphans, then its own write is refused.
    arm(() =>
      later(WRITING_GRACE_MS, async () => {
        const c = new DenoKvStorage<Uint8Array>(kv, { maxBytes: MiB });
        await assertRejects(() =>
          c.compareAndSet("k", version, new Uint8Array(2 * MiB))
        );
      })
    );
    const mine = new Uint8Array(MiB + 5).fill(3);
    await a.write("k", mine);
    const stored = await b.read("k");
    assertEquals(stored?.byteLength, mine.byteLength);
    assert(stored.every((byte) => byte === 3));
  });
});

Deno.test("defect 3: a write survives a refresh that reclaims its chunks", async () => {
  const clock = fakeTime();
  try {
    await withKv(async (kv) => {
      const day = 24 * 60 * 60 * 1000;
      const { kv: paused, arm } = pausing(kv);
      const a = new DenoKvStorage<Uint8Array>(paused, { timeToLive: day });
      await a.write("k", new Uint8Array(10).fill(1));
      clock.tick(day * 0.75); // a refresh on read is due
      arm(async () => {
        // Another store only reads: its refresh reclaims a's chunks, once
        // they look abandoned.
        clock.tick(WRITING_GRACE_MS);
        const c = new DenoKvStorage<Uint8Array>(kv, { timeToLive: day });
        assertEquals((await c.read("k"))?.byteLength, 10);
      });
      const mine = new Uint8Array(MiB + 5).fill(3);
      await a.write("k", mine);
      const stored = await new DenoKvStorage<Uint8Array>(kv).read("k");
      assertEquals(stored?.byteLength, mine.byteLength);
    });
  } finally {
    clock.uninstall();
  }
});

Deno.test("a generation being written is left alone by other writers", async (t) => {
  for (
    const [name, after, kept] of [
      ["while it may still be written", 0, true],
      ["until it looks abandoned", WRITING_GRACE_MS, false],
    ] as const
  ) {
    await t.step(name, async () => {
      await withKv(async (kv) => {
        const { kv: paused, arm } = pausing(kv);
        const a = new DenoKvStorage<Uint8Array>(paused);
        await a.write("k", new Uint8Array(10).fill(1));
        let chunksAfterC = 0;
        // After a's first commit (its generation listed, 12 chunks written),
        // another instance writes a small value to the key.
        arm(() =>
          later(after, async () => {
            await new DenoKvStorage<Uint8Array>(kv).write(
              "k",
              new Uint8Array([7]),
            );
            chunksAfterC = await entryCount(kv) - 2; // minus head and record
          })
        );
        const mine = new Uint8Array(MiB + 5).fill(3);
        await a.write("k", mine); // goes through either way
        assertEquals(chunksAfterC > 0, kept);
        assertEquals((await a.read("k"))?.byteLength, mine.byteLength);
        // Nothing is left over: the head and a's 17 chunks.
        assertEquals(
          await entryCount(kv),
          1 + Math.ceil((MiB + 5 + 20) / 65_536),
        );
      });
    });
  }
});

Deno.test("defect 4: typed arrays read from a chunked session are exact", async (t) => {
  await withKv(async (kv) => {
    const a = new DenoKvStorage<{ small: Uint8Array; big?: Uint8Array }>(kv);
    const b = new DenoKvStorage<{ small: Uint8Array; big?: Uint8Array }>(kv);
    await a.write("k", {
      small: new Uint8Array([1, 2, 3]),
      big: new Uint8Array(200_000).fill(9),
    });
    const read = (await b.read("k"))!;
    await t.step("a view has its own buffer of its own length", () => {
      assertEquals(read.small.buffer.byteLength, 3);
      assertEquals(read.small.byteOffset, 0);
      assertEquals([...read.small], [1, 2, 3]);
      assertEquals(read.big!.buffer.byteLength, 200_000);
    });
    await t.step("a session that shrinks is one entry again", async () => {
      await b.write("k", { small: read.small });
      assertEquals(await entryCount(kv), 1);
      assertEquals(await a.read("k"), { small: new Uint8Array([1, 2, 3]) });
    });
  });
});

Deno.test("defect 5: lowering maxBytes keeps stored sessions readable", async () => {
  const clock = fakeTime();
  try {
    await withKv(async (kv) => {
      const day = 24 * 60 * 60 * 1000;
      const a = new DenoKvStorage<Uint8Array>(kv, { timeToLive: day });
      const value = new Uint8Array(300_000).fill(4);
      await a.write("k", value);
      clock.tick(day * 0.75); // a refresh on read is due
      const b = new DenoKvStorage<Uint8Array>(kv, {
        timeToLive: day,
        maxBytes: 100_000,
      });
      assertEquals(await b.read("k"), value);
      const all = await Array.fromAsync(b.readAllEntries());
      assertEquals(all, [["k", value]]);
      // A new write over the limit is still refused.
      await assertRejects(() => b.write("k", value));
      assert((await a.read("k")) !== undefined);
    });
  } finally {
    clock.uninstall();
  }
});
