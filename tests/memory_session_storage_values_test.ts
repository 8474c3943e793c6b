// What MemorySessionStorage keeps: data, copied and checked at write time by
// default; live objects by reference with `{ copy: false }`.
import { BotError, type Context } from "grammy";
import {
  MemorySessionStorage,
  session,
  type SessionFlavor,
  SessionValueError,
} from "../mod.ts";
import {
  assert,
  assertEquals,
  assertStrictEquals,
  assertThrows,
  fakeTime,
} from "./deps.ts";
import { createBot, message } from "./_helpers.ts";

class Cart {
  items: string[] = [];
  add(item: string): void {
    this.items.push(item);
  }
}

type CartContext = Context & SessionFlavor<Cart>;

Deno.test("MemorySessionStorage refuses what it cannot keep", async (t) => {
  await t.step(
    "refuses a class instance at write, naming path and class",
    () => {
      const storage = new MemorySessionStorage<unknown>();
      storage.write("7", { cart: { items: [] } });
      const error = assertThrowsValue(() =>
        storage.write("7", { cart: new Cart() })
      );
      assert(
        error.message.startsWith(
          'Cannot store session "7": session.cart is an instance of Cart',
        ),
        error.message,
      );
      assertEquals(storage.read("7"), { cart: { items: [] } });
    },
  );

  await t.step("refuses it in compareAndSet and keeps the version", () => {
    const storage = new MemorySessionStorage<unknown>();
    storage.write("7", { n: 1 });
    const { version } = storage.readWithVersion("7");
    assertThrowsValue(() => storage.compareAndSet("7", version, new Cart()));
    assertEquals(storage.readWithVersion("7"), { value: { n: 1 }, version });
  });

  await t.step("reports a getter that throws and keeps the old value", () => {
    const storage = new MemorySessionStorage<unknown>();
    storage.write("7", { n: 1 });
    const cause = new Error("not today");
    const error = assertThrowsValue(() =>
      storage.write("7", {
        get n(): number {
          throw cause;
        },
      })
    );
    assertEquals(
      error.message,
      'Cannot store session "7": reading the session threw Error: not today',
    );
    assertStrictEquals(error.cause, cause);
    assertEquals(storage.read("7"), { n: 1 });
  });

  await t.step("keeps sparse arrays with their holes and length", () => {
    const storage = new MemorySessionStorage<{ seen: number[] }>();
    const seen: number[] = [];
    seen[1_000_000_007] = 1;
    seen[5] = 2;
    storage.write("7", { seen });
    const read = storage.read("7")!.seen;
    assertStrictEquals(read.length, 1_000_000_008);
    assertEquals(Object.keys(read), ["5", "1000000007"]);
    assert(read !== seen);
  });
});

function assertThrowsValue(fn: () => unknown): SessionValueError {
  try {
    fn();
  } catch (error) {
    assert(error instanceof SessionValueError, String(error));
    return error;
  }
  throw new Error("did not throw");
}

