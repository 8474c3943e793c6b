// The operations API of the session tools (export, import, copy between two
// stores) and the migration example built on it.
import { MemorySessionStorage, type StorageAdapter } from "../mod.ts";
import { DenoKvStorage } from "../kv.ts";
import {
  copySessions,
  exportSessions,
  ImportError,
  importSessions,
  listSessions,
} from "../cli.ts";
import {
  jsonFileStorage,
  migrate,
  rawKvStorage,
} from "../examples/migrate_storage.ts";
import { assert, assertEquals, fakeTime } from "./deps.ts";

/** A store with only the three required methods and `readAllKeys`. */
function plainStorage<T>(map = new Map<string, T>()): StorageAdapter<T> {
  return {
    read: (key) => map.get(key),
    write: (key, value) => {
      if (key === "bad") throw new Error("disk full");
      map.set(key, value);
    },
    delete: (key) => void map.delete(key),
    readAllKeys: () => map.keys(),
  };
}

Deno.test("session tools operations", async (t) => {
  await t.step(
    "copies between stores without compare-and-set, skipping existing ones",
    async () => {
      const from = plainStorage(new Map([["a", 1], ["b", 2]]));
      const to = plainStorage(new Map([["b", 9]]));
      assertEquals(await copySessions(from, to), {
        written: ["a"],
        skipped: ["b"],
        expired: [],
      });
      assertEquals(await to.read("b"), 9);
      assertEquals(
        (await copySessions(from, to, { overwrite: true })).written,
        ["a", "b"],
      );
      assertEquals(await to.read("b"), 2);
    },
  );

  await t.step("lists sizes of any store that can list its keys", async () => {
    const infos = await Array.fromAsync(
      listSessions(plainStorage(new Map([["k", "x".repeat(100)]]))),
    );
    assertEquals(infos.length, 1);
    assert(infos[0]!.bytes > 100);
    assertEquals(infos[0]!.expiresAt, undefined);
  });

  await t.step("a failing import names exactly the keys it wrote", async () => {
    const to = plainStorage<number>();
    const error = await importSessions(to, [
      { key: "a", value: 1 },
      { key: "bad", value: 2 },
      { key: "c", value: 3 },
    ]).then(() => undefined, (error) => error);
    assert(error instanceof ImportError, String(error));
    assertEquals(error.report.written, ["a"]);
    assert(error.message.includes("disk full"), error.message);
    assertEquals(await to.read("c"), undefined);
  });

  await t.step(
    "imports into Deno KV with compare-and-set, keeping each deadline",
    async () => {
      const kv = await Deno.openKv(":memory:");
      const clock = fakeTime(Date.now());
      try {
        const storage = new DenoKvStorage<unknown>(kv);
        await storage.write("taken", "old");
        const report = await importSessions(storage, [
          { key: "soon", value: { n: 1 }, expiresAt: Date.now() + 60_000 },
          { key: "gone", value: { n: 2 }, expiresAt: Date.now() - 1 },
          { key: "taken", value: "new" },
          { key: "kept", value: new Map([[1, 2]]) },
        ], {
          expiring: (timeToLive) =>
            new DenoKvStorage(kv, { timeToLive, refreshRatio: 1 }),
        });
        assertEquals(report, {
          written: ["soon", "kept"],
          skipped: ["taken"],
          expired: ["gone"],
        });
        assertEquals(await storage.read("soon"), { n: 1 });
        assertEquals(await storage.read("taken"), "old");
        clock.tick(60_001);
        assertEquals(await storage.read("soon"), undefined);
        assertEquals(await storage.read("kept"), new Map([[1, 2]]));
      } finally {
        clock.uninstall();
        kv.close();
      }
    },
  );

  await t.step(
    "uses readInfo and readAllInfo when the store has them",
    async () => {
      const calls: string[] = [];
      const info = { key: "a", bytes: 7, expiresAt: 123, chunks: 0 };
      const storage = Object.assign(new MemorySessionStorage<number>(), {
        readInfo: (key: string) => {
          calls.push(`readInfo ${key}`);
          return Promise.resolve(key === "a" ? info : undefined);
        },
        async *readAllInfo() {
          calls.push("readAllInfo");
          yield* [info];
        },
      });
      storage.write("a", 1);
      assertEquals(await Array.fromAsync(listSessions(storage)), [
        { key: "a", bytes: 7, expiresAt: 123 },
      ]);
      assertEquals(await Array.fromAsync(exportSessions(storage)), [
        { key: "a", value: 1, expiresAt: 123 },
      ]);
      assertEquals(calls, ["readAllInfo", "readInfo a"]);
    },
  );

  await t.step("exports a memory store as records", async () => {
    const storage = new MemorySessionStorage<unknown>();
    storage.write("x", new Set([1]));
    assertEquals(await Array.fromAsync(exportSessions(storage)), [{
      key: "x",
      value: new Set([1]),
    }]);
  });
});

Deno.test("migrate_storage example", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    await t.step(
      "moves a directory of JSON session files into Deno KV",
      async () => {
        const files = jsonFileStorage<unknown>(dir);
        await files.write("42", { count: 3 });
        await files.write("a/b", { count: 4 });
        const kv = await Deno.openKv(":memory:");
        try {
          assertEquals((await migrate(files, kv)).written.sort(), [
            "42",
            "a/b",
          ]);
          const storage = new DenoKvStorage<unknown>(kv);
          assertEquals(await storage.read("a/b"), { count: 4 });
        } finally {
          kv.close();
        }
      },
    );

    await t.step(
      "moves storage-denokv's raw layout from another prefix",
      async () => {
        const kv = await Deno.openKv(":memory:");
        try {
          await kv.set(["bot", "7"], { visits: new Set(["x"]) });
          await kv.set(["bot", "7", "not-a-session"], 1);
          await kv.set(["sessions", "8"], "already here");
          const report = await migrate(rawKvStorage<unknown>(kv, ["bot"]), kv);
          assertEquals(report.written, ["7"]);
          const storage = new DenoKvStorage<unknown>(kv);
          assertEquals(await storage.read("7"), { visits: new Set(["x"]) });
          assertEquals(await storage.read("8"), "already here");
        } finally {
          kv.close();
        }
      },
    );

    await t.step("runs from the command line", async () => {
      const target = `${dir}/bot.kv`;
      const { code, stderr } = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "examples/migrate_storage.ts",
          "--from-dir",
          dir,
          "--kv",
          target,
        ],
        cwd: new URL("..", import.meta.url),
        stdout: "null",
        stderr: "piped",
      }).output();
      assertEquals(code, 0, new TextDecoder().decode(stderr));
      const kv = await Deno.openKv(target);
      try {
        assertEquals(await new DenoKvStorage<unknown>(kv).read("42"), {
          count: 3,
        });
      } finally {
        kv.close();
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
