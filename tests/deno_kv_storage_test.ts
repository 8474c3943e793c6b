import { Bot, type Context } from "grammy";
import { serialize } from "node:v8";
import {
  lazySession,
  session,
  type SessionFlavor,
  SessionValueError,
} from "../mod.ts";
import { WRITING_GRACE_MS } from "../src/stores/kv/state.ts";
import { later, spawnFixture } from "./_helpers.ts";
import { DenoKvStorage, type KvLike } from "../kv.ts";
import type { Written } from "./fixtures/kv_writer.ts";
import {
  assert,
  assertEquals,
  assertRejects,
  assertStrictEquals,
  fakeTime,
} from "./deps.ts";

const MiB = 1024 * 1024;

/** Every entry under `prefix`: count, bytes, and the raw entries. */
async function inventory(kv: Deno.Kv, prefix: Deno.KvKey = ["sessions"]) {
  const entries: Deno.KvEntry<unknown>[] = [];
  let bytes = 0;
  for await (const entry of kv.list({ prefix })) {
    entries.push(entry);
    bytes += entry.value instanceof Uint8Array
      ? entry.value.byteLength
      : serialize(entry.value).byteLength;
  }
  return { count: entries.length, bytes, entries };
}

/** A KV handle that counts the calls made through it. */
function counting(kv: Deno.Kv): { kv: KvLike; calls: () => number } {
  let calls = 0;
  const wrapped: KvLike = {
    getMany: (keys) => (calls++, kv.getMany(keys)),
    list: (selector, options) => (calls++, kv.list(selector, options)),
    atomic: () => {
      const atomic = kv.atomic();
      const commit = atomic.commit.bind(atomic);
      atomic.commit = () => (calls++, commit());
      return atomic;
    },
  };
  return { kv: wrapped, calls: () => calls };
}

function bytesOf(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    bytes[i] = x >>> 16;
  }
  return bytes;
}

async function withKv(
  path: string,
  fn: (kv: Deno.Kv) => Promise<void>,
): Promise<void> {
  const kv = await Deno.openKv(path);
  try {
    await fn(kv);
  } finally {
    kv.close();
  }
}

function structured() {
  return {
    when: new Date(1_700_000_000_000),
    tags: new Set(["a", "b"]),
    byId: new Map<number, { big: bigint }>([[1, { big: 2n ** 70n }]]),
    raw: new Uint8Array([0, 1, 2, 255]),
    nested: { list: [1, "two", null, { deep: [true] }] },
  };
}

