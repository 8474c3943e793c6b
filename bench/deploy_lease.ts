// The cost of the cross-instance lease at Deno Deploy latency:
//
//   taskset -c 1 deno run --config deno.dev.json -A bench/deploy_lease.ts [rounds]
//
// Assumptions (stated in the README): a KV read (get, getMany, list) takes
// 5 ms and a commit (atomic, set, delete) 25 ms, the rest of KV is a local
// file; the latency is added by a wrapper, so CPU time is real. Two loads:
// - the 70/20/10 mix over 10 chats (7 of 10 updates never touch the
//   session, 2 read it, 1 changes it), sequential and 32 in flight: KV
//   calls per update and updates per second, lease vs none, strict and lazy;
// - a hot chat: two instances (two stores on one KV, as two isolates) share
//   one chat, 16 updates in flight each, every update increments: counted,
//   conflicts, and updates per second, lease vs none.
// Rounds are interleaved; the figures are medians over rounds.
import { Bot, BotError, type Context } from "grammy";
import {
  lazySession,
  session,
  SessionConflictError,
  type StorageAdapter,
} from "../mod.ts";
import { DenoKvStorage } from "../kv.ts";
import {
  countingKv,
  type Counts,
  type Data,
  slowKv,
} from "./_kv_bench_setup.ts";
import { median } from "./_mix_driver.ts";
import { botInfo, mix } from "./_mix_updates.ts";

const READ_MS = 5;
const COMMIT_MS = 25;

/** A KV handle with Deploy's latency that counts reads and commits. */
function deployKv(kv: Deno.Kv, counts: Counts): Deno.Kv {
  return countingKv(
    slowKv(kv, { readMs: READ_MS, commitMs: COMMIT_MS }),
    counts,
  );
}

type Variant = "strict" | "strict+lease" | "lazy" | "lazy+lease";
const VARIANTS: Variant[] = ["strict", "strict+lease", "lazy", "lazy+lease"];

function makeBot(variant: Variant, storage: StorageAdapter<Data>): Bot {
  const initial = (): Data => ({ count: 0, history: [] });
  if (variant.startsWith("lazy")) {
    const bot = new Bot<Context & { session: Promise<Data> }>("x", {
      botInfo,
    });
    bot.use(lazySession({ initial, storage }));
    bot.hears("read", async (ctx) => void (await ctx.session).count);
    bot.hears(/write|\+1/, async (ctx) => void (await ctx.session).count++);
    return bot as unknown as Bot;
  }
  const bot = new Bot<Context & { session: Data }>("x", { botInfo });
  bot.use(session({ initial, storage }));
  bot.hears("read", (ctx) => void ctx.session.count);
  bot.hears(/write|\+1/, (ctx) => void ctx.session.count++);
  return bot as unknown as Bot;
}

async function feed(
  bot: Bot,
  updates: Parameters<Bot["handleUpdate"]>[0][],
  inFlight: number,
): Promise<{ conflicts: number }> {
  let next = 0;
  let conflicts = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < updates.length) {
      await bot.handleUpdate(updates[next++]!).catch((error) => {
        const cause = error instanceof BotError ? error.error : error;
        if (cause instanceof SessionConflictError) conflicts++;
        else throw cause;
      });
    }
  }));
  return { conflicts };
}

const rounds = Number(Deno.args[0] ?? 3);
const dir = await Deno.makeTempDir();
const mixResults = new Map<string, { rate: number[]; calls: Counts }>();
const hotResults = new Map<string, { rate: number[]; conflicts: number[] }>();
try {
  for (let round = 0; round < rounds; round++) {
    for (const inFlight of [1, 32]) {
      for (const variant of VARIANTS) {
        const kv = await Deno.openKv(
          `${dir}/${variant}-${round}-${inFlight}.kv`,
        );
        const counts: Counts = { reads: 0, writes: 0 };
        const storage = new DenoKvStorage<Data>(deployKv(kv, counts), {
          lease: variant.endsWith("lease"),
        });
        const bot = makeBot(variant, storage);
        const updates = Array.from(
          { length: inFlight === 1 ? 10 : 30 },
          () => mix(),
        ).flat();
        const started = performance.now();
        await feed(bot, updates, inFlight);
        const rate = updates.length / (performance.now() - started) * 1000;
        kv.close();
        const name = `${variant}, ${inFlight} in flight`;
        const entry = mixResults.get(name) ??
          { rate: [], calls: { reads: 0, writes: 0 } };
        entry.rate.push(rate);
        entry.calls = {
          reads: counts.reads / updates.length,
          writes: counts.writes / updates.length,
        };
        mixResults.set(name, entry);
      }
    }
    for (const variant of ["strict", "strict+lease"] as const) {
      const kv = await Deno.openKv(`${dir}/hot-${variant}-${round}.kv`);
      const counts: Counts = { reads: 0, writes: 0 };
      const instances = [0, 1].map(() =>
        makeBot(
          variant,
          new DenoKvStorage<Data>(deployKv(kv, counts), {
            lease: variant.endsWith("lease"),
          }),
        )
      );
      const hot = (i: number) => ({
        update_id: i,
        message: {
          message_id: i,
          date: 0,
          chat: { id: 1, type: "private" as const, first_name: "Hot" },
          from: { id: 1, is_bot: false, first_name: "Hot" },
          text: "+1",
        },
      });
      const started = performance.now();
      const results = await Promise.all(
        instances.map((bot, b) =>
          feed(bot, Array.from({ length: 40 }, (_, i) => hot(b * 100 + i)), 16)
        ),
      );
      const rate = 80 / (performance.now() - started) * 1000;
      kv.close();
      const entry = hotResults.get(variant) ?? { rate: [], conflicts: [] };
      entry.rate.push(rate);
      entry.conflicts.push(results[0]!.conflicts + results[1]!.conflicts);
      hotResults.set(variant, entry);
    }
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}

console.log(
  `Deploy latency (read ${READ_MS} ms, commit ${COMMIT_MS} ms), medians of ${rounds} rounds`,
);
console.log("70/20/10 mix over 10 chats:");
for (const [name, { rate, calls }] of mixResults) {
  const base = mixResults.get(name.replace("+lease", ""))!;
  console.log(
    `  ${name.padEnd(26)} reads/update ${
      calls.reads.toFixed(2)
    }  commits/update ${calls.writes.toFixed(2)}  ${
      median(rate).toFixed(1)
    } updates/s (${
      (median(rate) / median(base.rate)).toFixed(2)
    }x of no lease)`,
  );
}
console.log("one hot chat, two instances, 16 in flight each, 80 increments:");
for (const [name, { rate, conflicts }] of hotResults) {
  console.log(
    `  ${name.padEnd(26)} conflicts ${median(conflicts)}  ${
      median(rate).toFixed(1)
    } updates/s, of which ${
      (median(rate) * (80 - median(conflicts)) / 80).toFixed(1)
    }/s counted at the first attempt`,
  );
}
