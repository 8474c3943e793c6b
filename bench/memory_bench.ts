// Per-update cost of the session middleware on the default memory store:
// grammY's built-in session() (baseline) against ours, on the same bot and
// the same updates. Each iteration handles a batch of 100 messages, each of
// which increments a counter in the session of one of 100 chats; divide the
// time by 100 for the cost per update.
//
//   deno bench bench/memory_bench.ts
import {
  Bot,
  type Context,
  lazySession as grammyLazySession,
  type LazySessionFlavor as GrammyLazyFlavor,
  session as grammySession,
  type SessionFlavor as GrammyFlavor,
} from "grammy";
import type { Update } from "grammy/types";
import {
  lazySession,
  type LazySessionFlavor,
  session,
  type SessionFlavor,
} from "../mod.ts";
import { botInfo } from "./_mix_updates.ts";

interface Counter {
  count: number;
}

function updates(): Update[] {
  return Array.from({ length: 1000 }, (_, i) =>
    ({
      update_id: i,
      message: {
        message_id: i,
        date: 0,
        chat: { id: i % 100, type: "private", first_name: "A" },
        from: { id: i % 100, is_bot: false, first_name: "A" },
        text: "🍕",
      },
    }) as Update);
}

const BATCH = 100;

function cycle(bot: { handleUpdate(u: Update): Promise<void> }) {
  const list = updates();
  let i = 0;
  return async () => {
    for (let n = 0; n < BATCH; n++) {
      await bot.handleUpdate(list[i++ % list.length]!);
    }
  };
}

function strictBot<C extends Context & { session: Counter }>(
  middleware: (ctx: C, next: () => Promise<void>) => unknown,
) {
  const bot = new Bot<C>("0:bench", { botInfo });
  bot.use(middleware);
  bot.on("message", (ctx) => void ctx.session.count++);
  return bot;
}

function lazyBot<C extends Context & { session: Promise<Counter> | Counter }>(
  middleware: (ctx: C, next: () => Promise<void>) => unknown,
) {
  const bot = new Bot<C>("0:bench", { botInfo });
  bot.use(middleware);
  bot.on("message", async (ctx) => void (await ctx.session).count++);
  return bot;
}

const initial = (): Counter => ({ count: 0 });

const grammyStrict = cycle(
  strictBot<Context & GrammyFlavor<Counter>>(grammySession({ initial })),
);
const oursStrict = cycle(
  strictBot<Context & SessionFlavor<Counter>>(session({ initial })),
);
const grammyLazy = cycle(
  lazyBot<Context & GrammyLazyFlavor<Counter>>(grammyLazySession({ initial })),
);
const oursLazy = cycle(
  lazyBot<Context & LazySessionFlavor<Counter>>(lazySession({ initial })),
);

Deno.bench("grammY session()", {
  group: "strict",
  baseline: true,
}, grammyStrict);
Deno.bench("our session()", { group: "strict" }, oursStrict);
Deno.bench("grammY lazySession()", {
  group: "lazy",
  baseline: true,
}, grammyLazy);
Deno.bench("our lazySession()", { group: "lazy" }, oursLazy);
