// `taskset -c 1 deno run --config deno.dev.json -A bench/kv_kinds.ts [rounds] [memory]`: the cost of
// each kind of update (untouched, read, changed) for grammY's session() over a
// plain KV adapter and for ours, on a file KV (or `:memory:`). Medians of
// interleaved rounds, µs per update. `VARIANTS=grammy,strict,minimal` picks
// the bots (`minimal`: the least a checked session can do, hand-written);
// `KINDS=untouched,read` the kinds.
import type { Bot, Context } from "grammy";
import { makeBot, type Variant } from "./_kv_bench_setup.ts";
import { median } from "./_mix_driver.ts";
import { mixOver } from "./_mix_updates.ts";

const rounds = Number(Deno.args[0] ?? 11);
const memory = Deno.args[1] === "memory";
const perRound = 500;
const variants = (Deno.env.get("VARIANTS")?.split(",") ??
  ["grammy", "strict", "lazy"]) as Variant[];
const only = Deno.env.get("KINDS")?.split(",");
const allKinds = {
  untouched: "hello",
  read: "read",
  changed: "write",
} as const;
const kinds = Object.fromEntries(
  Object.entries(allKinds).filter(([k]) =>
    only === undefined || only.includes(k)
  ),
);
const dir = await Deno.makeTempDir();
const bots = new Map<Variant, Bot<Context>>();
const kvs: Deno.Kv[] = [];
for (const variant of variants) {
  const kv = await Deno.openKv(memory ? ":memory:" : `${dir}/${variant}.kv`);
  kvs.push(kv);
  const bot = makeBot(variant, kv);
  await bot.init();
  for (const update of mixOver(200, 2000, 99)) await bot.handleUpdate(update);
  bots.set(variant, bot);
}
function updatesOf(text: string, seed: number) {
  const updates = mixOver(200, perRound, seed);
  for (const update of updates) update.message!.text = text;
  return updates;
}
const times = new Map<string, number[]>();
for (let round = 0; round < rounds; round++) {
  for (const [kind, text] of Object.entries(kinds)) {
    const order = round % 2 ? [...variants].reverse() : variants;
    for (const variant of order) {
      const updates = updatesOf(text, round + 1);
      const bot = bots.get(variant)!;
      const start = performance.now();
      for (const update of updates) await bot.handleUpdate(update);
      const name = `${kind} ${variant}`;
      if (!times.has(name)) times.set(name, []);
      times.get(name)!.push((performance.now() - start) * 1000 / perRound);
    }
  }
}
for (const [name, list] of times) {
  console.log(`${name.padEnd(18)} ${median(list).toFixed(1).padStart(7)} µs`);
}
for (const kv of kvs) kv.close();
await Deno.remove(dir, { recursive: true });
