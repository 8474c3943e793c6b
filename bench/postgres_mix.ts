// `taskset -c 1 deno run --config deno.dev.json -A bench/postgres_mix.ts
// [rounds]`: the 70/20/10 update mix
// (BENCHMARKS.md) over 200 chats, each with a session `{ count, note }`
// (a 200-character note), on a real PostgreSQL 15 started for the run on
// core 0 while this process runs on core 1 (run it under `taskset -c 1`).
// grammY's session() over @grammyjs/storage-psql with a pg Pool is the
// baseline, in the same run; ours: strict and lazy sessions over
// PostgresStorage on a pg Pool, with prepared statements (the default) and
// without (`prepare: false`). Rounds interleave the variants (the order
// rotates); figures are medians of per-round times, after 3 rounds not
// counted. SQL statements per update are counted by wrapping the pool, in
// rounds of their own (not timed).
import { Bot, type Context, session as grammySession } from "grammy";
import { PsqlAdapter } from "@grammyjs/storage-psql";
import pg from "pg";
import { lazySession, session, type StorageAdapter } from "../mod.ts";
import { PostgresStorage } from "../postgres.ts";
import {
  median,
  opsPerUpdate,
  prepare,
  timeSeededRounds,
} from "./_mix_driver.ts";
import { botInfo } from "./_mix_updates.ts";
import { startPostgres } from "../tests/_postgres_server.ts";

type Data = { count: number; note: string };
type Variant =
  | "grammy"
  | "strict"
  | "lazy"
  | "strict-unprepared"
  | "lazy-unprepared";

const rounds = Number(Deno.args[0] ?? 15);
const perRound = 1000;
const variants: Variant[] = [
  "grammy",
  "strict",
  "lazy",
  "strict-unprepared",
  "lazy-unprepared",
];
const note = "n".repeat(200);
const initial = (): Data => ({ count: 0, note });

/** A pool that counts the statements sent through it. */
function counting(pool: pg.Pool, count: { statements: number }): pg.Pool {
  return new Proxy(pool, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (property !== "query") return value;
      return (...args: unknown[]) => {
        count.statements++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

async function storageFor(
  variant: Variant,
  pool: pg.Pool,
): Promise<StorageAdapter<Data>> {
  if (variant === "grammy") {
    return await PsqlAdapter.create({
      tableName: "grammy_sessions",
      client: pool,
    }) as unknown as StorageAdapter<Data>;
  }
  return await PostgresStorage.create<Data>(pool, {
    table: `${variant.replace("-", "_")}_sessions`,
    prepare: !variant.endsWith("unprepared"),
  });
}

function makeBot(variant: Variant, storage: StorageAdapter<Data>): Bot {
  const lazy = variant.startsWith("lazy");
  const bot = new Bot<Context>("dummy", { botInfo });
  if (variant === "grammy") {
    // deno-lint-ignore no-explicit-any
    bot.use(grammySession({ initial, storage }) as any);
  } else if (lazy) {
    // deno-lint-ignore no-explicit-any
    bot.use(lazySession({ initial, storage }) as any);
  } else {
    // deno-lint-ignore no-explicit-any
    bot.use(session({ initial, storage }) as any);
  }
  bot.on("message:text", async (ctx, next) => {
    const text = ctx.msg.text;
    if (text !== "read" && text !== "write") return next();
    // deno-lint-ignore no-explicit-any
    const c = ctx as any;
    const data: Data = lazy ? await c.session : c.session;
    if (text === "write") data.count++;
    else if (data.count < 0) throw new Error("impossible");
  });
  return bot;
}

const server = await startPostgres(undefined, { cpus: "0" });
const pools: pg.Pool[] = [];
try {
  const contenders = await prepare(variants, async (variant) => {
    const pool = new pg.Pool({ connectionString: server.url, max: 2 });
    pool.on("error", () => {}); // idle connections end with the server
    pools.push(pool);
    const storage = await storageFor(variant, pool);
    const count = { statements: 0 };
    const countedStorage = await storageFor(variant, counting(pool, count));
    for (let chat = 1000; chat < 1200; chat++) {
      await storage.write(`${chat}`, initial());
    }
    return {
      bot: makeBot(variant, storage),
      counted: makeBot(variant, countedStorage),
      count: () => count.statements,
    };
  });
  const { times, ratios } = await timeSeededRounds(
    contenders,
    "grammy",
    rounds,
    perRound,
  );
  const perUpdate = await opsPerUpdate(contenders, perRound);
  // The median of per-round ratios against grammY's time in the same round.
  for (const variant of variants) {
    const mine = times.get(variant)!;
    const ratio = median(ratios.get(variant)!);
    console.log(
      `${variant.padEnd(18)} ${
        median(mine).toFixed(0).padStart(5)
      } µs/update  ` +
        `${ratio.toFixed(2)}x grammY  ` +
        `statements/update ${perUpdate.get(variant)!.toFixed(2)}`,
    );
  }
} finally {
  for (const pool of pools) await pool.end();
  await server.stop();
}
