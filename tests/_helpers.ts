// Test helpers: a real grammY Bot that never talks to Telegram, real-shaped
// updates, and a storage spy that records which calls happen.
import { Bot, BotError, type Context } from "grammy";
import type { Update } from "grammy/types";
import { session, type SessionFlavor, type StorageAdapter } from "../mod.ts";
import { lines } from "../examples/_lines.ts";

/** A bot with known bot info whose API calls are answered locally. */
export function createBot<C extends Context>(): Bot<C> & { replies: string[] } {
  const bot = new Bot<C>("0:test-token", {
    botInfo: {
      id: 1,
      is_bot: true,
      first_name: "Test",
      username: "test_bot",
    } as Bot["botInfo"],
  });
  const replies: string[] = [];
  bot.api.config.use((_prev, method, payload) => {
    if (method === "sendMessage") {
      replies.push((payload as { text: string }).text);
    }
    // deno-lint-ignore no-explicit-any
    return Promise.resolve({ ok: true, result: true } as any);
  });
  return Object.assign(bot, { replies });
}

let nextUpdateId = 1;

/**
 * A bot with a multi session over `storage` and no handler yet: `chat`
 * under the chat's key, `user` under `user-<id>`, both numbers from 0.
 */
export function chatAndUserBot(storage: StorageAdapter<number>) {
  const bot = createBot<
    Context & SessionFlavor<{ chat: number; user: number }>
  >();
  bot.use(session({
    type: "multi",
    chat: { storage, initial: () => 0 },
    user: {
      storage,
      initial: () => 0,
      getSessionKey: (ctx) => `user-${ctx.from?.id}`,
    },
  }));
  return bot;
}

/** A private-chat text message update from user `from` (default: the chat). */
export function message(
  chatId: number,
  text: string,
  options: { from?: number; chatType?: "private" | "group" } = {},
): Update {
  const id = nextUpdateId++;
  const from = options.from ?? chatId;
  const chat = options.chatType === "group"
    ? { id: chatId, type: "group" as const, title: "Group" }
    : { id: chatId, type: "private" as const, first_name: "User" };
  const entities = text.startsWith("/")
    ? [{
      type: "bot_command" as const,
      offset: 0,
      length: text.split(" ")[0]!.length,
    }]
    : undefined;
  return {
    update_id: id,
    message: {
      message_id: id,
      date: Math.floor(Date.now() / 1000),
      chat,
      from: { id: from, is_bot: false, first_name: "User" },
      text,
      ...(entities ? { entities } : {}),
    },
  } as Update;
}

/** An update that belongs to no chat (a poll answer). */
export function pollAnswer(userId: number): Update {
  return {
    update_id: nextUpdateId++,
    poll_answer: {
      poll_id: "p",
      user: { id: userId, is_bot: false, first_name: "User" },
      option_ids: [0],
    },
  } as Update;
}

/** A storage call, as recorded by {@linkcode spyStorage}. */
export type Call = [method: string, key?: string, value?: unknown];

/** Wraps a storage and records every call made to it. */
export function spyStorage<T>(
  inner: StorageAdapter<T>,
): StorageAdapter<T> & { calls: Call[]; reset(): void } {
  const calls: Call[] = [];
  const spy: StorageAdapter<T> & { calls: Call[]; reset(): void } = {
    calls,
    reset: () => void (calls.length = 0),
    read: (key) => {
      calls.push(["read", key]);
      return inner.read(key);
    },
    write: (key, value) => {
      calls.push(["write", key, structuredClone(value)]);
      return inner.write(key, value);
    },
    delete: (key) => {
      calls.push(["delete", key]);
      return inner.delete(key);
    },
  };
  if (inner.readWithVersion && inner.compareAndSet) {
    spy.readWithVersion = (key) => {
      calls.push(["read", key]);
      return inner.readWithVersion!(key);
    };
    spy.compareAndSet = (key, expected, value) => {
      calls.push([
        value === undefined ? "delete" : "write",
        key,
        structuredClone(value),
      ]);
      return inner.compareAndSet!(key, expected, value);
    };
  }
  return spy;
}

