// `taskset -c 1 deno run --config deno.dev.json -A bench/kv_costs.ts [rounds]`: what one KV call costs
// against what our store's read and write cost, on a file KV, per call. Rounds
// interleave the cases; the figures are medians.
import { DenoKvStorage } from "../kv.ts";
import { median } from "./_mix_driver.ts";

const rounds = Number(Deno.args[0] ?? 15);
const perRound = 300;
const value = {
  count: 1,
  history: Array.from({ length: 8 }, (_, i) => `update ${i}`),
};
const dir = await Deno.makeTempDir();
const kv = await Deno.openKv(
  Deno.args[1] === "memory" ? ":memory:" : `${dir}/costs.kv`,
);
const store = new DenoKvStorage<typeof value>(kv, { prefix: ["ours"] });
const keys = Array.from({ length: 50 }, (_, i) => `chat${i}`);
for (const key of keys) {
  await kv.set(["raw", key], value);
  await store.write(key, value);
}
let n = 0;
const next = () => keys[n++ % keys.length]!;
const cases: Record<string, () => Promise<unknown>> = {
  "kv.get": () => kv.get(["raw", next()]),
  "kv.getMany 1 key": () => kv.getMany([["raw", next()]]),
  "store.readWithVersion": () => store.readWithVersion(next()),
  "kv.set": () => kv.set(["raw", next()], value),
  "atomic set": () => kv.atomic().set(["raw", next()], value).commit(),
  "atomic check head + set": async () => {
    const k = ["raw", next()];
    const e = await kv.get(k);
    return kv.atomic().check(e).set(k, value).commit();
  },
  "atomic 2 checks + set (after get)": async () => {
    const k = ["raw", next()];
    const e = await kv.get(k);
    return kv.atomic().check(e, { key: [...k, "~p"], versionstamp: null })
      .set(k, value).commit();
  },
  "get + set": async () => {
    const k = ["raw", next()];
    await kv.get(k);
    return kv.set(k, value);
  },
  "store.write": () => store.write(next(), value),
  "store.readWithVersion + compareAndSet": async () => {
    const key = next();
    const { version } = await store.readWithVersion(key);
    return store.compareAndSet(key, version, value);
  },
};
const times: Record<string, number[]> = {};
for (let r = 0; r < rounds; r++) {
  const names = Object.keys(cases);
  if (r % 2) names.reverse();
  for (const name of names) {
    const fn = cases[name]!;
    const start = performance.now();
    for (let i = 0; i < perRound; i++) await fn();
    (times[name] ??= []).push((performance.now() - start) * 1000 / perRound);
  }
}
for (const [name, list] of Object.entries(times)) {
  console.log(`${name.padEnd(40)} ${median(list).toFixed(1).padStart(7)} µs`);
}
kv.close();
await Deno.remove(dir, { recursive: true });
