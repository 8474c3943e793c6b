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
import { lazySession, session } from "../mod.ts";
import { RedisStorage } from "../redis.ts";
import { startRedis } from "../tests/_redis_server.ts";
import { median, timeRounds } from "./_mix_driver.ts";
import { botInfo, idMix } from "./_mix_updates.ts";

interface Data {
  count: number;
  note: string;
}

const CHATS = 200;
const PER_ROUND = Number(Deno.env.get("PER_ROUND") ?? 400);
const ROUNDS = Number(Deno.env.get("ROUNDS") ?? 31);

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
  const list = idMix(updateId + 1, PER_ROUND, CHATS);
  updateId += PER_ROUND;
  return list;
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
}

function contestant(
  name: string,
  make: (client: Redis) => Middleware,
): Contestant {
  const client = countingClient();
  return { name, bot: mixBot(make(client)), client };
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

async function commandStats(): Promise<Map<string, number>> {
  const text = await seeder.info("commandstats");
  const calls = new Map<string, number>();
  for (const match of text.matchAll(/cmdstat_(\w+):calls=(\d+)/g)) {
    calls.set(match[1]!, Number(match[2]));
  }
  return calls;
}

// Three warm-up rounds, each bot on updates of its own; then every bot of a
// timed round handles the same updates, and the order rotates every round.
// The commands each client sends are counted over the timed rounds.
let shared: [round: number, list: Update[]] = [-1, []];
let before = new Map<string, number>();
const { times, cpu, ratios } = await timeRounds({
  contenders: new Map(contestants.map((c) => [c.name, c])),
  baseline: contestants[0]!.name,
  rounds: ROUNDS,
  warmUp: 3,
  order: "rotate",
  updates(round) {
    if (round < 0) return updates();
    if (shared[0] !== round) shared = [round, updates()];
    return shared[1];
  },
  async afterWarmUp() {
    for (const c of contestants) c.client.sent = 0;
    before = await commandStats();
  },
});
const after = await commandStats();
const handled = ROUNDS * PER_ROUND;

const base = median(times.get(contestants[0]!.name)!);
console.log(
  `redis mix 70/20/10, ${CHATS} chats, 200-byte note, ${ROUNDS} rounds of ${PER_ROUND} updates, one at a time`,
);
for (const c of contestants) {
  const us = median(times.get(c.name)!);
  console.log(
    `  ${c.name}: ${us.toFixed(1)} µs/update (${
      (1e6 / us).toFixed(0)
    } updates/s, ${
      median(cpu.get(c.name)!).toFixed(1)
    } µs CPU of this process), ${
      median(ratios.get(c.name)!).toFixed(2)
    }x grammY (median ratio; ${(base / us).toFixed(2)}x of medians), ${
      (c.client.sent / handled).toFixed(3)
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
