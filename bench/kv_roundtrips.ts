// `deno run --config deno.dev.json -A bench/kv_roundtrips.ts`: KV calls per update for each variant,
// over 1,000 updates of the 70/20/10 mix on a file KV.
import { countingKv, makeBot, type Variant } from "./_kv_bench_setup.ts";
import { mix } from "./_mix_updates.ts";

const dir = await Deno.makeTempDir();
try {
  for (const variant of ["grammy", "strict", "lazy"] as Variant[]) {
    const kv = await Deno.openKv(`${dir}/${variant}.kv`);
    try {
      const counts = { reads: 0, writes: 0 };
      const bot = makeBot(variant, countingKv(kv, counts));
      await bot.init();
      const updates = 1000;
      for (let i = 0; i < updates / 10; i++) {
        for (const update of mix()) await bot.handleUpdate(update);
      }
      console.log(
        `${variant.padEnd(6)} reads/update ${
          (counts.reads / updates).toFixed(2)
        }` +
          `  writes/update ${(counts.writes / updates).toFixed(2)}` +
          `  total ${((counts.reads + counts.writes) / updates).toFixed(2)}`,
      );
    } finally {
      kv.close();
    }
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
