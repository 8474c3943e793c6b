// Shared setup of bench/runner_bench.ts and bench/lost_updates.ts: the hot-key
// workload (many updates in flight for few chats, each incrementing a counter
// in its chat's session) on a KV file, in four variants.
import { Bot, type Context, session as grammySession } from "grammy";
import type { Update } from "grammy/types";
import { sequentialize } from "@grammyjs/runner";
import { session, type StorageAdapter } from "../mod.ts";
import { DenoKvStorage, type KvLike } from "../kv.ts";
import { botInfo } from "./_mix_updates.ts";

/** Updates handled at once, as grammY runner does by default-ish. */
export const IN_FLIGHT = 32;
/** The chats the updates go to. */
export const CHATS = 10;

/** The variants compared. */
export const VARIANTS = {
  "grammy+sequentialize":
    "grammY session() + runner's sequentialize(), plain KV adapter",
  "ours": "our session(), DenoKvStorage",
  "ours+plain": "our session(), plain KV adapter",
  "grammy": "grammY session() alone, plain KV adapter",
} as const;

/** The name of a variant. */
export type Variant = keyof typeof VARIANTS;

interface Counter {
  count: number;
}

/**
 * What `@grammyjs/storage-denokv` does (read = get, write = set), under
 * `prefix`: no versions, so last write wins.
 */
function plainKvAdapter<T>(kv: Deno.Kv, prefix: string): StorageAdapter<T> {
  return {
    read: async (key) => (await kv.get<T>([prefix, key])).value ?? undefined,
    write: async (key, value) => void await kv.set([prefix, key], value),
    delete: (key) => kv.delete([prefix, key]),
  };
}

/** A bot of the given variant, storing its sessions in `kv` under `prefix`. */
export function makeBot(variant: Variant, kv: Deno.Kv, prefix: string): Bot {
  type C = Context & { session: Counter };
  const bot = new Bot<C>("0:bench", { botInfo });
  // Replies are answered locally; nothing leaves the machine.
  bot.api.config.use(() =>
    // deno-lint-ignore no-explicit-any
    Promise.resolve({ ok: true, result: true } as any)
  );
  const initial = (): Counter => ({ count: 0 });
  if (variant === "grammy+sequentialize") {
    bot.use(sequentialize((ctx: C) => ctx.chat?.id.toString()));
  }
  bot.use(
    variant === "ours"
      ? session({
        initial,
        storage: new DenoKvStorage<Counter>(kv as KvLike, { prefix: [prefix] }),
      })
      : variant === "ours+plain"
      ? session({ initial, storage: plainKvAdapter<Counter>(kv, prefix) })
      : grammySession({
        initial,
        storage: plainKvAdapter<Counter>(kv, prefix),
      }),
  );
  bot.on("message", async (ctx) => {
    ctx.session.count++;
    await ctx.reply(`${ctx.session.count}`);
  });
  return bot as unknown as Bot;
}

let updateId = 0;

/** `count` messages, spread round-robin over the chats. */
export function updates(count: number): Update[] {
  return Array.from({ length: count }, (_, i) => {
    const id = ++updateId;
    const chat = { id: 1000 + (i % CHATS), type: "private" as const };
    return {
      update_id: id,
      message: {
        message_id: id,
        date: 0,
        chat: { ...chat, first_name: "U" },
        from: { id: chat.id, is_bot: false, first_name: "U" },
        text: "+1",
      },
    } as Update;
  });
}

/**
 * Handles `list` with `IN_FLIGHT` updates at once (as `bot.handleUpdate` is
 * called by grammY runner), and returns the number of updates that failed.
 */
export async function handleAll(bot: Bot, list: Update[]): Promise<number> {
  let next = 0;
  let failed = 0;
  async function worker(): Promise<void> {
    while (next < list.length) {
      await bot.handleUpdate(list[next++]!).catch(() => failed++);
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return failed;
}

/** The sum of the counters stored under `prefix`. */
export async function storedTotal(
  kv: Deno.Kv,
  variant: Variant,
  prefix: string,
): Promise<number> {
  let total = 0;
  if (variant === "ours") {
    const storage = new DenoKvStorage<Counter>(kv as KvLike, {
      prefix: [prefix],
    });
    for await (const value of storage.readAllValues()) total += value.count;
  } else {
    for await (const entry of kv.list<Counter>({ prefix: [prefix] })) {
      total += entry.value.count;
    }
  }
  return total;
}
