// The 70/20/10 mix on one local redis-server (docs/redis.md has figures):
// a real grammY Bot, 200 chats, every chat seeded with `{ count, note }` (a
// 200-character note), updates handled one at a time; 7 of 10 never touch
// the session, 2 read `count`, 1 increments it. Compared in the same run,
// rounds interleaved (the order rotates every round), medians of the
// per-round ratios of wall time:
// - grammY's `session()` + `@grammyjs/storage-redis` (the baseline),
// - grammY's `lazySession()` + storage-redis (for reference),
// - our `session()` and `lazySession()` + `RedisStorage`.
// Every bot has its own ioredis client; the commands each sends are counted
// by wrapping the client's `sendCommand` (every ioredis command goes through
// it), and cross-checked against the server's `INFO commandstats`.
//
//   flock /tmp/gate.lock taskset -c 1 deno run --config deno.dev.json -A bench/redis_mix.ts
//
// It starts its own redis-server pinned to core 0 (REDIS_PORT=... uses a
// running one instead). Env: ROUNDS (default 31), PER_ROUND (400).
import {
  Bot,
  Context,
  lazySession as grammyLazySession,
  session as grammySession,
} from "grammy";
import type { Update } from "grammy/types";
import { RedisAdapter } from "@grammyjs/storage-redis";
import { Redis } from "ioredis";
import { cpuUsage } from "node:process";
import { lazySession, session } from "../mod.ts";
import { RedisStorage } from "../redis.ts";
import { startRedis } from "../tests/_redis_server.ts";

interface Data {
  count: number;
  note: string;
}

const CHATS = 200;
const PER_ROUND = Number(Deno.env.get("PER_ROUND") ?? 400);
const ROUNDS = Number(Deno.env.get("ROUNDS") ?? 31);
const botInfo = {
  id: 1,
  is_bot: true,
  first_name: "Bench",
  username: "bench_bot",
} as Bot["botInfo"];

const given = Deno.env.get("REDIS_PORT");
const server = given === undefined ? await startRedis({ cpu: 0 }) : undefined;
const port = given === undefined ? server!.port : Number(given);

/** An ioredis client that counts the commands it sends. */
function countingClient(): Redis & { sent: number } {
  const client = new Redis(port, { host: "127.0.0.1" }) as Redis & {
    sent: number;
  };
  client.sent = 0;
  const send = client.sendCommand.bind(client);
  client.sendCommand = ((...args: Parameters<typeof send>) => {
    client.sent++;
    return send(...args);
  }) as typeof send;
  return client;
}

type C = Context & { session: Data | Promise<Data> };
// deno-lint-ignore no-explicit-any
type Middleware = (ctx: any, next: () => Promise<void>) => unknown;

let updateId = 0;
function updates(): Update[] {
  return Array.from({ length: PER_ROUND }, () => {
    const id = ++updateId;
    return {
      update_id: id,
      message: {
        message_id: id,
        date: 0,
        chat: { id: (id * 7919) % CHATS, type: "private", first_name: "A" },
        from: { id: 1, is_bot: false, first_name: "A" },
        text: "x",
      },
    } as Update;
  });
}

function mixBot(middleware: Middleware): Bot<C> {
  const bot = new Bot<C>("0:bench", {
    botInfo,
    ContextConstructor: class extends Context {} as unknown as new (
      ...args: ConstructorParameters<typeof Context>
    ) => C,
  });
  bot.use(middleware);
  bot.on("message", async (ctx) => {
    const kind = ctx.update.update_id % 10;
    if (kind < 7) return; // untouched
    const data = await ctx.session;
    if (kind < 9) {
      if (data.count < 0) throw new Error("unreachable");
      return;
    }
    data.count++;
  });
  return bot;
}

const note = "n".repeat(200);
const initial = (): Data => ({ count: 0, note });

interface Contestant {
  name: string;
  bot: Bot<C>;
  client: Redis & { sent: number };
  times: number[];
  /** Process CPU time per update, in µs, per round. */
  cpu: number[];
  handled: number;
}

function contestant(
  name: string,
  make: (client: Redis) => Middleware,
): Contestant {
  const client = countingClient();
  return {
    name,
    bot: mixBot(make(client)),
    client,
    times: [],
    cpu: [],
    handled: 0,
  };
}

