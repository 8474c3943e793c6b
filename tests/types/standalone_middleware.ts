// A session middleware built outside `bot.use`, as a module of its own: its
// key function sees grammY's context fields without any context type given.
import { Bot, type Context } from "grammy";
import { lazySession, session, type SessionFlavor } from "../../mod.ts";

interface SessionData {
  pizzaCount: number;
}

/** Sessions per user, wherever the update comes from. */
export const perUser = session({
  initial: (): SessionData => ({ pizzaCount: 0 }),
  getSessionKey: (ctx) => ctx.from?.id.toString(),
});

/** Per user and chat, from the fields every grammY context has. */
export const perUserAndChat = session({
  initial: (): SessionData => ({ pizzaCount: 0 }),
  getSessionKey: (ctx) =>
    ctx.from === undefined || ctx.chat === undefined
      ? undefined
      : `${ctx.from.id}/${ctx.chat.id}`,
});

/** The message and the update are there too. */
export const byMessage = lazySession({
  initial: (): SessionData => ({ pizzaCount: 0 }),
  getSessionKey: (ctx) =>
    ctx.msg?.message_thread_id !== undefined
      ? `${ctx.chatId}/${ctx.msg.message_thread_id}`
      : ctx.update?.update_id.toString(),
});

export const wrong = session({
  initial: (): SessionData => ({ pizzaCount: 0 }),
  // @ts-expect-error: a context has no `form`
  getSessionKey: (ctx) => ctx.form?.id.toString(),
});

export const alsoWrong = session({
  initial: (): SessionData => ({ pizzaCount: 0 }),
  // @ts-expect-error: a user id is a number, not a string
  getSessionKey: (ctx) => ctx.from?.id.toUpperCase(),
});

// They fit a bot whose context has the session.
type MyContext = Context & SessionFlavor<SessionData>;
const bot = new Bot<MyContext>("");
bot.use(perUser);
bot.use(perUserAndChat);
bot.hears("🍕", (ctx) => ctx.session.pizzaCount++);
