// `taskset -c 1 deno run --config deno.dev.json -A bench/kv_mix.ts [rounds] [dir]`: the 70/20/10 update
// mix over 200 chats on a KV file, grammY's session() over a plain 3-line KV
// adapter against ours (strict and lazy). Rounds interleave the variants
// (the order rotates every round); the figures are the median of the
// per-round ratios to grammY's time, and medians of per-round times per
// update, after three rounds that are not counted. Also counts KV operations per update (in rounds of
// their own, not timed). `VARIANTS=grammy,strict,lazy,minimal,minimal-lazy`
// adds the hand-written floors (the least a checked session can do) to the
// same run; grammY must stay in the list, as the baseline.
import { countingKv, makeBot, type Variant } from "./_kv_bench_setup.ts";
import {
  median,
  opsPerUpdate,
  prepare,
  timeSeededRounds,
} from "./_mix_driver.ts";

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
  const kvs: Deno.Kv[] = [];
  const contenders = await prepare(variants, async (variant) => {
    const kv = await Deno.openKv(`${dir}/${variant}.kv`);
    kvs.push(kv);
    // Timed rounds run on the plain handle; KV calls are counted on a second
    // bot over a counting handle, in rounds of their own, so that counting
    // costs nothing in the timings.
    const count = { reads: 0, writes: 0 };
    return {
      bot: makeBot(variant, kv),
      counted: makeBot(variant, countingKv(kv, count)),
      count: () => count.reads + count.writes,
    };
  });
  const { times, ratios } = await timeSeededRounds(
    contenders,
    "grammy",
    rounds,
    perRound,
  );
  const ops = await opsPerUpdate(contenders, perRound);
  // The median of the per-round ratios against grammY's time in the same
  // round (the figure the targets use), and in brackets grammY's median time
  // over this variant's.
  const base = median(times.get("grammy")!);
  for (const variant of variants) {
    const t = median(times.get(variant)!);
    const ratio = median(ratios.get(variant)!);
    console.log(
      `${variant.padEnd(12)} ${t.toFixed(1).padStart(6)} µs/update  ` +
        `${ratio.toFixed(2)}x grammY (of medians ${(base / t).toFixed(2)}x)  ` +
        `KV ops/update ${ops.get(variant)!.toFixed(2)}`,
    );
  }
  for (const kv of kvs) kv.close();
} finally {
  await Deno.remove(dir, { recursive: true });
}
