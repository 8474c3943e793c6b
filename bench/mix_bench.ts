// Per-update cost of the strict session on the default memory store under a
// realistic mix, against grammY's built-in `session()` in the same process:
// a session of a count and the last 20 update ids, 200 chats, and handlers
// that leave the session untouched (70%), read it (20%) or change it (10%).
// A second pair runs the tight loop where every update increments a counter.
// Rounds alternate between the bots (each on its own Context subclass); the
// medians are compared.
//
//   taskset -c 1 deno run --config deno.dev.json -A bench/mix_bench.ts [path/to/other/mod.ts ...]
//
// Env: ROUNDS (default 201), PER_ROUND updates per round (400), ONLY,
// CLOCK=wall for wall time instead of process CPU time.
//
// Extra arguments add other copies of the module (for example an older
// checkout: `git archive REV mod.ts src | tar -x -C /tmp/old`) to the same
// rounds, against the same grammY baseline.
import { Bot, Context, session as grammySession } from "grammy";
import { cpuUsage } from "node:process";
import { botInfo, idMix } from "./_mix_updates.ts";

interface Recent {
  count: number;
  ids: number[];
}

type Module = typeof import("../mod.ts");
const contestants: [string, Module][] = [["ours", await import("../mod.ts")]];
for (const path of Deno.args) {
  const url = new URL(path, `file://${Deno.cwd()}/`).href;
  contestants.push([path, await import(url)]);
}

const CHATS = 200;
// ONLY=untouched|read|changed runs one kind of update (for a breakdown).
const ONLY = { untouched: 0, read: 7, changed: 9 }[
  Deno.env.get("ONLY") as "untouched" | "read" | "changed"
];
const PER_ROUND = Number(Deno.env.get("PER_ROUND") ?? 400);

type C = Context & { session: Recent };
// deno-lint-ignore no-explicit-any
type Middleware = (ctx: any, next: () => Promise<void>) => unknown;

function newBot(): Bot<C> {
  // Its own Context class: copies of the module do not share accessors.
  return new Bot<C>("0:bench", {
    botInfo,
    ContextConstructor: class extends Context {} as unknown as new (
      ...args: ConstructorParameters<typeof Context>
    ) => C,
  });
}

function mixBot(middleware: Middleware): Bot<C> {
  const bot = newBot();
  bot.use(middleware);
  bot.on("message", (ctx) => {
    const kind = ONLY ?? ctx.update.update_id % 10;
    if (kind < 7) return; // untouched
    if (kind < 9) {
      if (ctx.session.count < 0) throw new Error("unreachable");
      return;
    }
    const session = ctx.session;
    session.count++;
    session.ids.push(ctx.update.update_id);
    if (session.ids.length > 20) session.ids.shift();
  });
  return bot;
}

function incrementBot(middleware: Middleware): Bot<C> {
  const bot = newBot();
  bot.use(middleware);
  bot.on("message", (ctx) => void ctx.session.count++);
  return bot;
}

const initial = (): Recent => ({ count: 0, ids: [] });
const list = idMix(0, PER_ROUND, CHATS);

// CPU time of this process, in µs: on a shared machine it leaves out the
// time other processes had the core (wall time is used with CLOCK=wall).
const wall = Deno.env.get("CLOCK") === "wall";
function now(): number {
  if (wall) return performance.now() * 1000;
  const { user, system } = cpuUsage();
  return user + system;
}

async function round(bot: Bot<C>): Promise<number> {
  const start = now();
  for (const update of list) await bot.handleUpdate(update);
  return (now() - start) / list.length; // µs per update
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function compare(
  name: string,
  make: (middleware: Middleware) => Bot<C>,
  rounds: number,
): Promise<void> {
  const bots: [string, Bot<C>][] = [
    ["grammY", make(grammySession({ initial }) as Middleware)],
    ...contestants.map(([label, mod]): [string, Bot<C>] => [
      label,
      make(mod.session({ initial }) as Middleware),
    ]),
  ];
  // Warm up: fill every chat's 20 ids and let the JIT settle.
  for (let i = 0; i < 5; i++) {
    for (const [, bot] of bots) await round(bot);
  }
  const times: number[][] = bots.map(() => []);
  for (let i = 0; i < rounds; i++) {
    for (let k = 0; k < bots.length; k++) {
      const which = (i + k) % bots.length;
      times[which]!.push(await round(bots[which]![1]));
    }
  }
  const base = median(times[0]!);
  console.log(`${name}: grammY ${base.toFixed(2)} µs/update`);
  for (let k = 1; k < bots.length; k++) {
    const mine = median(times[k]!);
    console.log(
      `  ${bots[k]![0]}: ${mine.toFixed(2)} µs/update, ${
        (mine / base).toFixed(2)
      }x grammY (median of ${rounds} rounds)`,
    );
  }
}

const rounds = Number(Deno.env.get("ROUNDS") ?? 201);
await compare("mix 70/20/10", mixBot, rounds);
await compare("increment only", incrementBot, rounds);
