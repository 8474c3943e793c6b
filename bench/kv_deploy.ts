// `deno run --config deno.dev.json -A bench/kv_deploy.ts [rounds]`: the 70/20/10 mix over 200
// chats over a KV handle that behaves like a remote one. Assumptions (not
// measurements of Deno Deploy): every read call (get, getMany) takes 5 ms
// more, every write call (commit, set, delete) 25 ms more; the store under
// it is a KV file on tmpfs (`/dev/shm` where there is one) where every chat
// already has a session (a warm-up without latency). Runs 300 updates one
// at a time and 2,000 with 32 in flight (workers pulling the next update),
// five rounds per mode by default, interleaving the variants, and reports
// updates per second (median of the rounds) and how many increments were
// lost. Two baselines:
// grammY's session() alone, and with grammY runner's sequentialize() in
// front (per-chat queues, which a grammY bot needs to lose nothing).
import type { Context } from "grammy";
import type { Bot } from "grammy";
import { type Data, makeBot, slowKv, type Variant } from "./_kv_bench_setup.ts";
import { median } from "./_mix_driver.ts";
import { mixOver } from "./_mix_updates.ts";

const rounds = Number(Deno.args[0] ?? 5);
const latency = { readMs: 5, commitMs: 25 };
const variants: Variant[] = ["grammy", "grammy+seq", "strict", "lazy"];
const modes = [["sequential", 1, 300], ["32 in flight", 32, 2000]] as const;
const tmpfs = await Deno.stat("/dev/shm").then(
  (s) => s.isDirectory,
  () => false,
);
const dir = await Deno.makeTempDir(tmpfs ? { dir: "/dev/shm" } : {});

async function run(
  bot: Bot<Context>,
  updates: ReturnType<typeof mixOver>,
  inFlight: number,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < updates.length) await bot.handleUpdate(updates[next++]!);
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

async function counted(kv: Deno.Kv): Promise<number> {
  let sum = 0;
  for await (const entry of kv.list<Data>({ prefix: ["sessions"] })) {
    if (entry.key.length === 2 && typeof entry.value?.count === "number") {
      sum += entry.value.count;
    }
  }
  return sum;
}

for (const [mode, inFlight, count] of modes) {
  const rates = new Map<Variant, number[]>(variants.map((v) => [v, []]));
  const lost = new Map<Variant, number>(variants.map((v) => [v, 0]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const variant of order) {
      const file = `${dir}/${variant}-${mode.replaceAll(" ", "-")}-${round}.kv`;
      const kv = await Deno.openKv(file);
      try {
        // Warm-up without latency: every chat has a session already.
        const warm = makeBot(variant, kv);
        await warm.init();
        for (const update of mixOver(200, 2000, 99)) {
          await warm.handleUpdate(update);
        }
        const already = await counted(kv);
        const bot = makeBot(variant, slowKv(kv, latency));
        await bot.init();
        const updates = mixOver(200, count, round + 7);
        const writes = updates.filter((u) => u.message?.text === "write");
        const start = performance.now();
        await run(bot, updates, inFlight);
        const seconds = (performance.now() - start) / 1000;
        rates.get(variant)!.push(count / seconds);
        lost.set(
          variant,
          lost.get(variant)! + writes.length - (await counted(kv) - already),
        );
      } finally {
        kv.close();
        await Deno.remove(file);
      }
    }
  }
  const base = median(rates.get("grammy")!);
  const queued = median(rates.get("grammy+seq")!);
  for (const variant of variants) {
    const rate = median(rates.get(variant)!);
    console.log(
      `${mode.padEnd(12)} ${variant.padEnd(10)} ${
        rate.toFixed(0).padStart(5)
      } updates/s  ${(rate / base).toFixed(2)}x grammY  ${
        (rate / queued).toFixed(2)
      }x grammY+sequentialize  lost increments ${lost.get(variant)}`,
    );
  }
}
await Deno.remove(dir, { recursive: true });
