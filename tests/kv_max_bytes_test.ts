// The option maxBytes: a limit for new writes, to the byte, whatever the
// value's size; data stored before the limit was lowered stays readable,
// also through enhanceStorage, whose reads may write the stored value back
// (a refreshed deadline, a migration).
import { serialize } from "node:v8";
import {
  type Enhance,
  enhanceStorage,
  moveSession,
  type StorageAdapter,
} from "../mod.ts";
import { DenoKvStorage } from "../kv.ts";
import { assert, assertEquals } from "./deps.ts";
import { withKv } from "./_helpers.ts";

Deno.test("maxBytes below one entry's size refuses a larger value and keeps the stored one", async (t) => {
  for (const before of ["x", "y".repeat(3000)]) {
    for (const how of ["write", "compareAndSet"] as const) {
      await t.step(
        `${how}, over ${before.length} bytes`,
        () =>
          withKv(async (kv) => {
            const store = new DenoKvStorage<string>(kv, { maxBytes: 4000 });
            await store.write("1", before);
            const { version } = await store.readWithVersion("1");
            const big = "z".repeat(5000);
            const result = await (how === "write"
              ? store.write("1", big)
              : store.compareAndSet("1", version, big)).then(
                () => "ok",
                String,
              );
            assert(/maxBytes/.test(result), result);
            assertEquals(await store.read("1"), before);
          }),
      );
    }
  }
});

Deno.test("maxBytes near one entry's size is enforced to the byte", async (t) => {
  for (const maxBytes of [65_536, 65_540]) {
    await t.step(`maxBytes ${maxBytes}`, () =>
      withKv(async (kv) => {
        const store = new DenoKvStorage<Uint8Array>(kv, { maxBytes });
        // V8 serialises a Uint8Array of n bytes in a few bytes more.
        for (let n = maxBytes - 16; n <= maxBytes; n++) {
          const value = new Uint8Array(n);
          const size = serialize(value).byteLength;
          const result = await store.write("1", value).then(() => "ok", String);
          assertEquals(result === "ok", size <= maxBytes, `${n}: ${result}`);
        }
      }));
  }
});

Deno.test("enhanceStorage reads data stored before maxBytes was lowered", async (t) => {
  const text = "x".repeat(2000);
  await t.step("a refreshed deadline", () =>
    withKv(async (kv) => {
      await enhanceStorage<{ text: string }>({
        storage: new DenoKvStorage(kv),
        millisecondsToLive: 60_000,
      }).write("1", { text });
      await new Promise((resolve) => setTimeout(resolve, 5));
      const lowered = enhanceStorage<{ text: string }>({
        storage: new DenoKvStorage(kv, { maxBytes: 1000 }),
        millisecondsToLive: 60_000,
        refreshRatio: 0, // every read refreshes
      });
      assertEquals(await lowered.read("1"), { text });
      // A new value of that size is still refused.
      const write = await Promise.resolve(
        lowered.write("1", { text: text + "!" }),
      )
        .then(() => "ok", String);
      assert(/maxBytes/.test(write), write);
    }));
  await t.step(
    "a migration of @grammyjs/storage-denokv data",
    () =>
      withKv(async (kv) => {
        await kv.set(["sessions", "1"], { text });
        const storage = enhanceStorage<{ text: string; v2: boolean }>({
          storage: new DenoKvStorage(kv, { maxBytes: 1000 }),
          migrations: { 1: (old: { text: string }) => ({ ...old, v2: true }) },
        });
        assertEquals(await storage.read("1"), { text, v2: true });
      }),
  );
});

Deno.test("enhanceStorage writes to a grammY adapter with two arguments", async () => {
  const stored = new Map<string, unknown>();
  const calls: unknown[][] = [];
  // A grammY-style adapter that reads a third argument of its own.
  const adapter: StorageAdapter<unknown> = {
    read: (key) => stored.get(key),
    write: (key, value, ...rest: unknown[]) => {
      calls.push(rest);
      stored.set(key, value);
    },
    delete: (key) => void stored.delete(key),
  };
  stored.set("1", { text: "old" }); // data without enhanceStorage's envelope
  const storage = enhanceStorage<{ text: string; v2: boolean }>({
    storage: adapter as StorageAdapter<Enhance<{ text: string; v2: boolean }>>,
    migrations: { 1: (old: { text: string }) => ({ ...old, v2: true }) },
  });
  assertEquals(await storage.read("1"), { text: "old", v2: true });
  // No write on a read over a store without compare-and-set; the next write
  // stores the migrated data, with two arguments.
  assertEquals(calls, []);
  await storage.write("1", { text: "new", v2: true });
  assertEquals(calls, [[]]);
});

Deno.test("moveSession moves a session stored before maxBytes was lowered", async (t) => {
  for (const size of [5_000, 100_000]) {
    for (const enhanced of [false, true]) {
      await t.step(
        `${size} bytes${enhanced ? ", enhanceStorage" : ""}`,
        () =>
          withKv(async (kv) => {
            const over = (options: { maxBytes?: number }) =>
              enhanced
                ? enhanceStorage<string>({
                  storage: new DenoKvStorage(kv, options),
                })
                : new DenoKvStorage<string>(kv, options) as StorageAdapter<
                  string
                >;
            const text = "x".repeat(size);
            await over({}).write("-100", text);
            const lowered = over({ maxBytes: 1000 });
            assertEquals(await moveSession(lowered, "-100", "-200"), true);
            assertEquals((await lowered.read("-200"))?.length, size);
            assertEquals(await lowered.read("-100"), undefined);
          }),
      );
    }
  }
});
