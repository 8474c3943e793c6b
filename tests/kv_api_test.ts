// DenoKvStorage's checks at construction, readInfo/readAllInfo, refusing
// class instances, and the internal commit hook for the lease (issue 11).
import { serialize } from "node:v8";
import { DenoKvStorage, SessionValueError } from "../kv.ts";
import { writeWithExtras } from "../src/stores/kv/commit_extras.ts";
import { assert, assertEquals, assertRejects, assertThrows } from "./deps.ts";
import { withKv } from "./_helpers.ts";

Deno.test("new DenoKvStorage(x) checks x", async (t) => {
  await t.step("a promise: did you forget await?", () => {
    const pending = Deno.openKv(":memory:");
    assertThrows(
      () => new DenoKvStorage(pending as never),
      (e: unknown) =>
        e instanceof TypeError && /got a Promise/.test(e.message) &&
        /forget await/.test(e.message),
    );
    return pending.then((kv) => kv.close());
  });
  await t.step("undefined", () => {
    assertThrows(
      () => new DenoKvStorage(undefined as never),
      (e: unknown) =>
        e instanceof TypeError && /got undefined, expected an open KV handle/
          .test(e.message),
    );
  });
  await t.step("an object without the KV methods", () => {
    assertThrows(
      () => new DenoKvStorage(new Map() as never),
      (e: unknown) =>
        e instanceof TypeError &&
        /got a Map without the KV methods getMany, list, atomic/.test(
          e.message,
        ),
    );
    assertThrows(
      () => new DenoKvStorage({ getMany() {}, list() {} } as never),
      /without the KV method atomic/,
    );
  });
});

Deno.test("readInfo and readAllInfo describe stored sessions", async () => {
  await withKv(async (kv) => {
    const storage = new DenoKvStorage<unknown>(kv, { timeToLive: 60_000 });
    const before = Date.now();
    await storage.write("a", { n: 1 });
    await storage.write("b", new Uint8Array(150_000));
    const a = await storage.readInfo("a");
    assertEquals(a?.key, "a");
    assertEquals(a?.bytes, serialize({ n: 1 }).byteLength);
    assertEquals(a?.chunks, 0);
    assert(a!.expiresAt! >= before + 60_000);
    const b = await storage.readInfo("b");
    assertEquals(b?.chunks, 3);
    assertEquals(b?.bytes, serialize(new Uint8Array(150_000)).byteLength);
    assertEquals(await storage.readInfo("none"), undefined);
    const all = await Array.fromAsync(storage.readAllInfo());
    assertEquals(all, [a, b]);
  });
});

Deno.test("class instances are refused at write time", async () => {
  await withKv(async (kv) => {
    class Cart {
      items = [1];
    }
    const storage = new DenoKvStorage<unknown>(kv);
    await storage.write("k", { ok: 1 });
    for (
      const write of [
        () => storage.write("k", { nested: [{ cart: new Cart() }] }),
        () => storage.compareAndSet("k", null, new Cart()),
      ]
    ) {
      await assertRejects(
        write,
        (e: unknown) =>
          e instanceof SessionValueError && e.key === "k" &&
          /Cart/.test(
            e.message,
          ),
      );
    }
    assertEquals(await storage.read("k"), { ok: 1 });
  });
});

Deno.test("writeWithExtras adds operations to the final commit", async (t) => {
  const lease = ["lease", "k"];
  for (
    const [kind, value] of [["inline", 1], [
      "chunked",
      new Uint8Array(2_000_000),
    ]] as const
  ) {
    await t.step(`releases a lease in the same commit (${kind})`, async () => {
      await withKv(async (kv) => {
        const storage = new DenoKvStorage<unknown>(kv);
        const held = await kv.set(lease, "me");
        const result = await writeWithExtras(
          storage,
          "k",
          value,
          undefined,
          (op) => {
            op.check({ key: lease, versionstamp: held.versionstamp });
            op.delete(lease);
          },
        );
        assert(result.ok);
        assertEquals((await kv.get(lease)).versionstamp, null);
        assertEquals(await storage.read("k"), value);
      });
    });
    await t.step(`a failed extra check writes nothing (${kind})`, async () => {
      await withKv(async (kv) => {
        const storage = new DenoKvStorage<unknown>(kv);
        await storage.write("k", "old");
        const held = await kv.set(lease, "me");
        await kv.set(lease, "someone else");
        const result = await writeWithExtras(
          storage,
          "k",
          value,
          undefined,
          (op) => {
            op.check({ key: lease, versionstamp: held.versionstamp });
            op.delete(lease);
          },
        );
        assertEquals(result, { ok: false });
        assertEquals(await storage.read("k"), "old");
        assertEquals((await kv.get(lease)).value, "someone else");
        const entries = await Array.fromAsync(
          kv.list({ prefix: ["sessions"] }),
        );
        assertEquals(entries.length, 1); // no chunks, no pending record left
      });
    });
  }
  await t.step("a delete of an absent session still commits", async () => {
    await withKv(async (kv) => {
      const storage = new DenoKvStorage<unknown>(kv);
      await kv.set(lease, "me");
      const result = await writeWithExtras(
        storage,
        "k",
        undefined,
        null,
        (op) => {
          op.delete(lease);
        },
      );
      assert(result.ok);
      assertEquals((await kv.get(lease)).versionstamp, null);
    });
  });
});
