// Parity with grammY's own session plugin: every behaviour its test suite
// (grammY's test/convenience/session.test.ts) asserts, checked here through
// a real Bot, down to each call an adapter receives from `session`,
// `lazySession`, multi sessions and `enhanceStorage`: the method, every
// argument, and how many arguments there are (a grammY adapter may read a
// third argument of `write` as something of its own). Where we differ on
// purpose (an unchanged session is not written), the step says so and
// asserts what we do instead (docs/differences.md). This file: session()
// and multi sessions; grammy_parity_lazy_test.ts: lazySession();
// grammy_parity_enhance_test.ts: enhanceStorage() and MemorySessionStorage.
import type { Context } from "grammy";
import { session, type SessionFlavor } from "../mod.ts";
import { assert, assertEquals, assertRejects } from "./deps.ts";
import { createBot, pollAnswer } from "./_helpers.ts";
import {
  chat,
  OBJECT_CALLS,
  objectStep,
  recordedBot,
  recordingAdapter,
} from "./_recording_adapter.ts";

type C = Context & SessionFlavor<number>;

Deno.test("grammY parity: session()", async (t) => {
  await t.step("passes the context on to the next middleware", async () => {
    const bot = createBot<Context & SessionFlavor<never>>();
    let before: unknown;
    let seen: unknown;
    bot.use((ctx, next) => (before = ctx, next()));
    bot.use(session(), (ctx) => void (seen = ctx));
    await bot.handleUpdate(chat());
    assert(seen !== undefined && seen === before);
  });

  for (const keyless of ["default", "custom"] as const) {
    await t.step(`reading without a key (${keyless}) throws`, async () => {
      const bot = createBot<Context & SessionFlavor<number>>();
      bot.use(
        keyless === "default"
          ? session()
          : session({ getSessionKey: () => undefined }),
      );
      bot.use((ctx) => void ctx.session);
      await assertRejects(bot.handleUpdate(pollAnswer(7)));
    });
  }

  await t.step("assigning without a key throws", async () => {
    const bot = createBot<Context & SessionFlavor<number>>();
    bot.use(session({ getSessionKey: () => undefined }));
    bot.use((ctx) => void (ctx.session = 0));
    await assertRejects(bot.handleUpdate(chat()));
  });

  await t.step("a throwing handler: one read, no write or delete", async () => {
    const { r, send } = recordedBot<number, C>(
      (storage) => session({ storage }),
      (ctx) => {
        ctx.session = 1;
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
        (storage) => session({ storage }),
        (ctx) => {
          if (ctx.session === 0) ctx.session = 1;
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
      assertEquals(r.returned, [0, 1]);
    },
  );

  await t.step("a custom key function and prefix name every call", async () => {
    const { r, send } = recordedBot<number, C>(
      (storage) =>
        session({
          storage,
          prefix: "xyz-",
          getSessionKey: (ctx) =>
            ctx.chatId ? (ctx.chatId ** 2).toString() : undefined,
        }),
      (ctx) => {
        if (ctx.session === 0) ctx.session = 1;
        else ctx.session = null;
      },
      { initial: 0 },
    );
    await send(2);
    assertEquals(r.calls, [
      ["read", "xyz-1764"],
      ["write", "xyz-1764", 1],
      ["read", "xyz-1764"],
      ["delete", "xyz-1764"],
    ]);
  });

  await t.step("objects: each update reads, changes, writes", async () => {
    type Obj = Record<string, number>;
    let initials = 0;
    const { r, send } = recordedBot<Obj, Context & SessionFlavor<Obj>>(
      (storage) => session({ storage, initial: () => (initials++, {}) }),
      (ctx) => {
        if (!objectStep(ctx.session)) ctx.session = undefined;
      },
    );
    await send(5);
    assertEquals(r.calls, OBJECT_CALLS);
    assertEquals(r.returned, [
      undefined,
      { foo: 0 },
      { foo: 1, bar: 0 },
      { foo: 1, bar: 1, baz: 0 },
      undefined,
    ]);
    assertEquals(initials, 2);
  });
});

Deno.test("grammY parity: multi sessions", async (t) => {
  await t.step("with no parts, passes the context on", async () => {
    const bot = createBot<Context & SessionFlavor<Record<never, never>>>();
    let seen: unknown;
    bot.use(session({ type: "multi" }), (ctx) => void (seen = ctx));
    await bot.handleUpdate(chat());
    assert(seen !== undefined);
  });

  await t.step("reading a part without a key throws", async () => {
    for (const part of [{}, { getSessionKey: () => undefined }]) {
      const bot = createBot<Context & SessionFlavor<{ prop: number }>>();
      bot.use(session({ type: "multi", prop: part }));
      bot.use((ctx) => void ctx.session.prop);
      await assertRejects(bot.handleUpdate(pollAnswer(7)));
    }
  });

  await t.step("assigning a part without a key throws", async () => {
    const bot = createBot<Context & SessionFlavor<{ prop: number }>>();
    bot.use(session({
      type: "multi",
      prop: { getSessionKey: () => undefined },
    }));
    bot.use((ctx) => void (ctx.session.prop = 0));
    await assertRejects(bot.handleUpdate(chat()));
  });

  await t.step("a throwing handler: one read, no write or delete", async () => {
    const { r, send } = recordedBot<
      number,
      Context & SessionFlavor<{ prop: number }>
    >(
      (storage) => session({ type: "multi", prop: { storage } }),
      (ctx) => {
        ctx.session.prop = 1;
        throw new Error("err");
      },
      { initial: 0 },
    );
    await assertRejects(send());
    assertEquals(r.calls, [["read", "42"]]);
  });

  await t.step("objects: each part reads, changes, writes", async () => {
    const r0 = recordingAdapter<Record<string, number>>();
    const r1 = recordingAdapter<Record<string, number>>();
    const initials = [0, 0];
    type Data = {
      prop0: Record<string, number>;
      prop1: Record<string, number>;
    };
    const bot = createBot<Context & SessionFlavor<Data>>();
    bot.use(session({
      type: "multi",
      prop0: { storage: r0.storage, initial: () => (initials[0]!++, {}) },
      prop1: { storage: r1.storage, initial: () => (initials[1]!++, {}) },
    }));
    bot.use((ctx) => {
      const { prop0, prop1 } = ctx.session;
      const first = Object.keys(prop0).length === 0;
      // At the fourth update: deletes every part.
      if (!objectStep(prop0)) (ctx as { session: unknown }).session = undefined;
      else if (first) prop1.foo = 0;
      else prop1.foo!++;
    });
    for (let i = 0; i < 5; i++) await bot.handleUpdate(chat());
    assertEquals(r0.calls, OBJECT_CALLS);
    assertEquals(r1.calls, [
      ["read", "42"],
      ["write", "42", { foo: 0 }],
      ["read", "42"],
      ["write", "42", { foo: 1 }],
      ["read", "42"],
      ["write", "42", { foo: 2 }],
      ["read", "42"],
      ["delete", "42"],
      ["read", "42"],
      ["write", "42", { foo: 0 }],
    ]);
    assertEquals(initials, [2, 2]);
  });
});
