// grammY's own flavors with our middleware, and our flavors with grammY's
// contexts and middleware: either side can be swapped without the other.
import {
  Bot,
  type Context,
  lazySession as grammyLazySession,
  type LazySessionFlavor as GrammyLazySessionFlavor,
  session as grammySession,
  type SessionFlavor as GrammySessionFlavor,
} from "grammy";
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
const initial = (): SessionData => ({ pizzaCount: 0 });

// grammY's strict flavor, our middleware.
const a = new Bot<Context & GrammySessionFlavor<SessionData>>("");
a.use(session({ initial }));
a.on("message", (ctx) => ctx.session.pizzaCount++);

// grammY's lazy flavor, our middleware.
const b = new Bot<Context & GrammyLazySessionFlavor<SessionData>>("");
b.use(lazySession({ initial }));
b.on("message", async (ctx) => (await ctx.session).pizzaCount++);

// Our flavors, grammY's middleware.
const c = new Bot<Context & SessionFlavor<SessionData>>("");
c.use(grammySession({ initial }));
c.on("message", (ctx) => ctx.session.pizzaCount++);
const d = new Bot<Context & LazySessionFlavor<SessionData>>("");
d.use(grammyLazySession({ initial }));
d.on("message", async (ctx) => (await ctx.session).pizzaCount++);

// Our opt-in promise flavor: `.then` needs no `await` first, with either
// middleware.
const e = new Bot<Context & LazySessionPromiseFlavor<SessionData>>("");
e.use(lazySession({ initial }));
e.use(grammyLazySession({ initial }));
e.on("message", (ctx) => ctx.session.then((data) => data.pizzaCount));
// @ts-expect-error: typed as grammY's, the data may be there already
d.on("message", (ctx) => ctx.session.then((data) => data.pizzaCount));

// The middleware still checks that the session data fits the flavor.
// @ts-expect-error: the bot's sessions are SessionData, not strings
a.use(session({ initial: () => "no pizza" }));
// @ts-expect-error: the same for lazy sessions
b.use(lazySession({ initial: () => "no pizza" }));
