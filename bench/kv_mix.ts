// `taskset -c 1 deno run -A bench/kv_mix.ts [rounds] [dir]`: the 70/20/10 update
// mix over 200 chats on a KV file, grammY's session() over a plain 3-line KV
// adapter against ours (strict and lazy). Rounds interleave the variants;
// the figures are medians of per-round times per update. Also counts KV
// operations per update.
import {
  countingKv,
  makeBot,
  median,
  mixOver,
  type Variant,
} from "./_kv_bench_setup.ts";

const rounds = Number(Deno.args[0] ?? 15);
const perRound = 1000;
const variants: Variant[] = ["grammy", "strict", "lazy"];
// An optional second argument is the directory of the KV files (for
// example /dev/shm, a tmpfs, where a commit costs no fsync).
const dir = await Deno.makeTempDir(
  Deno.args[1] === undefined ? {} : { dir: Deno.args[1] },
);
try {
  const kvs = new Map<Variant, Deno.Kv>();
  const counts = new Map<Variant, { reads: number; writes: number }>();
  const bots = new Map<Variant, ReturnType<typeof makeBot>>();
  for (const variant of variants) {
    const kv = await Deno.openKv(`${dir}/${variant}.kv`);
    const count = { reads: 0, writes: 0 };
    const bot = makeBot(variant, countingKv(kv, count));
    await bot.init();
    // Warm-up: every chat has a session before timing starts.
    for (const update of mixOver(200, 2000, 99)) await bot.handleUpdate(update);
    kvs.set(variant, kv);
    counts.set(variant, count);
    bots.set(variant, bot);
  }
  const times = new Map<Variant, number[]>(variants.map((v) => [v, []]));
  const ops = new Map<Variant, number[]>(variants.map((v) => [v, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const variant of order) {
      const updates = mixOver(200, perRound, round + 1);
      const count = counts.get(variant)!;
      const before = count.reads + count.writes;
      const bot = bots.get(variant)!;
      const start = performance.now();
      for (const update of updates) await bot.handleUpdate(update);
      const micros = (performance.now() - start) * 1000 / perRound;
      times.get(variant)!.push(micros);
      ops.get(variant)!.push((count.reads + count.writes - before) / perRound);
    }
  }
  const base = median(times.get("grammy")!);
  for (const variant of variants) {
    const t = median(times.get(variant)!);
    console.log(
      `${variant.padEnd(6)} ${t.toFixed(1).padStart(6)} µs/update  ` +
        `${(base / t).toFixed(2)}x grammY  ` +
        `KV ops/update ${median(ops.get(variant)!).toFixed(2)}`,
    );
  }
  for (const kv of kvs.values()) kv.close();
} finally {
  await Deno.remove(dir, { recursive: true });
}
