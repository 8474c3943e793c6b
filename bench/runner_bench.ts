// The hot-key workload: batches of 200 updates, 32 in flight over 10 chats,
// each incrementing a counter in its chat's session on a KV file and sending
// a reply. grammY's session() with runner's sequentialize() (the documented
// way to avoid lost updates) is the baseline; ours serialises per key by
// itself. grammY's session() alone is as fast but loses updates; count them
// with `deno run --config deno.dev.json -A bench/lost_updates.ts`.
//
//   deno bench -A bench/runner_bench.ts
import type { Bot } from "grammy";
import {
  handleAll,
  makeBot,
  storedTotal,
  updates,
  type Variant,
  VARIANTS,
} from "./_runner_setup.ts";

const BATCH = 200;

const dir = await Deno.makeTempDir();
const kv = await Deno.openKv(`${dir}/bench.kv`);
globalThis.addEventListener("unload", () => {
  kv.close();
  Deno.removeSync(dir, { recursive: true });
});

const bots = new Map<Variant, Bot>();
const handled = new Map<Variant, number>();
for (const variant of Object.keys(VARIANTS) as Variant[]) {
  const bot = makeBot(variant, kv, variant);
  await bot.init();
  bots.set(variant, bot);
  handled.set(variant, 0);
}

for (const [variant, name] of Object.entries(VARIANTS) as [Variant, string][]) {
  Deno.bench({
    name,
    group: `${BATCH} updates, 32 in flight, 10 chats, KV file`,
    baseline: variant === "grammy+sequentialize",
    warmup: 5,
    n: 30,
    async fn(b) {
      const list = updates(BATCH);
      b.start();
      const failed = await handleAll(bots.get(variant)!, list);
      b.end();
      if (failed > 0) throw new Error(`${variant}: ${failed} updates failed`);
      handled.set(variant, handled.get(variant)! + BATCH);
      // The serialised variants must count every update (not timed).
      if (variant !== "grammy") {
        const stored = await storedTotal(kv, variant, variant);
        const lost = handled.get(variant)! - stored;
        if (lost !== 0) throw new Error(`${variant}: ${lost} updates lost`);
      }
    },
  });
}