/** A plain grammY-style adapter over a Map: read/write/delete only. */
export function mapStorage<T>(
  map: Map<string, T> = new Map(),
): StorageAdapter<T> & { map: Map<string, T> } {
  return {
    map,
    read: (key) => map.get(key),
    write: (key, value) => void map.set(key, value),
    delete: (key) => void map.delete(key),
  };
}

/** Feeds updates to the bot with at most `inFlight` running at once. */
export async function runConcurrently(
  bot: Bot<never>,
  updates: Update[],
  inFlight = 32,
): Promise<unknown[]> {
  const errors: unknown[] = [];
  let next = 0;
  async function worker() {
    while (next < updates.length) {
      const update = updates[next++]!;
      await bot.handleUpdate(update).catch((error) => {
        errors.push(error instanceof BotError ? error.error : error);
      });
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker));
  return errors;
}

/** Fails the test if `promise` does not settle in `ms` (a hang guard only). */
export async function settlesWithin<T>(
  promise: Promise<T>,
  ms: number,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hung for ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Yields to the event loop a few times, as real I/O in a handler would. */
export async function io(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 0));
}

/** Runs `fn` with a fresh `:memory:` KV, closed afterwards. */
export async function withKv(
  fn: (kv: Deno.Kv) => Promise<void>,
): Promise<void> {
  const kv = await Deno.openKv(":memory:");
  try {
    await fn(kv);
  } finally {
    kv.close();
  }
}

/** Runs `fn` with `Date.now()` moved `ms` ahead (timers are untouched). */
export async function later<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  const realNow = Date.now;
  Date.now = () => realNow() + ms;
  try {
    return await fn();
  } finally {
    Date.now = realNow;
  }
}

/**
 * Starts `deno run -A --unstable-kv` on `tests/fixtures/<name>` with `args`,
 * stdout and stderr piped (unless `io` says otherwise).
 */
export function spawnFixture(
  name: string,
  args: string[],
  io: Pick<Deno.CommandOptions, "stdin" | "stderr"> = {},
): Deno.ChildProcess {
  const fixture = new URL(`./fixtures/${name}`, import.meta.url);
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--unstable-kv",
      // Fixtures are test code: they may import the development packages.
      "--config",
      new URL("../deno.dev.json", import.meta.url).pathname,
      fixture.pathname,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
    ...io,
  }).spawn();
}

/**
 * Runs `count` processes of the fixture `name` (the i-th, from 0, with
 * `argsOf(i)`) together: each prints "ready" once set up and starts when its
 * stdin is closed, which happens once all are ready. Returns the last line
 * each printed, parsed as JSON (its report). A process that fails throws
 * with its stderr; all are killed if anything fails.
 */
export async function runTogether<R>(
  name: string,
  count: number,
  argsOf: (i: number) => string[],
): Promise<R[]> {
  const children = Array.from(
    { length: count },
    (_, i) => spawnFixture(name, argsOf(i), { stdin: "piped" }),
  );
  const outputs = children.map((child) => lines(child.stdout));
  const stderrs = children.map((child) => new Response(child.stderr).text());
  try {
    for (const [i, output] of outputs.entries()) {
      for (;;) {
        const { done, value } = await output.next();
        if (done) {
          throw new Error(`process ${i} did not start: ${await stderrs[i]}`);
        }
        if (value === "ready") break;
      }
    }
    for (const child of children) await child.stdin.close();
    const reports: R[] = [];
    for (const [i, output] of outputs.entries()) {
      let last = "";
      for await (const line of output) last = line;
      const status = await children[i]!.status;
      if (!status.success) throw new Error(await stderrs[i]);
      reports.push(JSON.parse(last) as R);
    }
    return reports;
  } finally {
    for (const child of children) {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already exited.
      }
      await child.status;
    }
    await Promise.all(stderrs);
  }
}
