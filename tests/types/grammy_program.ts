// A bot written against grammY's built-in session plugin. Only the second
// import line differs: `tests/types_test.ts` checks this very program with
// that line pointing at grammY again, so it stays a grammY program.
import { Bot, type Context } from "grammy";
import {
  type Enhance,
  enhanceStorage,
  lazySession,
  type LazySessionFlavor,
  MemorySessionStorage,
  session,
  type SessionFlavor,
  type StorageAdapter,
} from "../../mod.ts"; // was: from "grammy";

// Strict sessions, with a typed initial value.
interface SessionData {
  pizzaCount: number;
  size?: string;
}
type MyContext = Context & SessionFlavor<SessionData>;
const bot = new Bot<MyContext>("");
bot.use(session({
  initial: (): SessionData => ({ pizzaCount: 0 }),
  getSessionKey: (ctx) => ctx.chat?.id.toString(),
}));
bot.command("hunger", async (ctx) => {
  await ctx.reply(`Your hunger level is ${ctx.session.pizzaCount}!`);
});
bot.hears(/.*🍕.*/, (ctx) => ctx.session.pizzaCount++);

// Multi sessions, each part with its own storage and key.
interface ChatData {
  members: number;
}
interface UserData {
  name: string;
}
type MultiContext = Context & SessionFlavor<{ chat: ChatData; user: UserData }>;
const multi = new Bot<MultiContext>("");
multi.use(session({
  type: "multi",
  chat: { initial: (): ChatData => ({ members: 0 }) },
  user: {
    initial: (): UserData => ({ name: "" }),
    getSessionKey: (ctx) => ctx.from?.id.toString(),
    storage: new MemorySessionStorage<UserData>(),
  },
}));
multi.on("message", (ctx) => {
  ctx.session.chat.members++;
  ctx.session.user.name = ctx.from.first_name;
});

// Lazy sessions.
type LazyContext = Context & LazySessionFlavor<SessionData>;
const lazy = new Bot<LazyContext>("");
lazy.use(lazySession({ initial: (): SessionData => ({ pizzaCount: 0 }) }));
lazy.on("message", async (ctx) => {
  const data = await ctx.session;
  data.pizzaCount++;
});

// enhanceStorage with migrations and a time to live.
// The store holds the enhanced records: name their type, or TypeScript
// infers a wrong one from the context (with grammY's plugin too).
const enhanced: StorageAdapter<SessionData> = enhanceStorage({
  storage: new MemorySessionStorage<Enhance<SessionData>>(),
  migrations: {
    1: (old: { pizzas: number }) => ({ pizzaCount: old.pizzas }),
    2: (old: SessionData) => ({ ...old, size: "large" }),
  },
  millisecondsToLive: 30 * 24 * 60 * 60 * 1000,
});
bot.use(session({
  initial: (): SessionData => ({ pizzaCount: 0 }),
  storage: enhanced,
}));

// Reading every session of the memory store.
const storage = new MemorySessionStorage<SessionData>(60_000);
export const keys: string[] = storage.readAllKeys();
export const values: SessionData[] = storage.readAllValues();
export const entries: [string, SessionData][] = storage.readAllEntries();

// A memory store that counts its writes.
class CountingStorage<S> extends MemorySessionStorage<S> {
  writes = 0;
  override write(key: string, value: S): void {
    this.writes++;
    super.write(key, value);
  }
}
const counting = new CountingStorage<SessionData>();
bot.use(
  session({
    initial: (): SessionData => ({ pizzaCount: 0 }),
    storage: counting,
  }),
);
export const writes: number = counting.writes;