Deno.test("DenoKvStorage stores sessions", async (t) => {
  await t.step("reads a legacy raw value in place and updates it", async () => {
    await withKv(":memory:", async (kv) => {
      // What @grammyjs/storage-denokv writes: kv.set(["sessions", key], v).
      await kv.set(["sessions", "42"], { pizzaCount: 3 });
      const storage = new DenoKvStorage<{ pizzaCount: number }>(kv);
      assertEquals(await storage.read("42"), { pizzaCount: 3 });
      assert(await storage.has("42"));
      await storage.write("42", { pizzaCount: 4 });
      // Still raw at the same key, so switching back works too.
      assertEquals((await kv.get(["sessions", "42"])).value, {
        pizzaCount: 4,
      });
      assertEquals((await inventory(kv)).count, 1);
    });
  });

  await t.step("uses the given prefix", async () => {
    await withKv(":memory:", async (kv) => {
      const storage = new DenoKvStorage<number>(kv, { prefix: ["bot", 7] });
      await storage.write("1", 5);
      assertStrictEquals((await kv.get(["bot", 7, "1"])).value, 5);
      assertEquals((await inventory(kv, ["bot"])).count, 1);
    });
  });

  await t.step("keeps KV value types, inline and chunked", async () => {
    await withKv(":memory:", async (kv) => {
      const storage = new DenoKvStorage<unknown>(kv);
      await storage.write("small", structured());
      assertEquals(await storage.read("small"), structured());
      const large = { ...structured(), padding: bytesOf(300_000, 1) };
      await storage.write("large", large);
      assert((await inventory(kv)).count > 3); // chunks exist
      assertEquals(await storage.read("large"), large);
      assertEquals(await storage.read("u8"), undefined);
      await storage.write("u8", bytesOf(200_000, 2));
      assertEquals(await storage.read("u8"), bytesOf(200_000, 2));
    });
  });

  await t.step("wraps user data that looks like its own format", async () => {
    await withKv(":memory:", async (kv) => {
      const storage = new DenoKvStorage<unknown>(kv);
      const tricky = { __sessionkit_kv: 1, g: "x", n: 3, b: 10 };
      await storage.write("t", tricky);
      assertEquals(await storage.read("t"), tricky);
    });
  });

  await t.step("costs one read call and one commit when it fits", async () => {
    await withKv(":memory:", async (raw) => {
      const { kv, calls } = counting(raw);
      const storage = new DenoKvStorage<{ n: number }>(kv);
      const { version } = await storage.readWithVersion("1");
      assertStrictEquals(calls(), 1);
      assert((await storage.compareAndSet("1", version, { n: 1 })).ok);
      assertStrictEquals(calls(), 2);
      assertEquals(await storage.read("1"), { n: 1 });
      assertStrictEquals(calls(), 3);
      await storage.write("1", { n: 2 });
      assertStrictEquals(calls(), 4);
    });
  });

  await t.step("replaces large values and reclaims old chunks", async () => {
    await withKv(":memory:", async (kv) => {
      const storage = new DenoKvStorage<Uint8Array>(kv);
      for (const size of [4 * MiB, 1 * MiB, 3 * MiB, 500_000, 10]) {
        await storage.write("k", bytesOf(size, size));
        assertEquals(await storage.read("k"), bytesOf(size, size));
        const { count, bytes } = await inventory(kv);
        const chunks = size < 65_000 ? 0 : Math.ceil((size + 8) / 65536);
        assertStrictEquals(count, 1 + chunks);
        assert(bytes < size + 1000, `${bytes} bytes stored for ${size}`);
      }
      await storage.write("k", bytesOf(4 * MiB, 9));
      await storage.delete("k");
      assertStrictEquals((await inventory(kv)).count, 0);
      assertStrictEquals(await storage.read("k"), undefined);
    });
  });

  await t.step(
    "refuses values over maxBytes and keeps the old one",
    async () => {
      await withKv(":memory:", async (kv) => {
        const storage = new DenoKvStorage<Uint8Array>(kv, {
          maxBytes: 2 * MiB,
        });
        await storage.write("k", bytesOf(MiB, 1));
        const before = await inventory(kv);
        await assertRejects(
          () => storage.write("k", bytesOf(3 * MiB, 2)),
          (error: unknown) =>
            error instanceof SessionValueError && error.key === "k" &&
            /3145\d\d\d bytes/.test(error.message),
        );
        assertEquals(await inventory(kv), before);
        assertEquals(await storage.read("k"), bytesOf(MiB, 1));
      });
    },
  );

  await t.step("rejects bad input before anything is stored", async () => {
    await withKv(":memory:", async (raw) => {
      const { kv, calls } = counting(raw);
      const storage = new DenoKvStorage<unknown>(kv);
      await storage.write("k", { ok: true });
      await storage.write("big", bytesOf(2 * MiB, 3));
      const before = await inventory(raw);
      const callsBefore = calls();
      for (const key of [42, undefined, null, { id: 1 }]) {
        await assertRejects(
          () => storage.read(key as unknown as string),
          TypeError,
        );
        await assertRejects(
          () => storage.write(key as unknown as string, 1),
          TypeError,
        );
      }
      assertStrictEquals(calls(), callsBefore);
      const long = "x".repeat(2040);
      await assertRejects(
        () => storage.write(long, 1),
        (e: unknown) => e instanceof SessionValueError && e.key === long,
      );
      assertStrictEquals(calls(), callsBefore);
      for (
        const [key, value] of [
          ["k", { f() {} }],
          ["k", { s: Symbol("s") }],
          ["big", { padding: bytesOf(MiB, 1), f: () => 1 }],
          ["new", () => 1],
        ] as const
      ) {
        await assertRejects(
          () => storage.write(key, value),
          (e: unknown) =>
            e instanceof SessionValueError && e.key === key &&
            // The path and the cause (src/values/_storable.ts words them).
            /function|symbol/i.test(e.message),
        );
      }
      assertEquals(await inventory(raw), before);
      assertEquals(await storage.read("k"), { ok: true });
      assertEquals(await storage.read("big"), bytesOf(2 * MiB, 3));
    });
  });

  await t.step(
    "lists more sessions than one page, skipping chunks",
    async () => {
      await withKv(":memory:", async (kv) => {
        const storage = new DenoKvStorage<unknown>(kv);
        const expected = new Map<string, unknown>();
        for (let i = 0; i < 1201; i += 100) {
          const op = kv.atomic();
          for (let j = i; j < Math.min(1201, i + 100); j++) {
            const key = `s${String(j).padStart(5, "0")}`;
            op.set(["sessions", key], { j });
            expected.set(key, { j });
          }
          await op.commit();
        }
        await storage.write("s00500a", bytesOf(MiB, 5));
        expected.set("s00500a", bytesOf(MiB, 5));
        await storage.write("s01200a", bytesOf(100_000, 6));
        expected.set("s01200a", bytesOf(100_000, 6));
        const keys = await Array.fromAsync(storage.readAllKeys());
        assertEquals(keys, [...expected.keys()].sort());
        const entries = await Array.fromAsync(storage.readAllEntries());
        assertEquals(new Map(entries), expected);
        const values = await Array.fromAsync(storage.readAllValues());
        assertStrictEquals(values.length, expected.size);
      });
    },
  );

  await t.step("supports compare-and-set", async () => {
    await withKv(":memory:", async (kv) => {
      const a = new DenoKvStorage<unknown>(kv);
      const b = new DenoKvStorage<unknown>(kv);
      const first = await a.readWithVersion("c");
      assertEquals(first, { value: undefined, version: null });
      const written = await a.compareAndSet("c", null, 1);
      assert(written.ok);
      assertEquals(await b.readWithVersion("c"), {
        value: 1,
        version: written.version,
      });
      // b writes a large value; a's stale version conflicts.
      const large = bytesOf(2 * MiB, 7);
      const second = await b.compareAndSet("c", written.version, large);
      assert(second.ok);
      assertEquals(await a.compareAndSet("c", written.version, 2), {
        ok: false,
      });
      assertEquals(await a.compareAndSet("c", null, bytesOf(MiB, 1)), {
        ok: false,
      });
      assertEquals(await a.read("c"), large);
      // Deleting with the right version works and removes every chunk.
      const deleted = await a.compareAndSet("c", second.version, undefined);
      assertEquals(deleted, { ok: true, version: null });
      assertStrictEquals((await inventory(kv)).count, 0);
    });
  });

  await t.step("two writers of one large session: one wins whole", async () => {
    const path = await Deno.makeTempFile({ suffix: ".kv" });
    try {
      await withKv(path, async (kv1) => {
        await withKv(path, async (kv2) => {
          const a = new DenoKvStorage<Uint8Array>(kv1);
          const b = new DenoKvStorage<Uint8Array>(kv2);
          for (let round = 0; round < 3; round++) {
            const va = bytesOf(3 * MiB, round * 2);
            const vb = bytesOf(2 * MiB, round * 2 + 1);
            const { version } = await a.readWithVersion("x");
            const [ra, rb] = await Promise.all([
              a.compareAndSet("x", version, va),
              b.compareAndSet("x", version, vb),
            ]);
            assert(ra.ok !== rb.ok, "exactly one compare-and-set wins");
            const stored = await a.read("x");
            assertEquals(stored, ra.ok ? va : vb);
            await Promise.all([b.write("x", vb), a.write("x", va)]);
            const last = await b.read("x");
            assert(
              last?.length === va.length || last?.length === vb.length,
            );
            assertEquals(last, last?.length === va.length ? va : vb);
          }
          await a.write("x", new Uint8Array(1));
          assertStrictEquals((await inventory(kv1)).count, 1);
        });
      });
    } finally {
      await Deno.remove(path);
    }
  });
});