const getSessionKey =
  (prefix: string) => (ctx: { chat?: { id: number } | undefined }) =>
    ctx.chat === undefined ? undefined : prefix + ctx.chat.id;

const contestants = [
  contestant("grammY session() + storage-redis", (client) =>
    grammySession({
      initial,
      storage: new RedisAdapter<Data>({ instance: client }),
      getSessionKey: getSessionKey("g:"),
    }) as Middleware),
  contestant(
    "grammY lazySession() + storage-redis",
    (client) =>
      grammyLazySession({
        initial,
        storage: new RedisAdapter<Data>({ instance: client }),
        getSessionKey: getSessionKey("gl:"),
      }) as Middleware,
  ),
  contestant("ours session() + RedisStorage", (client) =>
    session({
      initial,
      storage: new RedisStorage<Data>(client),
      getSessionKey: getSessionKey("o:"),
    }) as Middleware),
  contestant("ours lazySession() + RedisStorage", (client) =>
    lazySession({
      initial,
      storage: new RedisStorage<Data>(client),
      getSessionKey: getSessionKey("ol:"),
    }) as Middleware),
];

// Seed every chat of every contestant with the same plain JSON session.
const seeder = new Redis(port, { host: "127.0.0.1" });
await seeder.flushall();
for (const prefix of ["g:", "gl:", "o:", "ol:"]) {
  for (let chat = 0; chat < CHATS; chat++) {
    await seeder.set(prefix + chat, JSON.stringify(initial()));
  }
}

async function round(c: Contestant, list: Update[]): Promise<number> {
  const start = performance.now();
  const cpu = cpuUsage();
  for (const update of list) await c.bot.handleUpdate(update);
  const spent = cpuUsage(cpu);
  c.cpu.push((spent.user + spent.system) / list.length);
  c.handled += list.length;
  return (performance.now() - start) * 1000 / list.length; // µs per update
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function commandStats(): Promise<Map<string, number>> {
  const text = await seeder.info("commandstats");
  const calls = new Map<string, number>();
  for (const match of text.matchAll(/cmdstat_(\w+):calls=(\d+)/g)) {
    calls.set(match[1]!, Number(match[2]));
  }
  return calls;
}

// Warm-up.
for (let i = 0; i < 3; i++) {
  for (const c of contestants) await round(c, updates());
}
for (const c of contestants) {
  c.client.sent = 0;
  c.handled = 0;
  c.cpu.length = 0;
}
const ratios: number[][] = contestants.map(() => []);
const before = await commandStats();
for (let r = 0; r < ROUNDS; r++) {
  const list = updates();
  const times: number[] = [];
  for (let k = 0; k < contestants.length; k++) {
    const which = (r + k) % contestants.length;
    times[which] = await round(contestants[which]!, list);
  }
  for (let k = 0; k < contestants.length; k++) {
    contestants[k]!.times.push(times[k]!);
    ratios[k]!.push(times[0]! / times[k]!);
  }
}
const after = await commandStats();

const base = median(contestants[0]!.times);
console.log(
  `redis mix 70/20/10, ${CHATS} chats, 200-byte note, ${ROUNDS} rounds of ${PER_ROUND} updates, one at a time`,
);
for (const [k, c] of contestants.entries()) {
  const us = median(c.times);
  console.log(
    `  ${c.name}: ${us.toFixed(1)} µs/update (${
      (1e6 / us).toFixed(0)
    } updates/s, ${median(c.cpu).toFixed(1)} µs CPU of this process), ${
      median(ratios[k]!).toFixed(2)
    }x grammY (median ratio; ${(base / us).toFixed(2)}x of medians), ${
      (c.client.sent / c.handled).toFixed(3)
    } commands/update`,
  );
}
const delta = [...after].map(([name, calls]) =>
  `${name} ${calls - (before.get(name) ?? 0)}`
).filter((entry) => !entry.endsWith(" 0"));
console.log(
  `  server INFO commandstats deltas over the timed rounds (scripts' inner GET/SET/PEXPIRE included): ${
    delta.join(", ")
  }`,
);

seeder.disconnect();
for (const c of contestants) c.client.disconnect();
await server?.stop();