Deno.test("MemorySessionStorage with copy: false", async (t) => {
  await t.step("keeps the very objects, class and all", () => {
    const storage = new MemorySessionStorage<Cart>({ copy: false });
    assertStrictEquals(storage.copy, false);
    const cart = new Cart();
    storage.write("1", cart);
    assertStrictEquals(storage.read("1"), cart);
    assertStrictEquals(storage.readWithVersion("1").value, cart);
    assertStrictEquals(storage.readAllValues()[0], cart);
    storage.read("1")!.add("pizza");
    assertEquals(cart.items, ["pizza"]);
  });

  await t.step("accepts functions and other live objects", () => {
    const storage = new MemorySessionStorage<unknown>({ copy: false });
    const live = {
      onDone: () => 1,
      pending: Promise.resolve(),
      at: new URL("https://x.y"),
    };
    storage.write("1", live);
    assertStrictEquals(storage.read("1"), live);
  });

  await t.step("still refuses undefined and supports compare-and-set", () => {
    const storage = new MemorySessionStorage<Cart>({ copy: false });
    assertThrows(
      () => storage.write("1", undefined as never),
      SessionValueError,
    );
    const first = storage.compareAndSet("1", null, new Cart());
    assert(first.ok);
    assertEquals(storage.compareAndSet("1", null, new Cart()), { ok: false });
  });

  await t.step("keeps the time to live and maxEntries options", () => {
    const clock = fakeTime(0);
    try {
      const storage = new MemorySessionStorage<Cart>({
        copy: false,
        timeToLive: 1000,
        maxEntries: 1,
      });
      assertStrictEquals(storage.timeToLive, 1000);
      storage.write("1", new Cart());
      storage.write("2", new Cart());
      assertEquals(storage.readAllKeys(), ["2"]);
      clock.tick(1001);
      assertStrictEquals(storage.read("2"), undefined);
    } finally {
      clock.uninstall();
    }
  });

  await t.step(
    "keeps class instances across updates of a real bot",
    async () => {
      const storage = new MemorySessionStorage<Cart>({ copy: false });
      const bot = createBot<CartContext>();
      bot.use(session({ initial: () => new Cart(), storage }));
      bot.on("message", (ctx) => ctx.session.add(ctx.msg.text ?? ""));
      await bot.handleUpdate(message(1, "margherita"));
      await bot.handleUpdate(message(1, "diavola"));
      const cart = storage.read("1");
      assert(cart instanceof Cart);
      assertEquals(cart.items, ["margherita", "diavola"]);
    },
  );

  await t.step(
    "has no rollback: a handler that throws keeps its change",
    async () => {
      const storage = new MemorySessionStorage<Cart>({ copy: false });
      const bot = createBot<CartContext>();
      bot.use(session({ initial: () => new Cart(), storage }));
      bot.on("message", (ctx) => {
        ctx.session.add(ctx.msg.text ?? "");
        if (ctx.msg.text === "fail") throw new Error("handler failed");
      });
      await bot.handleUpdate(message(1, "margherita"));
      const error = await bot.handleUpdate(message(1, "fail")).catch((e) => e);
      assert(error instanceof BotError);
      // The documented price of keeping references: the stored cart changed.
      assertEquals(storage.read("1")!.items, ["margherita", "fail"]);
    },
  );
});

Deno.test("MemorySessionStorage constructor", async (t) => {
  await t.step("takes grammY's positional time to live", () => {
    const storage = new MemorySessionStorage(5000);
    assertStrictEquals(storage.timeToLive, 5000);
    assertStrictEquals(storage.copy, true);
  });

  await t.step("takes the time to live as an option", () => {
    assertStrictEquals(
      new MemorySessionStorage({ timeToLive: 5000 }).timeToLive,
      5000,
    );
    assertStrictEquals(
      new MemorySessionStorage(undefined, { timeToLive: 5000 }).timeToLive,
      5000,
    );
  });

  await t.step("refuses the time to live given twice", () => {
    assertThrows(
      () => new MemorySessionStorage(1000, { timeToLive: 2000 }),
      TypeError,
    );
  });

  await t.step("refuses a copy option that is not a boolean", () => {
    assertThrows(
      () => new MemorySessionStorage({ copy: "no" as unknown as boolean }),
      TypeError,
    );
  });

  await t.step("checks the time to live given as an option", () => {
    assertThrows(
      () => new MemorySessionStorage({ timeToLive: -1 }),
      RangeError,
    );
  });
});

Deno.test("MemorySessionStorage keeps a Date while a test fakes Date", () => {
  // A date made before the fake (a module constant, a fixture), stored and
  // read while Date is faked: the store's own copy must be a real Date.
  const at = new Date(5);
  const clock = fakeTime(1_000_000);
  try {
    const storage = new MemorySessionStorage<{ at: Date }>();
    storage.write("42", { at });
    assertEquals(storage.read("42")?.at.getTime(), 5);
  } finally {
    clock.uninstall();
  }
});