Deno.test("DenoKvStorage expires sessions", async (t) => {
  const clock = fakeTime();
  try {
    await withKv(":memory:", async (kv) => {
      // refreshRatio 1: reads never refresh the deadline (tested below).
      const storage = new DenoKvStorage<unknown>(kv, {
        timeToLive: 60_000,
        refreshRatio: 1,
      });
      await t.step("returns a session until its deadline", async () => {
        await storage.write("small", { n: 1 });
        await storage.write("large", bytesOf(MiB, 1));
        clock.tick(59_999);
        assertEquals(await storage.read("small"), { n: 1 });
        assertEquals(await storage.read("large"), bytesOf(MiB, 1));
        assertEquals(await Array.fromAsync(storage.readAllKeys()), [
          "large",
          "small",
        ]);
      });
      await t.step("hides it from every read after the deadline", async () => {
        clock.tick(1);
        // KV still holds the entries (it deletes late), but we never show them.
        assert((await inventory(kv)).count > 2);
        for (const key of ["small", "large"]) {
          assertStrictEquals(await storage.read(key), undefined);
          assertStrictEquals(await storage.has(key), false);
          assertEquals(await storage.readWithVersion(key), {
            value: undefined,
            version: null,
          });
        }
        assertEquals(await Array.fromAsync(storage.readAllKeys()), []);
        assertEquals(await Array.fromAsync(storage.readAllEntries()), []);
      });
      await t.step("lets an expired key be written as absent", async () => {
        const result = await storage.compareAndSet("small", null, { n: 2 });
        assert(result.ok);
        assertEquals(await storage.read("small"), { n: 2 });
        await storage.write("large", { n: 3 });
        // The expired chunks went with the replaced head.
        assertStrictEquals((await inventory(kv)).count, 2);
      });
      await t.step("sets expireIn on every part", () => {
        // Stored with a deadline: wrapped, not raw.
        return kv.get(["sessions", "small"]).then((entry) =>
          assert(
            typeof entry.value === "object" && entry.value !== null &&
              "e" in entry.value,
          )
        );
      });
    });
  } finally {
    clock.uninstall();
  }
});

