// Parity with grammY's own session plugin (see grammy_parity_test.ts):
// every behaviour grammY's tests assert of `lazySession`, down to each call
// its adapter receives and every argument.
import type { Context } from "grammy";
import { lazySession, type LazySessionFlavor } from "../mod.ts";
import {
  assert,
  assertEquals,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "./deps.ts";
import { createBot, io, pollAnswer } from "./_helpers.ts";
import { chat, OBJECT_CALLS, recordedBot } from "./_recording_adapter.ts";

Deno.test("grammY parity: lazySession()", async (t) => {
  type C = Context & LazySessionFlavor<number>;

  await t.step("refuses multi sessions", () => {
    assertThrows(
      () => lazySession({ type: "multi" as unknown as "single" }),
      /multi/,
    );
  });

  await t.step("passes the context on to the next middleware", async () => {
    const bot = createBot<C>();
    let seen: unknown;
    bot.use(lazySession(), (ctx) => void (seen = ctx));
    await bot.handleUpdate(chat());
    assert(seen !== undefined);
  });

  for (const keyless of ["default", "custom"] as const) {
    await t.step(`reading without a key (${keyless}) throws`, async () => {
      const bot = createBot<C>();
      bot.use(
        keyless === "default"
          ? lazySession()
          : lazySession({ getSessionKey: () => undefined }),
      );
      bot.use((ctx) => void ctx.session);
      await assertRejects(bot.handleUpdate(pollAnswer(7)));
    });
  }

  await t.step("assigning without a key throws", async () => {
    const bot = createBot<C>();
    bot.use(lazySession({ getSessionKey: () => undefined }));
    bot.use((ctx) => void (ctx.session = 0));
    await assertRejects(bot.handleUpdate(chat()));
  });

  await t.step("a throwing handler: one read, no write or delete", async () => {
    const { r, send } = recordedBot<number, C>(
      (storage) => lazySession({ storage }),
      async (ctx) => {
        ctx.session = await ctx.session + 1;
        throw new Error("err");
      },
      { initial: 0 },
    );
    await assertRejects(send());
    assertEquals(r.calls, [["read", "42"]]);
  });

  await t.step(
    "primitives: read(key), write(key, value), delete(key)",
    async () => {
      const { r, send } = recordedBot<number, C>(
        (storage) => lazySession({ storage }),
        async (ctx) => {
          if (await ctx.session === 0) ctx.session = 1;
          else ctx.session = undefined;
        },
        { initial: 0 },
      );
      await send(2);
      assertEquals(r.calls, [
        ["read", "42"],
        ["write", "42", 1],
        ["read", "42"],
        ["delete", "42"],
      ]);
    },
  );

  await t.step(
    "objects: one read per update, however often awaited",
    async () => {
      type Obj = Record<string, number>;
      let initials = 0;
      // Each change awaits the session anew: still one read per update.
      const { r, send } = recordedBot<Obj, Context & LazySessionFlavor<Obj>>(
        (storage) => lazySession({ storage, initial: () => (initials++, {}) }),
        async (ctx): Promise<void> => {
          const before = r.count("read");
          await ctx.session;
          assertEquals(r.count("read"), before + 1);
          switch (Object.keys(await ctx.session).length) {
            case 0:
              (await ctx.session).foo = 0;
              break;
            case 1:
              (await ctx.session).foo!++;
              (await ctx.session).bar = 0;
              break;
            case 2:
              (await ctx.session).bar!++;
              (await ctx.session).baz = 0;
              break;
            case 3:
              ctx.session = undefined;
          }
          assertEquals(r.count("read"), before + 1);
        },
      );
      await send(5);
      assertEquals(r.calls, OBJECT_CALLS);
      assertEquals(initials, 2);
    },
  );

  // A store that answers a few turns of the event loop later.
  async function run(handler: (ctx: C) => unknown) {
    const { r, send } = recordedBot<number, C>(
      (storage) => lazySession({ storage, initial: () => 0 }),
      handler,
      { initial: 0, delay: true },
    );
    await send();
    return r;
  }

  await t.step("an assignment before any access skips the read", async () => {
    const r = await run(async (ctx) => {
      ctx.session = 0;
      assertStrictEquals(await ctx.session, 0);
    });
    assertEquals(r.calls, [["write", "42", 0]]);
  });

  await t.step("no access: no read, no write", async () => {
    const r = await run(() => {});
    assertEquals(r.calls, []);
  });

  await t.step("a read that ends after an assignment is dropped", async () => {
    const r = await run(async (ctx) => {
      const p = Promise.resolve(ctx.session).then(async () => {
        assertStrictEquals(await ctx.session, 42);
      });
      await new Promise((resolve) => setTimeout(resolve, 0));
      ctx.session = 42;
      await p;
    });
    assertEquals(r.calls, [["read", "42"], ["write", "42", 42]]);
  });

  await t.step("an assigned promise is awaited, then written", async () => {
    const r = await run((ctx) => {
      ctx.session = io().then(() => 42);
    });
    assertEquals(r.calls, [["write", "42", 42]]);
  });

  await t.step("the update waits for a read it did not await", async () => {
    let done = false;
    const r = await run((ctx) => {
      void Promise.resolve(ctx.session).then(() => void (done = true));
    });
    assert(done);
    // grammY writes the value back ([write, "42", 0]); unchanged, we do not
    // (docs/differences.md, "No needless writes").
    assertEquals(r.calls, [["read", "42"]]);
  });
});
