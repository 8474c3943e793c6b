// Runs the hot-key workload of bench/runner_bench.ts once per variant, on a
// fresh KV file each, and prints updates per second and lost updates (handled
// minus counted). grammY's session() alone loses most increments; the
// serialised variants lose none.
//
//   deno run --config deno.dev.json -A bench/lost_updates.ts [UPDATES]
import {
  CHATS,
  handleAll,
  IN_FLIGHT,
  makeBot,
  storedTotal,
  updates,
  type Variant,
  VARIANTS,
} from "./_runner_setup.ts";

const total = Number(Deno.args[0] ?? 2000);
console.log(`${total} updates, ${IN_FLIGHT} in flight, ${CHATS} chats`);
for (const [variant, name] of Object.entries(VARIANTS) as [Variant, string][]) {
  const dir = await Deno.makeTempDir();
  const kv = await Deno.openKv(`${dir}/lost.kv`);
  try {
    const bot = makeBot(variant, kv, "sessions");
    await bot.init();
    const list = updates(total);
    const start = performance.now();
    const failed = await handleAll(bot, list);
    const seconds = (performance.now() - start) / 1000;
    const lost = total - failed - await storedTotal(kv, variant, "sessions");
    console.log(
      `${name}: ${Math.round(total / seconds)} updates/s, ` +
        `${failed} failed, ${lost} lost (${(100 * lost / total).toFixed(1)}%)`,
    );
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
}
