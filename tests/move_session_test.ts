import type { Context } from "grammy";
import {
  type Enhance,
  enhanceStorage,
  MemorySessionStorage,
  moveSession,
  session,
  SessionConflictError,
  type SessionFlavor,
  SessionStorageError,
  type StorageAdapter,
} from "../mod.ts";
import { assertEquals, assertRejects, fakeTime } from "./deps.ts";
import { createBot, message, settlesWithin } from "./_helpers.ts";
import { type Counter, stores } from "./_stores.ts";

for (const [storeName, open] of stores) {
  Deno.test(`moveSession() on ${storeName}`, async (t) => {
    const { storage, close } = await open();
    try {
      await t.step("moves a session between keys", async () => {
        await storage.write("a", { count: 1 });
        assertEquals(await moveSession(storage, "a", "b"), true);
        assertEquals([await storage.read("a"), await storage.read("b")], [
          undefined,
          { count: 1 },
        ]);
        // Nothing left to move.
        assertEquals(await moveSession(storage, "a", "b"), false);
        assertEquals(await storage.read("b"), { count: 1 });
      });

      await t.step(
        "keeps both when the target exists",
        async () => {
          await storage.write("a", { count: 1 });
          await storage.write("b", { count: 5 });
          assertEquals(await moveSession(storage, "a", "b"), false);
          assertEquals([await storage.read("a"), await storage.read("b")], [
            { count: 1 },
            { count: 5 },
          ]);
        },
      );

      await t.step("completes an interrupted move", async () => {
        // What a crash between creating the copy and deleting the original
        // leaves behind.
        await storage.write("a", { count: 3 });
        await storage.write("b", { count: 3 });
        assertEquals(await moveSession(storage, "a", "b"), true);
        assertEquals([await storage.read("a"), await storage.read("b")], [
          undefined,
          { count: 3 },
        ]);
      });

      await t.step(
        "refuses bad input, changing nothing",
        async () => {
          await storage.write("a", { count: 1 });
          await storage.delete("b");
          const bad: [RegExp, unknown, unknown, unknown, unknown?][] = [
            [/move from must be a string, got number/, storage, 1, "b"],
            [
              /"a": the key to move to must be a string, got null/,
              storage,
              "a",
              null,
            ],
            [/"a": it cannot be moved to itself/, storage, "a", "a"],
            [
              /"a": the storage must have read, write and delete/,
              { read: 1 },
              "a",
              "b",
            ],
            [
              /"a": the options must be an object, and `ctx`/,
              storage,
              "a",
              "b",
              { ctx: 5 },
            ],
          ];
          for (const [message, ...args] of bad) {
            await assertRejects(
              // deno-lint-ignore no-explicit-any
              () => (moveSession as any)(...args),
              (error: Error) =>
                error instanceof TypeError && message.test(error.message),
            );
          }
          assertEquals([await storage.read("a"), await storage.read("b")], [
            { count: 1 },
            undefined,
          ]);
        },
      );
    } finally {
      close();
    }
  });
}

/** A store where another process increments "a" after each copy to "b". */
function interfering(times: number) {
  const inner = new MemorySessionStorage<Counter>();
  let left = times;
  const storage: StorageAdapter<Counter> = {
    read: (key) => inner.read(key),
    write: (key, value) => inner.write(key, value),
    delete: (key) => inner.delete(key),
    readWithVersion: (key) => inner.readWithVersion(key),
    compareAndSet: (key, expected, value) => {
      const result = inner.compareAndSet(key, expected, value);
      if (key === "b" && value !== undefined && left-- > 0) {
        inner.write("a", { count: inner.read("a")!.count + 1 });
      }
      return result;
    },
  };
  return { inner, storage };
}

