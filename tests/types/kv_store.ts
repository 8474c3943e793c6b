// The KV store from the `./kv` entry point, typed against any KV handle of
// the right shape (Deno.openKv's or @deno/kv's), as a module of its own.
import type { Bot, Context } from "grammy";
import { session, type SessionFlavor } from "../../mod.ts";
import { DenoKvStorage, type KvLike } from "../../kv.ts";

interface SessionData {
  pizzaCount: number;
}

/** The session middleware of a bot whose KV database is opened elsewhere. */
export function install(
  bot: Bot<Context & SessionFlavor<SessionData>>,
  kv: KvLike,
): void {
  bot.use(session({
    initial: (): SessionData => ({ pizzaCount: 0 }),
    storage: new DenoKvStorage<SessionData>(kv),
  }));
  // @ts-expect-error: the store keeps SessionData, not strings
  bot.use(session({ storage: new DenoKvStorage<string>(kv) }));
}
