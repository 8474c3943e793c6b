// What a session value may be, through a real bot on the default memory
// store: sparse arrays cost what exists, deep nesting and class instances are
// refused loudly at the end of the update that stored them, and every change
// the store would keep is seen.
import { BotError, type Context } from "grammy";
import {
  MemorySessionStorage,
  session,
  type SessionFlavor,
  SessionValueError,
} from "../mod.ts";
import { assert, assertEquals } from "./deps.ts";
import { createBot, message } from "./_helpers.ts";
import type { SparseReport } from "./fixtures/sparse_bot.ts";

/** Handles `update`, giving back the error the bot threw (or undefined). */
async function errorOf(
  bot: { handleUpdate(u: ReturnType<typeof message>): Promise<void> },
  update: ReturnType<typeof message>,
): Promise<unknown> {
  try {
    await bot.handleUpdate(update);
    return undefined;
  } catch (error) {
    return error instanceof BotError ? error.error : error;
  }
}

Deno.test("Session values: sparse arrays", async (t) => {
  await t.step(
    "costs what exists for an array indexed by user ids",
    async () => {
      // The bot runs in a Worker: a walk over every index up to `length`
      // blocks its thread, and only terminating the worker stops it. The
      // limit is a hang guard, generous for a loaded machine.
      const worker = new Worker(
        new URL("./fixtures/sparse_bot.ts", import.meta.url),
        { type: "module" },
      );
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        const report = await new Promise<SparseReport>((resolve, reject) => {
          timer = setTimeout(
            () => reject(new Error("the sparse-array bot hung for 60 s")),
            60_000,
          );
          worker.onmessage = (event) => resolve(event.data);
          worker.onerror = (event) => {
            event.preventDefault();
            reject(new Error(event.message));
          };
        });
        assertEquals(report, {
          length: 1_000_000_008,
          keys: ["5", "98765432", "1000000007"],
          readBack: [true, true, true],
        });
      } finally {
        clearTimeout(timer);
        worker.terminate();
      }
    },
  );
});

interface Nested {
  deep?: unknown;
}

function nest(levels: number): unknown {
  let value: Record<string, unknown> = {};
  for (let i = 0; i < levels; i++) value = { o: value };
  return value;
}

Deno.test("Session values: deep nesting", async (t) => {
  await t.step(
    "refuses a value nested 100,000 levels deep with a clear error",
    async () => {
      const storage = new MemorySessionStorage<Nested>();
      storage.write("1", { deep: 1 });
      const bot = createBot<Context & SessionFlavor<Nested>>();
      bot.use(session({ initial: (): Nested => ({}), storage }));
      bot.on("message", (ctx) => void (ctx.session.deep = nest(100_000)));
      const error = await errorOf(bot, message(1, "deep"));
      assert(error instanceof SessionValueError, String(error));
      assertEquals(error.key, "1");
      assert(
        error.message.includes("session.deep.o.o") &&
          error.message.includes("nested more than 1000 levels deep"),
        error.message,
      );
      assertEquals(storage.read("1"), { deep: 1 });
    },
  );

  await t.step("stores a value nested 900 levels deep", async () => {
    const storage = new MemorySessionStorage<Nested>();
    const bot = createBot<Context & SessionFlavor<Nested>>();
    bot.use(session({ initial: (): Nested => ({}), storage }));
    bot.on("message", (ctx) => void (ctx.session.deep = nest(900)));
    await bot.handleUpdate(message(1, "deep"));
    assertEquals(storage.read("1"), { deep: nest(900) });
  });
});

interface Listed {
  list: number[];
}

Deno.test("Session values: change detection", async (t) => {
  await t.step(
    "sees a named property added next to a hidden array index",
    async () => {
      const storage = new MemorySessionStorage<Listed>();
      storage.write("1", { list: [1, 2] });
      const bot = createBot<Context & SessionFlavor<Listed>>();
      bot.use(session({ initial: (): Listed => ({ list: [] }), storage }));
      bot.command("hide", (ctx) => {
        const list = ctx.session.list as number[] & { x?: number };
        Object.defineProperty(list, 0, { enumerable: false });
        list.x = 5;
      });
      await bot.handleUpdate(message(1, "/hide"));
      // What V8 serialisation would keep: the hidden index is dropped (a
      // hole), the named property is kept.
      const stored = storage.read("1")!.list as number[] & { x?: number };
      assertEquals(stored.x, 5);
      assertEquals(stored.length, 2);
      assert(!(0 in stored));
      assertEquals(stored[1], 2);
    },
  );
});

class Item {
  constructor(readonly sku: string) {}
}

class Cart {
  items: Item[] = [];
  add(sku: string): void {
    this.items.push(new Item(sku));
  }
}

interface Shop {
  cart: { items: unknown[] };
}

Deno.test("Session values: class instances", async (t) => {
  await t.step(
    "refuses initial: () => new Cart() at the end of that update",
    async () => {
      const storage = new MemorySessionStorage<Cart>();
      const bot = createBot<Context & SessionFlavor<Cart>>();
      bot.use(session({ initial: () => new Cart(), storage }));
      bot.on("message", (ctx) => ctx.session.add("PZ-MARG"));
      const error = await errorOf(bot, message(1, "add"));
      assert(error instanceof SessionValueError, String(error));
      assertEquals(error.key, "1");
      assert(
        error.message.includes("session is an instance of Cart"),
        error.message,
      );
      assertEquals(storage.has("1"), false);
    },
  );

  await t.step(
    "refuses ctx.session = new Cart() and keeps the old value",
    async () => {
      const storage = new MemorySessionStorage<Cart>();
      storage.write("1", { items: [] } as unknown as Cart);
      const bot = createBot<Context & SessionFlavor<Cart>>();
      bot.use(session({ storage }));
      bot.on("message", (ctx) => void (ctx.session = new Cart()));
      const error = await errorOf(bot, message(1, "new"));
      assert(error instanceof SessionValueError, String(error));
      assert(error.message.includes("Cart"), error.message);
      assertEquals(storage.read("1"), { items: [] });
    },
  );

  await t.step("names the path of a nested instance", async () => {
    const storage = new MemorySessionStorage<Shop>();
    const bot = createBot<Context & SessionFlavor<Shop>>();
    bot.use(session({
      initial: (): Shop => ({ cart: { items: [1, 2, 3] } }),
      storage,
    }));
    bot.on("message", (ctx) => void ctx.session.cart.items.push(new Item("x")));
    const error = await errorOf(bot, message(1, "add"));
    assert(error instanceof SessionValueError, String(error));
    assert(
      error.message.includes("session.cart.items[3] is an instance of Item"),
      error.message,
    );
    assertEquals(storage.has("1"), false);
  });
});

interface Note {
  text?: string;
}

Deno.test("Session values: huge strings", async (t) => {
  await t.step(
    "stores and sees changes at the end of an 8 MB string",
    async () => {
      const storage = new MemorySessionStorage<Note>();
      const bot = createBot<Context & SessionFlavor<Note>>();
      bot.use(session({ initial: (): Note => ({}), storage }));
      const big = "x".repeat(8 * 1024 * 1024);
      bot.command("set", (ctx) => void (ctx.session.text = big));
      bot.command("touch", (ctx) => void (ctx.session.text += "!"));
      bot.command("read", (ctx) => void ctx.session.text?.length);
      await bot.handleUpdate(message(1, "/set"));
      await bot.handleUpdate(message(1, "/read"));
      await bot.handleUpdate(message(1, "/touch"));
      assertEquals(storage.read("1")!.text, big + "!");
    },
  );
});