Deno.test("moveSession() with compare-and-set", async (t) => {
  await t.step(
    "moves the newest value if the old one changes meanwhile",
    async () => {
      const { inner, storage } = interfering(1);
      inner.write("a", { count: 1 });
      assertEquals(await moveSession(storage, "a", "b"), true);
      assertEquals([inner.read("a"), inner.read("b")], [undefined, {
        count: 2,
      }]);
    },
  );

  await t.step(
    "gives up with a SessionConflictError if it keeps changing",
    async () => {
      const { inner, storage } = interfering(Infinity);
      inner.write("a", { count: 1 });
      await assertRejects(
        () => moveSession(storage, "a", "b"),
        (error: Error) =>
          error instanceof SessionConflictError && error.key === "a",
      );
      // Every copy was taken back; the newest value is where it was.
      assertEquals([inner.read("a"), inner.read("b")], [
        { count: 6 },
        undefined,
      ]);
    },
  );

  await t.step(
    "keeps the copy if the old session vanishes meanwhile",
    async () => {
      // A store that can hold one session drops the old one to make room.
      const storage = new MemorySessionStorage<Counter>(undefined, {
        maxEntries: 1,
      });
      storage.write("a", { count: 1 });
      assertEquals(await moveSession(storage, "a", "b"), true);
      assertEquals([storage.read("a"), storage.read("b")], [undefined, {
        count: 1,
      }]);
    },
  );

  await t.step("a failed delete leaves a copy, never a loss", async () => {
    const inner = new MemorySessionStorage<Counter>();
    const storage: StorageAdapter<Counter> = {
      read: (key) => inner.read(key),
      write: (key, value) => inner.write(key, value),
      delete: (key) => inner.delete(key),
      readWithVersion: (key) => inner.readWithVersion(key),
      compareAndSet: (key, expected, value) => {
        if (value === undefined) throw new Error("disk on fire");
        return inner.compareAndSet(key, expected, value);
      },
    };
    inner.write("a", { count: 1 });
    await assertRejects(
      () => moveSession(storage, "a", "b"),
      (error: Error) =>
        error instanceof SessionStorageError && error.key === "a" &&
        error.operation === "delete" && /disk on fire/.test(error.message),
    );
    assertEquals([inner.read("a"), inner.read("b")], [{ count: 1 }, {
      count: 1,
    }]);
    // The next service message finishes the move.
    assertEquals(await moveSession(inner, "a", "b"), true);
    assertEquals([inner.read("a"), inner.read("b")], [undefined, { count: 1 }]);
  });
});

Deno.test("moveSession() does not move an expired session", async () => {
  const clock = fakeTime();
  try {
    const memory = new MemorySessionStorage<Counter>(1_000);
    const enhanced = enhanceStorage<Counter>({
      storage: new MemorySessionStorage<Enhance<Counter>>(),
      millisecondsToLive: 1_000,
    });
    for (const storage of [memory, enhanced]) {
      await storage.write("a", { count: 1 });
      clock.tick(1_001);
      assertEquals(await moveSession(storage, "a", "b"), false);
      assertEquals([await storage.read("a"), await storage.read("b")], [
        undefined,
        undefined,
      ]);
    }
  } finally {
    clock.uninstall();
  }
});

Deno.test("moveSession() in a bot with a custom key function", async (t) => {
  const OLD = -4_012_345;
  const NEW = -1_009_876_543_210;
  const key = (chat: number) => `${chat}:77`;
  for (const withCtx of [true, false]) {
    await t.step(
      `moves the sender's session from a handler${
        withCtx ? " with { ctx }" : ""
      }, without waiting for itself`,
      async () => {
        const storage = new MemorySessionStorage<Counter>();
        const bot = createBot<Context & SessionFlavor<Counter>>();
        bot.use(session({
          storage,
          initial: () => ({ count: 0 }),
          getSessionKey: (ctx) =>
            ctx.chatId === undefined || ctx.from === undefined
              ? undefined
              : `${ctx.chatId}:${ctx.from.id}`,
        }));
        const moved: boolean[] = [];
        bot.on("message:migrate_to_chat_id", async (ctx) => {
          const to = ctx.message.migrate_to_chat_id;
          const options = withCtx ? { ctx } : {};
          moved.push(
            await moveSession(storage, key(ctx.chat.id), key(to), options),
          );
        });
        bot.on("message:text", (ctx) => void ctx.session.count++);
        await bot.handleUpdate(message(OLD, "+", { from: 77 }));
        const service = message(OLD, "", { from: 77, chatType: "group" });
        delete (service.message as { text?: string }).text;
        Object.assign(service.message!, { migrate_to_chat_id: NEW });
        // The update holds the lock of `key(OLD)`: a hang here fails the test.
        await settlesWithin(bot.handleUpdate(service), 5_000);
        await bot.handleUpdate(message(NEW, "+", { from: 77 }));
        assertEquals(moved, [true]);
        assertEquals([storage.read(key(OLD)), storage.read(key(NEW))], [
          undefined,
          { count: 2 },
        ]);
      },
    );
  }
});
