// Shared setup of the KV benchmarks: a bot per variant, and KV handles that
// count or slow down the calls made through them (the updates are in
// _mix_updates.ts).
import { Bot, type Context, session as grammySession } from "grammy";
import { sequentialize } from "@grammyjs/runner";
import { lazySession, session, type StorageAdapter } from "../mod.ts";
import { DenoKvStorage, type KvLike } from "../kv.ts";
import { botInfo } from "./_mix_updates.ts";

/** The session of the benchmark bots. */
export interface Data {
  count: number;
  history: string[];
}

export type Variant =
  | "grammy"
  | "grammy+seq"
  | "strict"
  | "lazy"
  | "minimal"
  | "minimal-lazy";

/** Counts KV calls: reads (get/getMany/list) and writes (set/delete/commit). */
export interface Counts {
  reads: number;
  writes: number;
}

/** Wraps a KV handle so that every call is counted in `counts`. */
export function countingKv(kv: Deno.Kv, counts: Counts): Deno.Kv {
  return new Proxy(kv, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (property === "atomic") {
        return () => {
          const atomic = target.atomic();
          const commit = atomic.commit.bind(atomic);
          atomic.commit = () => (counts.writes++, commit());
          return atomic;
        };
      }
      if (["get", "getMany", "list"].includes(property as string)) {
        return (
          ...args: unknown[]
        ) => (counts.reads++, value.apply(target, args));
      }
      if (["set", "delete"].includes(property as string)) {
        return (
          ...args: unknown[]
        ) => (counts.writes++, value.apply(target, args));
      }
      return value.bind(target);
    },
  });
}

/** What `@grammyjs/storage-denokv` does: read=get, write=set, delete=delete. */
export function plainKvAdapter<T>(kv: Deno.Kv): StorageAdapter<T> {
  return {
    read: async (key) =>
      (await kv.get<T>(["sessions", key])).value ?? undefined,
    write: async (key, value) => void await kv.set(["sessions", key], value),
    delete: (key) => kv.delete(["sessions", key]),
  };
}

/** A bot of the given variant over `kv`. */
export function makeBot(variant: Variant, kv: Deno.Kv): Bot<Context> {
  const initial = (): Data => ({ count: 0, history: [] });
  if (variant === "lazy" || variant === "minimal-lazy") {
    type C = Context & { session: Promise<Data> };
    const bot = new Bot<C>("dummy", { botInfo });
    bot.use(
      variant === "lazy"
        ? lazySession({
          initial,
          storage: new DenoKvStorage<Data>(kv as KvLike),
        })
        : minimalLazySession(kv, initial),
    );
    bot.hears("read", async (ctx) => void (await ctx.session).count);
    bot.hears("write", async (ctx) => {
      const data = await ctx.session;
      data.count++;
      data.history.push(`update ${ctx.update.update_id}`);
      if (data.history.length > 20) data.history.shift();
    });
    return bot as unknown as Bot<Context>;
  }
  type C = Context & { session: Data };
  const bot = new Bot<C>("dummy", { botInfo });
  // grammY runner's per-chat queue: what a grammY bot needs to lose nothing.
  if (variant === "grammy+seq") {
    bot.use(sequentialize((ctx: C) => ctx.chat?.id.toString()));
  }
  if (variant === "minimal") bot.use(minimalSession(kv, initial));
  else if (variant === "grammy" || variant === "grammy+seq") {
    bot.use(grammySession({ initial, storage: plainKvAdapter<Data>(kv) }));
  } else {
    bot.use(
      session({ initial, storage: new DenoKvStorage<Data>(kv as KvLike) }),
    );
  }
  bot.hears("read", (ctx) => void ctx.session.count);
  bot.hears("write", (ctx) => {
    ctx.session.count++;
    ctx.session.history.push(`update ${ctx.update.update_id}`);
    if (ctx.session.history.length > 20) ctx.session.history.shift();
  });
  return bot as unknown as Bot<Context>;
}

/**
 * The least a strict session with our guarantees can do in KV: one read of
 * the head, and for a changed value one commit checked against the version
 * read and against a pending record. No locks, no chunks, no TTL: the floor
 * our `session()` is measured against.
 */
function minimalSession<C extends Context & { session: Data }>(
  kv: Deno.Kv,
  initial: () => Data,
) {
  return async (ctx: C, next: () => Promise<void>) => {
    const key = ["sessions", String(ctx.chat!.id)];
    const entry = await kv.get<Data>(key);
    ctx.session = entry.value ?? initial();
    const before = JSON.stringify(ctx.session);
    await next();
    if (JSON.stringify(ctx.session) === before) return;
    const result = await kv.atomic()
      .check(entry, { key: [...key, "~pending"], versionstamp: null })
      .set(key, ctx.session).commit();
    if (!result.ok) throw new Error("conflict");
  };
}

/** The same floor for a lazy session: the read happens on first access. */
function minimalLazySession<C extends Context & { session: Promise<Data> }>(
  kv: Deno.Kv,
  initial: () => Data,
) {
  return async (ctx: C, next: () => Promise<void>) => {
    const key = ["sessions", String(ctx.chat!.id)];
    let read: Promise<[Deno.KvEntryMaybe<Data>, Data, string]> | undefined;
    Object.defineProperty(ctx, "session", {
      get: () =>
        (read ??= kv.get<Data>(key).then((entry) => {
          const value = entry.value ?? initial();
          return [entry, value, JSON.stringify(value)];
        })).then(([, value]) => value),
    });
    await next();
    if (read === undefined) return;
    const [entry, value, before] = await read;
    if (JSON.stringify(value) === before) return;
    const result = await kv.atomic()
      .check(entry, { key: [...key, "~pending"], versionstamp: null })
      .set(key, value).commit();
    if (!result.ok) throw new Error("conflict");
  };
}

/** A 3-line KV adapter's cost model on Deno Deploy, as assumptions. */
export interface Latency {
  /** Added to every read call (get, getMany, list). */
  readMs: number;
  /** Added to every write call (commit, set, delete). */
  commitMs: number;
}

/** Wraps a KV handle so that every call waits as `latency` says first. */
export function slowKv(kv: Deno.Kv, latency: Latency): Deno.Kv {
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  return new Proxy(kv, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (property === "atomic") {
        return () => {
          const atomic = target.atomic();
          const commit = atomic.commit.bind(atomic);
          atomic.commit = async () => (await wait(latency.commitMs), commit());
          return atomic;
        };
      }
      if (["get", "getMany"].includes(property as string)) {
        return async (...args: unknown[]) => (
          await wait(latency.readMs), value.apply(target, args)
        );
      }
      if (["set", "delete"].includes(property as string)) {
        return async (...args: unknown[]) => (
          await wait(latency.commitMs), value.apply(target, args)
        );
      }
      return value.bind(target);
    },
  });
}
