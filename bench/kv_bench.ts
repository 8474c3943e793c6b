// `deno bench -A bench/kv_bench.ts`: grammY's built-in session over a plain KV
// adapter (what @grammyjs/storage-denokv does) against ours, on a file KV.
import { DenoKvStorage } from "../kv.ts";
import { makeBot, type Variant } from "./_kv_bench_setup.ts";
import { mix } from "./_mix_updates.ts";

const dir = await Deno.makeTempDir();
const kv = await Deno.openKv(`${dir}/bench.kv`);
globalThis.addEventListener("unload", () => {
  kv.close();
  Deno.removeSync(dir, { recursive: true });
});

const bots = Object.fromEntries(
  (["grammy", "strict", "lazy"] as Variant[]).map((v) => [v, makeBot(v, kv)]),
);
for (const bot of Object.values(bots)) await bot.init();

for (
  const [variant, name] of [
    ["grammy", "grammY session() + plain KV adapter"],
    ["strict", "our session() + DenoKvStorage"],
    ["lazy", "our lazySession() + DenoKvStorage"],
  ] as const
) {
  Deno.bench({
    name,
    group: "10 updates (7 no session, 2 read, 1 change)",
    baseline: variant === "grammy",
    async fn() {
      const bot = bots[variant]!;
      for (const update of mix()) await bot.handleUpdate(update);
    },
  });
}

const MiB = 1024 * 1024;
const big = new Uint8Array(MiB).map((_, i) => i % 251);
const storage = new DenoKvStorage<Uint8Array>(kv, { prefix: ["big"] });
Deno.bench({
  name: "16 raw kv.set calls of 64 KiB, then getMany",
  group: "1 MiB session: write + read",
  baseline: true,
  async fn() {
    await Promise.all(
      Array.from(
        { length: 16 },
        (_, i) => kv.set(["raw", i], big.subarray(i * 65536, (i + 1) * 65536)),
      ),
    );
    const keys = Array.from({ length: 16 }, (_, i) => ["raw", i]);
    await Promise.all([
      kv.getMany(keys.slice(0, 10)),
      kv.getMany(keys.slice(10)),
    ]);
  },
});
Deno.bench({
  name: "DenoKvStorage write + read",
  group: "1 MiB session: write + read",
  async fn() {
    await storage.write("s", big);
    await storage.read("s");
  },
});