Deno.test("DenoKvStorage works under the session middleware", async (t) => {
  type Data = { n: number; blob: Uint8Array; notes: Map<string, Date> };
  type MyContext = Context & SessionFlavor<Data>;
  const botInfo = {
    id: 1,
    is_bot: true,
    first_name: "Test",
    username: "test_bot",
  } as Bot["botInfo"];
  const update = (id: number) => ({
    update_id: id,
    message: {
      message_id: id,
      date: 0,
      chat: { id: 42, type: "private" as const, first_name: "Ada" },
      from: { id: 42, is_bot: false, first_name: "Ada" },
      text: "hi",
    },
  });
  const blob = bytesOf(2 * MiB, 11);
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  try {
    await t.step(
      "writes a 2 MiB session that a fresh handle reads",
      async () => {
        await withKv(path, async (kv) => {
          const bot = new Bot<MyContext>("dummy", { botInfo });
          bot.use(session({
            initial: (): Data => ({
              n: 0,
              blob: new Uint8Array(),
              notes: new Map(),
            }),
            storage: new DenoKvStorage<Data>(kv),
          }));
          bot.on("message", (ctx) => {
            ctx.session.n++;
            ctx.session.blob = blob;
            ctx.session.notes.set(`u${ctx.update.update_id}`, new Date(5));
          });
          await bot.handleUpdate(update(1));
          await bot.handleUpdate(update(2));
        });
        await withKv(path, async (kv) => {
          const storage = new DenoKvStorage<Data>(kv);
          assertEquals(await storage.read("42"), {
            n: 2,
            blob,
            notes: new Map([["u1", new Date(5)], ["u2", new Date(5)]]),
          });
        });
      },
    );
    await t.step("reads it lazily with lazySession", async () => {
      await withKv(path, async (kv) => {
        type LazyContext =
          & Context
          & { session: Promise<Data> };
        const bot = new Bot<LazyContext>("dummy", { botInfo });
        bot.use(lazySession({ storage: new DenoKvStorage<Data>(kv) }));
        let seen = 0;
        bot.on("message", async (ctx) => {
          seen = (await ctx.session).n;
        });
        await bot.handleUpdate(update(3));
        assertStrictEquals(seen, 2);
      });
    });
  } finally {
    await Deno.remove(path);
  }
});

