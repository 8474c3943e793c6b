// Deleting the session by assignment. `bot.use` and `bot.on` keep the
// setter of the flavor. `bot.command`, `bot.hears` and `bot.callbackQuery`
// build their context types with a mapped type (grammY's `NarrowMatch`),
// and a mapped type keeps only the getter's type: no flavor type can change
// that, with grammY's plugin or ours. The workaround is one line: assign
// through the bot's own context type.
import { Bot, type Context } from "grammy";
import {
  lazySession,
  type LazySessionFlavor,
  type LazySessionPromiseFlavor,
  session,
  type SessionFlavor,
} from "../../mod.ts";

interface SessionData {
  pizzaCount: number;
}

type MyContext = Context & SessionFlavor<SessionData>;
const bot = new Bot<MyContext>("");
bot.use(session({ initial: (): SessionData => ({ pizzaCount: 0 }) }));
bot.use((ctx, next) => {
  if (ctx.msg?.text === "forget me") ctx.session = undefined;
  return next();
});
bot.on("message:text", (ctx) => {
  ctx.session = null;
});
bot.command("reset", (ctx) => {
  // @ts-expect-error: grammY's command context lost the setter
  ctx.session = undefined;
  // The workaround:
  (ctx as MyContext).session = undefined;
});
bot.hears("forget me", (ctx) => {
  (ctx as MyContext).session = null;
});

// The opt-in promise flavor, for `ctx.session.then(...)`.
type MyLazyContext = Context & LazySessionPromiseFlavor<SessionData>;
const lazy = new Bot<MyLazyContext>("");
lazy.use(lazySession({ initial: (): SessionData => ({ pizzaCount: 0 }) }));
lazy.on("message", (ctx) => {
  // The guide's form: resolves to nothing, which deletes the session.
  ctx.session = ctx.session.then((stats) => {
    stats.pizzaCount = 0;
  });
});
lazy.hears("zero", (ctx) => {
  // @ts-expect-error: grammY's hears context lost the setter
  ctx.session = ctx.session.then((data) => void data);
  // The workaround:
  (ctx as MyLazyContext).session = ctx.session.then((data) => void data);
});
lazy.command("reset", (ctx) => {
  (ctx as MyLazyContext).session = undefined;
});

// The lazy flavor typed as grammY's: in a filtered handler the property's
// type is `MaybePromise<SessionData>`, so data (or a promise of it) can be
// assigned there, but not `undefined`.
type GrammyLikeContext = Context & LazySessionFlavor<SessionData>;
const like = new Bot<GrammyLikeContext>("");
like.use(lazySession({ initial: (): SessionData => ({ pizzaCount: 0 }) }));
like.command("reset", (ctx) => {
  ctx.session = { pizzaCount: 0 };
  ctx.session = Promise.resolve({ pizzaCount: 0 });
  // @ts-expect-error: grammY's command context lost the setter
  ctx.session = undefined;
  (ctx as GrammyLikeContext).session = undefined;
});
