// `deno run --config deno.dev.json -A bench/kv_deploy_model.ts [rounds]`: what per-chat order costs
// at the latencies of `kv_deploy.ts`, with no session code at all. The same
// mix of updates (32 in flight, 1,000 updates over 200 chats) is "handled" by
// timers only: a read waits 5 ms, a write 25 ms more, and updates of one chat
// wait for each other where the variant keeps per-chat order. The ratios are
// the ceiling any per-chat-ordered session reaches on this load.
//
// - grammy: no order; every update reads, touched ones also write.
// - grammy+seq: the same behind a per-chat queue (runner's sequentialize()).
// - strict: per-chat order; every update reads, only changed ones write.
// - lazy: per-chat order for touched updates; untouched ones do nothing.
// - +handover: a queued update that follows another skips its read.
import { median } from "./_mix_driver.ts";
import { mixOver } from "./_mix_updates.ts";

const READ_MS = 5;
const COMMIT_MS = 25;
const rounds = Number(Deno.args[0] ?? 5);
const variants = [
  "grammy",
  "grammy+seq",
  "strict",
  "strict+handover",
  "lazy",
  "lazy+handover",
] as const;
type Variant = typeof variants[number];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function run(variant: Variant, seed: number): Promise<number> {
  const updates = mixOver(200, 1000, seed);
  const ordered = variant !== "grammy";
  const handOver = variant.endsWith("+handover");
  const tails = new Map<number, Promise<void>>();
  let next = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (next < updates.length) {
      const { chat, text } = updates[next++]!.message!;
      const touched = text === "read" || text === "write";
      if (variant.startsWith("lazy") && !touched) continue;
      const grammy = variant.startsWith("grammy");
      const writes = text === "write" || (grammy && touched);
      const before = ordered ? tails.get(chat.id) : undefined;
      let done!: () => void;
      const mine = new Promise<void>((resolve) => done = resolve);
      if (ordered) tails.set(chat.id, mine);
      if (before !== undefined) await before;
      if (before === undefined || !handOver) await sleep(READ_MS);
      if (writes) await sleep(COMMIT_MS);
      done();
      if (tails.get(chat.id) === mine) tails.delete(chat.id);
    }
  }));
  return 1000 / (performance.now() - start) * 1000;
}

const rates = new Map<Variant, number[]>(variants.map((v) => [v, []]));
for (let round = 0; round < rounds; round++) {
  for (const variant of variants) {
    rates.get(variant)!.push(await run(variant, round + 7));
  }
}
const base = median(rates.get("grammy")!);
for (const variant of variants) {
  const rate = median(rates.get(variant)!);
  console.log(
    `${variant.padEnd(16)} ${rate.toFixed(0).padStart(5)} updates/s  ${
      (rate / base).toFixed(2)
    }x grammY`,
  );
}
