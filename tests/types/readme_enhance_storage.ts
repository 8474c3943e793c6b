// The README's `enhanceStorage` example, in a typed bot. tests/types_test.ts
// checks that the README shows exactly this code (below the marker).
// --- README ---
import { Bot, type Context } from "grammy";
import {
  type Enhance,
  enhanceStorage,
  MemorySessionStorage,
  session,
  type SessionFlavor,
} from "../../mod.ts";

interface SessionData {
  pizzas: number;
  size?: string;
}
type MyContext = Context & SessionFlavor<SessionData>;
const bot = new Bot<MyContext>("");

bot.use(session({
  initial: (): SessionData => ({ pizzas: 0 }),
  storage: enhanceStorage({
    // The store keeps enhanced records: say so, or TypeScript infers a type
    // that does not fit (with grammY's built-in plugin too).
    storage: new MemorySessionStorage<Enhance<SessionData>>(),
    migrations: {
      1: (old: { pizzaCount: number }): SessionData => ({
        pizzas: old.pizzaCount,
      }),
      1.5: (old: SessionData): SessionData => ({ ...old, size: "large" }),
    },
    millisecondsToLive: 30 * 24 * 60 * 60 * 1000,
  }),
}));