/** Reads lines of a child's stdout, waiting for one that matches. */
class Lines {
  #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";
  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  }
  async waitFor(pattern: RegExp): Promise<string | undefined> {
    for (;;) {
      const lines = this.#buffer.split("\n");
      this.#buffer = lines.pop() ?? "";
      for (const line of lines) if (pattern.test(line)) return line;
      const { value, done } = await this.#reader.read();
      if (done) return undefined;
      this.#buffer += value;
    }
  }
  async drain(): Promise<void> {
    while (!(await this.#reader.read()).done) { /* discard */ }
  }
}

function checkWhole(value: Written | undefined): void {
  if (value === undefined) return;
  assertStrictEquals(value.data.length, value.size);
  const byte = value.n % 251;
  for (let i = 0; i < value.data.length; i += 997) {
    if (value.data[i] !== byte) throw new Error(`mixed value at ${i}`);
  }
  assertStrictEquals(value.data[value.data.length - 1], byte);
}

Deno.test("DenoKvStorage survives writers killed with SIGKILL", async () => {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  const largest = 4 * 700_000 + 100;
  try {
    let killed = 0;
    for (let round = 0; round < 6; round++) {
      // Rounds alternate between one writer and two writers on one key.
      const writers = round % 2 === 0 ? 1 : 2;
      killed += writers;
      const children = Array.from(
        { length: writers },
        (_, w) => spawnFixture("kv_writer.ts", [path, `w${w}`]),
      );
      const outputs = children.map((child) => new Lines(child.stdout));
      // Let each writer finish a few writes, then kill it during the next.
      const target = 1 + (round % 3);
      await Promise.all(
        outputs.map((lines) => lines.waitFor(new RegExp(`^wrote ${target}$`))),
      );
      await Promise.all(outputs.map((lines) => lines.waitFor(/^writing/)));
      await new Promise((resolve) => setTimeout(resolve, round * 7));
      for (const child of children) {
        try {
          child.kill("SIGKILL");
        } catch {
          // It exited by itself: its stderr, checked below, says why.
        }
      }
      for (const [i, child] of children.entries()) {
        await outputs[i]!.drain();
        const stderr = new TextDecoder().decode(
          (await new Response(child.stderr).arrayBuffer()) as ArrayBuffer,
        );
        assert(!/Error/.test(stderr), stderr);
        assertStrictEquals((await child.status).signal, "SIGKILL");
      }
      await withKv(path, async (kv) => {
        const storage = new DenoKvStorage<Written>(kv);
        checkWhole(await storage.read("big"));
        // At most the stored value plus the generations being written when
        // the writers died: this round's, and the earlier rounds' (a
        // generation is left alone for WRITING_GRACE_MS in case its writer
        // is still at work; the rounds take less than that).
        const { bytes } = await inventory(kv);
        assert(bytes <= largest * (1 + killed), `${bytes} bytes stored`);
      });
    }
    await withKv(path, async (kv) => {
      // A generation is left alone while it may still be being written
      // (WRITING_GRACE_MS); after that, the next write reclaims every orphan.
      const storage = new DenoKvStorage<Written>(kv);
      await later(WRITING_GRACE_MS, () =>
        storage.write("big", {
          writer: "test",
          n: 1,
          size: 10,
          data: new Uint8Array(10).fill(1),
        }));
      const { count } = await inventory(kv);
      assertStrictEquals(count, 1);
      checkWhole(await storage.read("big"));
    });
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("DenoKvStorage refreshes the expiry of sessions that are read", async (t) => {
  const clock = fakeTime(1_000_000);
  const kv = await Deno.openKv(":memory:");
  try {
    const writes: string[] = [];
    const counting = new Proxy(kv, {
      get(target, prop) {
        if (prop === "atomic") {
          return () => {
            writes.push("commit");
            return target.atomic();
          };
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const storage = new DenoKvStorage<{ n: number }>(counting, {
      timeToLive: 10_000,
    });
    await storage.write("1", { n: 1 });
    writes.length = 0;

    await t.step(
      "does not write before half the time to live passed",
      async () => {
        clock.tick(4_000);
        assertEquals((await storage.readWithVersion("1")).value, { n: 1 });
        assertEquals(writes, []);
      },
    );

    await t.step("writes a fresh deadline once, after half of it", async () => {
      clock.tick(2_000); // 6 s after the write
      const { value, version } = await storage.readWithVersion("1");
      assertEquals(value, { n: 1 });
      assertEquals(writes.length, 1);
      // The version returned is the refreshed one: a write based on it works.
      const result = await storage.compareAndSet("1", version, { n: 2 });
      assert(result.ok);
    });

    await t.step(
      "keeps an active chat alive past the original deadline",
      async () => {
        for (let i = 0; i < 6; i++) {
          clock.tick(3_000);
          assertEquals((await storage.read("1"))?.n, 2);
        }
      },
    );

    await t.step("still expires a chat that goes quiet", async () => {
      clock.tick(10_001);
      assertEquals(await storage.read("1"), undefined);
    });
  } finally {
    kv.close();
    clock.uninstall();
  }
});
