// `taskset -c 1 deno run -A bench/kv_large.ts [rounds] [object]`: a 1 MiB
// session written and read through DenoKvStorage against raw chunked KV
// calls on the same bytes (its V8 serialisation split into 64 KiB values,
// every `kv.set` in flight at once, then `getMany` batches of 10 in
// parallel), on a KV file. Rounds interleave the two; figures are medians,
// of the whole and of the write and the read apart.
//
// The session is a 1 MiB Uint8Array. With `object` it is an object of 20,000
// small records (about 0.8 MiB serialised), and the raw side also serialises
// before and deserialises after, as any store of such a value must.
import { deserialize, serialize } from "node:v8";
import { DenoKvStorage } from "../kv.ts";
import { median } from "./_kv_bench_setup.ts";

const rounds = Number(Deno.args[0] ?? 21);
const MiB = 1024 * 1024;
const CHUNK = 65_536;
const object = Deno.args[1] === "object";
const big: unknown = object
  ? {
    history: Array.from({ length: 20_000 }, (_, i) => ({
      id: i,
      text: `message number ${i}`,
    })),
  }
  : new Uint8Array(MiB).map((_, i) => i % 251);
const bytes = serialize(big);
const serializedOnce = bytes;
const count = Math.ceil(bytes.byteLength / CHUNK);
const dir = await Deno.makeTempDir();
const kv = await Deno.openKv(`${dir}/large.kv`);
try {
  const storage = new DenoKvStorage<unknown>(kv);
  // Each side is a write then a read; both parts are timed.
  const raw = async (): Promise<[number, number]> => {
    const start = performance.now();
    const bytes = object ? serialize(big) : serializedOnce;
    await Promise.all(
      Array.from(
        { length: count },
        (_, i) =>
          kv.set(["raw", i], bytes.subarray(i * CHUNK, (i + 1) * CHUNK)),
      ),
    );
    const written = performance.now();
    const keys = Array.from({ length: count }, (_, i) => ["raw", i]);
    const batches = [];
    for (let i = 0; i < count; i += 10) {
      batches.push(kv.getMany(keys.slice(i, i + 10)));
    }
    const read = (await Promise.all(batches)).flat();
    if (object) {
      const joined = new Uint8Array(bytes.byteLength);
      let offset = 0;
      for (const entry of read) {
        joined.set(entry.value as Uint8Array, offset);
        offset += (entry.value as Uint8Array).byteLength;
      }
      deserialize(joined);
    }
    return [written - start, performance.now() - written];
  };
  const ours = async (): Promise<[number, number]> => {
    const start = performance.now();
    await storage.write("s", big);
    const written = performance.now();
    await storage.read("s");
    return [written - start, performance.now() - written];
  };
  await raw();
  await ours();
  const times = { raw: [] as number[][], ours: [] as number[][] };
  for (let round = 0; round < rounds; round++) {
    for (
      const name of round % 2
        ? ["raw", "ours"] as const
        : ["ours", "raw"] as const
    ) {
      const [write, read] = await (name === "raw" ? raw() : ours());
      times[name].push([write + read, write, read]);
    }
  }
  // Medians of the totals, of the writes and of the reads.
  const medians = (list: number[][]) =>
    [0, 1, 2].map((i) => median(list.map((t) => t[i]!)));
  const [r, rw, rr] = medians(times.raw);
  const [o, ow, or] = medians(times.ours);
  console.log(
    `raw chunked kv.set + getMany${object ? " (+ V8 (de)serialise)" : ""}  ${
      r!.toFixed(2)
    } ms (write ${rw!.toFixed(2)}, read ${rr!.toFixed(2)})`,
  );
  console.log(
    `DenoKvStorage write + read    ${o!.toFixed(2)} ms  (${
      (o! / r!).toFixed(2)
    }x raw; write ${ow!.toFixed(2)}, read ${or!.toFixed(2)})`,
  );
} finally {
  kv.close();
  await Deno.remove(dir, { recursive: true });
}
