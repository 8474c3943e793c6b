// Parity with grammY's own session plugin (see grammy_parity_test.ts):
// every behaviour grammY's tests assert of `enhanceStorage` (the calls it
// makes to the adapter it wraps, alone and under `session`, `lazySession`
// and multi sessions, with every argument) and of `MemorySessionStorage`.
import type { Context } from "grammy";
import {
  type Enhance,
  enhanceStorage,
  lazySession,
  type LazySessionFlavor,
  MemorySessionStorage,
  session,
  type SessionFlavor,
} from "../mod.ts";
import { assertEquals, assertThrows, fakeTime } from "./deps.ts";
import { recordedBot, recordingAdapter } from "./_recording_adapter.ts";

Deno.test("grammY parity: enhanceStorage()", async (t) => {
  await t.step(
    "wraps in __d, and calls write(key, value), delete(key)",
    async () => {
      const r = recordingAdapter<Enhance<{ __d: number }>>({
        __d: { __d: 42 },
      });
      const enhanced = enhanceStorage({ storage: r.storage });
      assertEquals(await enhanced.read("key"), { __d: 42 });
      await enhanced.write("key", { __d: 42 });
      await enhanced.delete("key");
      assertEquals(r.calls, [
        ["read", "key"],
        ["write", "key", { __d: { __d: 42 } }],
        ["delete", "key"],
      ]);
    },
  );

  await t.step(
    "with migrations: write(key, { __d, v }), delete(key)",
    async () => {
      const r = recordingAdapter<Enhance<number>>();
      const enhanced = enhanceStorage<number>({
        storage: r.storage,
        migrations: {
          1: () => {
            throw new Error("nope");
          },
        },
      });
      await enhanced.write("key", 42);
      await enhanced.delete("key");
      assertEquals(r.calls, [
        ["write", "key", { __d: 42, v: 1 }],
        ["delete", "key"],
      ]);
    },
  );

  await t.step("with a time to live: write(key, { __d, e })", async () => {
    const clock = fakeTime(1000);
    try {
      const r = recordingAdapter<Enhance<number>>();
      const enhanced = enhanceStorage<number>({
        storage: r.storage,
        millisecondsToLive: 50,
        migrations: { 1: (old) => old },
      });
      await enhanced.write("key", 42);
      await enhanced.delete("key");
      assertEquals(r.calls, [
        ["write", "key", { __d: 42, v: 1, e: 1050 }],
        ["delete", "key"],
      ]);
    } finally {
      clock.uninstall();
    }
  });

  await t.step(
    "through session(): the same calls, no more arguments",
    async () => {
      const { r, send } = recordedBot<
        Enhance<number>,
        Context & SessionFlavor<number>
      >(
        (storage) =>
          session({
            storage: enhanceStorage<number>({ storage }),
            initial: () => 0,
          }),
        (ctx) => {
          if (ctx.session < 2) ctx.session++;
          else ctx.session = undefined;
        },
      );
      await send(3);
      assertEquals(r.calls, [
        ["read", "42"],
        ["write", "42", { __d: 1 }],
        ["read", "42"],
        ["write", "42", { __d: 2 }],
        ["read", "42"],
        ["delete", "42"],
      ]);
    },
  );

  await t.step("through lazySession(): the same calls", async () => {
    const { r, send } = recordedBot<
      Enhance<number>,
      Context & LazySessionFlavor<number>
    >(
      (storage) =>
        lazySession({
          storage: enhanceStorage<number>({ storage }),
          initial: () => 0,
        }),
      async (ctx) => {
        const n = await ctx.session;
        ctx.session = n < 1 ? n + 1 : undefined;
      },
    );
    await send(2);
    assertEquals(r.calls, [
      ["read", "42"],
      ["write", "42", { __d: 1 }],
      ["read", "42"],
      ["delete", "42"],
    ]);
  });

  await t.step("through multi sessions: the same calls per part", async () => {
    const { r, send } = recordedBot<
      Enhance<number>,
      Context & SessionFlavor<{ a: number }>
    >(
      (storage) =>
        session({
          type: "multi",
          a: { storage: enhanceStorage<number>({ storage }), initial: () => 0 },
        }),
      (ctx) => void ctx.session.a++,
    );
    await send();
    assertEquals(r.calls, [["read", "42"], ["write", "42", { __d: 1 }]]);
  });

  await t.step("expires values after their time to live", async () => {
    const clock = fakeTime(1000);
    try {
      const store = enhanceStorage<number>({
        storage: new MemorySessionStorage<Enhance<number>>(),
        millisecondsToLive: 50,
      });
      assertEquals(await store.read("k"), undefined);
      await store.write("k", 42);
      assertEquals(await store.read("k"), 42);
      clock.tick(100);
      assertEquals(await store.read("k"), undefined);
      await store.write("k", 42);
      assertEquals(await store.read("k"), 42);
    } finally {
      clock.uninstall();
    }
  });

  await t.step("refuses empty migrations", () => {
    const r = recordingAdapter<Enhance<number>>();
    assertThrows(
      () => enhanceStorage({ storage: r.storage, migrations: {} }),
      /No migrations given!/,
    );
  });

  const migrations = {
    3: (old: number) => old * 2,
    12: (old: number) => old ** 2,
    1: (old: number) => old + 10,
  };

  await t.step("does not migrate an absent value", async () => {
    const r = recordingAdapter<Enhance<number>>();
    const enhanced = enhanceStorage<number>({
      storage: r.storage,
      migrations: {
        1: () => {
          throw new Error("nope");
        },
      },
    });
    assertEquals(await enhanced.read("key"), undefined);
  });

  for (
    const [stored, expected, what] of [
      [0, 400, "from the start (legacy data)"],
      [{ __d: 5, v: 3 }, 25, "from the middle"],
      [{ __d: 42, v: 12 }, 42, "not at all when up to date"],
      [{ __d: 5, v: 8 }, 25, "from a version that has no migration"],
    ] as const
  ) {
    await t.step(`runs migrations ${what}`, async () => {
      const r = recordingAdapter(stored as unknown as Enhance<number>);
      const enhanced = enhanceStorage<number>({
        storage: r.storage,
        migrations,
      });
      assertEquals(await enhanced.read("key"), expected);
    });
  }

  await t.step("combines expiry and migrations", async () => {
    const clock = fakeTime(1000);
    try {
      const storage = new MemorySessionStorage<Enhance<number>>();
      const enhanced = enhanceStorage<number>({
        storage,
        millisecondsToLive: 50,
        migrations,
      });
      storage.write("k", 0 as unknown as Enhance<number>);
      assertEquals(await enhanced.read("k"), 400);
      clock.tick(100);
      assertEquals(await enhanced.read("k"), undefined);
      await enhanced.write("k", 42);
      assertEquals(await enhanced.read("k"), 42);
    } finally {
      clock.uninstall();
    }
  });
});

Deno.test("grammY parity: MemorySessionStorage", async (t) => {
  await t.step("reads, writes and deletes", () => {
    const store = new MemorySessionStorage<number>();
    assertEquals(store.read("k"), undefined);
    store.write("k", 42);
    assertEquals(store.read("k"), 42);
    store.delete("k");
    assertEquals(store.read("k"), undefined);
  });

  await t.step("lists every value, as an array, in write order", () => {
    const store = new MemorySessionStorage<number>();
    store.write("k0", 42);
    store.write("k1", 43);
    store.write("k2", 44);
    assertEquals(store.readAllValues(), [42, 43, 44]);
  });

  await t.step("expires values after their time to live", () => {
    const clock = fakeTime(1000);
    try {
      const store = new MemorySessionStorage<number>(50);
      store.write("k", 42);
      assertEquals(store.read("k"), 42);
      clock.tick(100);
      assertEquals(store.read("k"), undefined);
      store.write("k", 42);
      assertEquals(store.read("k"), 42);
    } finally {
      clock.uninstall();
    }
  });
});
