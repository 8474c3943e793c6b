// `taskset -c 1 deno run -A bench/kv_mix.ts [rounds] [dir]`: the 70/20/10 update
// mix over 200 chats on a KV file, grammY's session() over a plain 3-line KV
// adapter against ours (strict and lazy). Rounds interleave the variants;
// the figures are medians of per-round times per update, after three rounds
// that are not counted. Also counts KV operations per update (in rounds of
// their own, not timed). `VARIANTS=grammy,strict,lazy,minimal,minimal-lazy`
// adds the hand-written floors (the least a checked session can do) to the
// same run; grammY must stay in the list, as the baseline.
import {
  countingKv,
  makeBot,
  median,
  mixOver,
  type Variant,
} from "./_kv_bench_setup.ts";

const rounds = Number(Deno.args[0] ?? 15);
const perRound = 1000;
const variants = (Deno.env.get("VARIANTS")?.split(",") ??
  ["grammy", "strict", "lazy"]) as Variant[];
if (!variants.includes("grammy")) throw new Error("VARIANTS needs grammy");
// An optional second argument is the directory of the KV files (for
// example /dev/shm, a tmpfs, where a commit costs no fsync).
const dir = await Deno.makeTempDir(
  Deno.args[1] === undefined ? {} : { dir: Deno.args[1] },
);
try {
  const kvs = new Map<Variant, Deno.Kv>();
  const bots = new Map<Variant, ReturnType<typeof makeBot>>();
  const counting = new Map<Variant, ReturnType<typeof makeBot>>();
  const counts = new Map<Variant, { reads: number; writes: number }>();
  for (const variant of variants) {
    const kv = await Deno.openKv(`${dir}/${variant}.kv`);
    // Timed rounds run on the plain handle; KV calls are counted on a second
    // bot over a counting handle, in rounds of their own, so that counting
    // costs nothing in the timings.
    const count = { reads: 0, writes: 0 };
    const bot = makeBot(variant, kv);
    const counted = makeBot(variant, countingKv(kv, count));
    await bot.init();
    await counted.init();
    // Warm-up: every chat has a session before timing starts.
    for (const update of mixOver(200, 2000, 99)) await bot.handleUpdate(update);
    kvs.set(variant, kv);
    counts.set(variant, count);
    bots.set(variant, bot);
    counting.set(variant, counted);
  }
  const times = new Map<Variant, number[]>(variants.map((v) => [v, []]));
  // The first rounds of a process run slower for every variant (compiling,
  // caches, the KV files): they are run like the others, and not counted.
  const warmUp = 3;
  for (let round = -warmUp; round < rounds; round++) {
    const order = (round + warmUp) % 2 === 0
      ? variants
      : [...variants].reverse();
    for (const variant of order) {
      const updates = mixOver(200, perRound, round + 1 + warmUp);
      const bot = bots.get(variant)!;
      const start = performance.now();
      for (const update of updates) await bot.handleUpdate(update);
      const micros = (performance.now() - start) * 1000 / perRound;
      if (round >= 0) times.get(variant)!.push(micros);
    }
  }
  const ops = new Map<Variant, number>();
  for (const variant of variants) {
    const bot = counting.get(variant)!;
    const count = counts.get(variant)!;
    // One round to warm this bot's caches, one counted.
    for (const update of mixOver(200, perRound, 101)) {
      await bot.handleUpdate(update);
    }
    const before = count.reads + count.writes;
    for (const update of mixOver(200, perRound, 102)) {
      await bot.handleUpdate(update);
    }
    ops.set(variant, (count.reads + count.writes - before) / perRound);
  }
  const base = median(times.get("grammy")!);
  for (const variant of variants) {
    const t = median(times.get(variant)!);
    console.log(
      `${variant.padEnd(12)} ${t.toFixed(1).padStart(6)} µs/update  ` +
        `${(base / t).toFixed(2)}x grammY  ` +
        `KV ops/update ${ops.get(variant)!.toFixed(2)}`,
    );
  }
  for (const kv of kvs.values()) kv.close();
} finally {
  await Deno.remove(dir, { recursive: true });
}
