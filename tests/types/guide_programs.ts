// The programs of grammY's session guide (docs: /work/shared/seed/
// sessions-guide.md), one per pattern, plus the lazy assignment of issue 19.
// Only the second import line differs from a grammY program:
// `tests/types_test.ts` checks this file with that line pointing at grammY
// again, so every program here is one grammY's types accept, and ours must.
// (The guide's `ctx.session = ctx.session.then(...)` is not among them:
// grammY's types reject it; see grammy_flavors.ts for our opt-in flavor.)
import { Bot, type Context } from "grammy";
import {
  lazySession,
  type LazySessionFlavor,
  MemorySessionStorage,
  session,
  type SessionFlavor,
  type StorageAdapter,
} from "../../mod.ts"; // was: from "grammy";

// --- Issue 19: assigning plain data to a lazy session in a command handler.
export function lazyAssignment(): void {
  type LazyContext = Context & LazySessionFlavor<{ counter: number }>;
  const bot = new Bot<LazyContext>("");
  bot.use(lazySession({ initial: () => ({ counter: 0 }) }));
  bot.command("reset", (ctx) => {
    ctx.session = { counter: 0 };
  });
}

// --- Example usage: the pizza counter.
interface SessionData {
  pizzaCount: number;
}
type MyContext = Context & SessionFlavor<SessionData>;
export function exampleUsage(): void {
  const bot = new Bot<MyContext>("");
  function initial(): SessionData {
    return { pizzaCount: 0 };
  }
  bot.use(session({ initial }));
  bot.command("hunger", async (ctx) => {
    const count = ctx.session.pizzaCount;
    await ctx.reply(`Your hunger level is ${count}!`);
  });
  bot.hears(/.*🍕.*/, (ctx) => ctx.session.pizzaCount++);
}

// --- Initial session data: a named function, and the short form.
export function initialSessionData(): void {
  const bot = new Bot<MyContext>("");
  function createInitialSessionData() {
    return {
      pizzaCount: 0,
      // more data here
    };
  }
  bot.use(session({ initial: createInitialSessionData }));
  bot.use(session({ initial: () => ({ pizzaCount: 0 }) }));
}

// --- Session keys: per chat, per user, per user-chat combination.
export function sessionKeys(): void {
  const bot = new Bot<MyContext>("");
  const perChat = (ctx: Context): string | undefined => ctx.chat?.id.toString();
  const perUser = (ctx: Context): string | undefined => ctx.from?.id.toString();
  const perUserChat = (ctx: Context): string | undefined =>
    ctx.from === undefined || ctx.chat === undefined
      ? undefined
      : `${ctx.from.id}/${ctx.chat.id}`;
  for (const getSessionKey of [perChat, perUser, perUserChat]) {
    bot.use(session({ getSessionKey }));
  }
}

// --- Storing your data: a storage adapter of five lines.
export function storingData(): void {
  const bot = new Bot<MyContext>("");
  const map = new Map<string, SessionData>();
  const storage: StorageAdapter<SessionData> = {
    read: (key) => map.get(key),
    write: (key, value) => void map.set(key, value),
    delete: (key) => void map.delete(key),
  };
  bot.use(session({ initial: () => ({ pizzaCount: 0 }), storage }));
}

// --- Lazy sessions: strict and lazy access side by side.
export function lazySessions(): void {
  const strict = new Bot<MyContext>("");
  strict.command("settings", (ctx) => {
    const session = ctx.session;
    return void session.pizzaCount;
  });
  type LazyContext = Context & LazySessionFlavor<SessionData>;
  const bot = new Bot<LazyContext>("");
  bot.use(lazySession({ initial: () => ({ pizzaCount: 0 }) }));
  bot.command("settings", async (ctx) => {
    const promise = ctx.session;
    const session = await ctx.session;
    await promise;
    await ctx.reply(`${session.pizzaCount}`);
  });
  bot.on("message", async (ctx) => {
    (await ctx.session).pizzaCount++;
    ctx.session = Promise.resolve({ pizzaCount: 0 });
  });
  // Assigning `undefined` deletes (through the bot's context type, as the
  // filtered context of `bot.command` keeps only the getter's type).
  bot.command("forget", (ctx) => {
    (ctx as LazyContext).session = undefined;
  });
}

// --- Plugins that need sessions: either flavor, always awaited.
export function pluginsNeedingSessions(): void {
  type PluginContext =
    & Context
    & (SessionFlavor<SessionData> | LazySessionFlavor<SessionData>);
  const plugin = async (ctx: PluginContext, next: () => Promise<void>) => {
    const data = await ctx.session;
    data.pizzaCount++;
    await next();
  };
  new Bot<MyContext>("").use(plugin);
  new Bot<Context & LazySessionFlavor<SessionData>>("").use(plugin);
}

// --- Known storage adapters: the memory store, and a storage of a package.
export function storageAdapters(): void {
  const bot = new Bot<MyContext>("");
  bot.use(session({
    initial: () => ({ pizzaCount: 0 }),
    storage: new MemorySessionStorage(), // also the default value
  }));
  // As `freeStorage<SessionData>(bot.token)` from @grammyjs/storage-free.
  const freeStorage = <T>(_token: string): StorageAdapter<T> =>
    new MemorySessionStorage<T>();
  interface CountData {
    count: number;
  }
  const counter = new Bot<Context & SessionFlavor<CountData>>("");
  counter.use(session({
    initial: () => ({ count: 0 }),
    storage: freeStorage<CountData>(counter.token),
  }));
  counter.on("message", async (ctx) => {
    ctx.session.count++;
    await ctx.reply(`Message count: ${ctx.session.count}`);
  });
  counter.catch((err) => console.error(err));
}
