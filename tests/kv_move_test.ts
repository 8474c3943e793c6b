// The atomic move of DenoKvStorage (src/stores/kv/move.ts), through moveSession().
import { DenoKvStorage, type KvLike } from "../kv.ts";
import { moveSession } from "../mod.ts";
import { assertEquals } from "./deps.ts";
import type { Counter } from "./_stores.ts";

Deno.test("moveSession() moves a chunked DenoKvStorage session", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const storage = new DenoKvStorage<{ text: string }>(kv);
    const text = "🍕".repeat(100_000); // about 400 KB: stored in chunks
    await storage.write("a", { text });
    assertEquals(await moveSession(storage, "a", "b"), true);
    assertEquals(await storage.read("a"), undefined);
    assertEquals((await storage.read("b"))?.text === text, true);
    // Nothing of the old session is left in KV.
    const left = await Array.fromAsync(kv.list({ prefix: ["sessions", "a"] }));
    assertEquals(left.length, 0);
  } finally {
    kv.close();
  }
});

Deno.test("moveSession() on DenoKvStorage, in one KV commit", async (t) => {
  const kv = await Deno.openKv(":memory:");
  // Counts commits; `before` runs once, right before the next commit.
  let commits = 0;
  let before: (() => Promise<void>) | undefined;
  const counted: KvLike = {
    getMany: (keys) => kv.getMany(keys),
    list: (selector, options) => kv.list(selector, options),
    atomic: () => {
      const atomic = kv.atomic();
      const commit = atomic.commit.bind(atomic);
      atomic.commit = async () => {
        const run = before;
        before = undefined;
        await run?.();
        commits++;
        return await commit();
      };
      return atomic;
    },
  };
  const storage = new DenoKvStorage<Counter>(counted, { timeToLive: 60_000 });
  const other = new DenoKvStorage<Counter>(kv); // another process
  const reset = async () => {
    before = undefined;
    for (const key of ["a", "b"]) await storage.delete(key);
  };
  const stored = async () =>
    (await Array.fromAsync(kv.list({ prefix: [] }))).map((e) => e.key);
  try {
    await t.step("moves a session stored in its head", async () => {
      await reset();
      await storage.write("a", { count: 1 });
      commits = 0;
      assertEquals(await moveSession(storage, "a", "b"), true);
      assertEquals(commits, 1);
      assertEquals(await storage.read("b"), { count: 1 });
      assertEquals(await stored(), [["sessions", "b"]]);
    });

    await t.step("moves the newest value if it changes meanwhile", async () => {
      await reset();
      await storage.write("a", { count: 1 });
      before = () => other.write("a", { count: 2 });
      assertEquals(await moveSession(storage, "a", "b"), true);
      assertEquals(await storage.read("b"), { count: 2 });
      assertEquals(await stored(), [["sessions", "b"]]);
    });

    await t.step(
      "never shows both heads or neither, also for a chunked session",
      async () => {
        const big = new DenoKvStorage<{ text: string }>(counted);
        const heads = async () =>
          (await kv.getMany([["sessions", "a"], ["sessions", "b"]]))
            .map((e) => e.versionstamp !== null);
        for (const text of ["small", "🍕".repeat(100_000)]) {
          await reset();
          await big.write("a", { text });
          const seen: boolean[][] = [];
          commits = 0;
          const watch = async () => {
            seen.push(await heads());
            before = watch;
          };
          before = watch;
          assertEquals(await moveSession(big, "a", "b"), true);
          before = undefined;
          seen.push(await heads());
          // Before each commit and after the last: exactly one head.
          for (const [a, b] of seen) assertEquals(a !== b, true);
          assertEquals((await big.read("b"))?.text === text, true);
          // Nothing is left of "a": no head, chunks or pending record.
          const left = (await stored()).filter((key) => key[1] === "a");
          assertEquals(left, []);
        }
      },
    );

    await t.step("never overwrites one created meanwhile", async () => {
      await reset();
      await storage.write("a", { count: 1 });
      before = () => other.write("b", { count: 7 });
      assertEquals(await moveSession(storage, "a", "b"), false);
      assertEquals([await storage.read("a"), await storage.read("b")], [
        { count: 1 },
        { count: 7 },
      ]);
    });
  } finally {
    kv.close();
  }
});
