// `taskset -c 1 deno run --config deno.dev.json -A bench/kv_large.ts [rounds]`: an object session
// of about 1 MiB (7,000 small records, V8-serialised) written and read
// through DenoKvStorage, against the crash-safe floor of
// `bench/_kv_large_floor.ts` (new generation of chunks in commits of at most
// 12, the last one switching the head and deleting the old chunks; reads of
// the head, then `getMany` batches of 10 in parallel) and, for reference,
// against the raw chunked write of 0.2.0's bench (every chunk its own
// `kv.set`, all in flight: neither atomic nor crash-safe), each on a KV file
// of its own.
// Rounds interleave the three, each round in another of their six orders,
// so that every side runs after every other one equally often (a side pays
// for some of what the side before it left behind, and with one fixed
// rotation DenoKvStorage always ran after the raw sets: see
// docs/benchmarks.md); `rounds` is rounded up to whole cycles of six.
// Figures are medians of the write and of the read apart, and ratios of
// DenoKvStorage against each (of the medians, and the median of the ratios
// within a round).
import { deserialize, serialize } from "node:v8";
import { DenoKvStorage } from "../kv.ts";
import { median } from "./_mix_driver.ts";
import { LargeFloor } from "./_kv_large_floor.ts";

// All orders of the three sides, cycled through round by round.
const ORDERS = [
  [0, 1, 2],
  [0, 2, 1],
  [1, 0, 2],
  [1, 2, 0],
  [2, 0, 1],
  [2, 1, 0],
];
const rounds = Math.ceil(Number(Deno.args[0] ?? 21) / ORDERS.length) *
  ORDERS.length;
const CHUNK = 65_536;
const session = {
  history: Array.from({ length: 7_000 }, (_, i) => ({
    id: i,
    from: `user ${i % 97}`,
    at: 1_700_000_000_000 + i * 1_000,
    text: `message number ${i}: ${"lorem ipsum dolor sit amet ".repeat(3)}`,
  })),
};
const size = serialize(session).byteLength;

const dir = await Deno.makeTempDir();
// One KV file per side: a side's commits (and the checkpoints they cause)
// must not be paid by the side that runs after it.
const kvs = {
  ours: await Deno.openKv(`${dir}/ours.kv`),
  floor: await Deno.openKv(`${dir}/floor.kv`),
  raw: await Deno.openKv(`${dir}/raw.kv`),
};
const kv = kvs.raw;
try {
  const storage = new DenoKvStorage<unknown>(kvs.ours);
  const floor = new LargeFloor(kvs.floor, "floor");
  type Side = () => Promise<[number, number]>;
  const timed =
    (write: () => Promise<unknown>, read: () => Promise<unknown>): Side =>
    async () => {
      const start = performance.now();
      await write();
      const written = performance.now();
      const back = await read() as typeof session;
      if (back.history.length !== session.history.length) {
        throw new Error("bad read");
      }
      return [written - start, performance.now() - written];
    };
  const rawWrite = async () => {
    const bytes = serialize(session);
    const count = Math.ceil(bytes.byteLength / CHUNK);
    await Promise.all(
      Array.from(
        { length: count },
        (_, i) =>
          kv.set(["raw", i], bytes.subarray(i * CHUNK, (i + 1) * CHUNK)),
      ),
    );
    return count;
  };
  let rawCount = 0;
  const rawRead = async () => {
    const keys = Array.from({ length: rawCount }, (_, i) => ["raw", i]);
    const batches = [];
    for (let i = 0; i < keys.length; i += 10) {
      batches.push(kv.getMany(keys.slice(i, i + 10)));
    }
    const entries = (await Promise.all(batches)).flat();
    const joined = new Uint8Array(size);
    let offset = 0;
    for (const e of entries) {
      joined.set(e.value as Uint8Array, offset);
      offset += (e.value as Uint8Array).byteLength;
    }
    return deserialize(joined);
  };
  const sides: Record<string, Side> = {
    ours: timed(() => storage.write("s", session), () => storage.read("s")),
    floor: timed(() => floor.write(session), () => floor.read()),
    raw: timed(async () => rawCount = await rawWrite(), rawRead),
  };
  const names = Object.keys(sides);
  for (const name of names) await sides[name]!(); // warm-up
  const times: Record<string, [number, number][]> = {
    ours: [],
    floor: [],
    raw: [],
  };
  for (let round = 0; round < rounds; round++) {
    const order = ORDERS[round % ORDERS.length]!.map((i) => names[i]!);
    for (const name of order) times[name]!.push(await sides[name]!());
  }
  const med = (name: string, part: 0 | 1) =>
    median(times[name]!.map((t) => t[part]));
  console.log(
    `object session: ${
      (size / 1024).toFixed(0)
    } KiB serialised, ${rounds} rounds`,
  );
  for (const name of names) {
    console.log(
      `${name.padEnd(6)} write ${
        med(name, 0).toFixed(2).padStart(7)
      } ms   read ${med(name, 1).toFixed(2).padStart(7)} ms`,
    );
  }
  // The ratio within each round, of the write or the read, then its median.
  const perRound = (base: string, part: 0 | 1) =>
    median(times.ours!.map((t, i) => t[part] / times[base]![i]![part]));
  for (const base of ["floor", "raw"]) {
    console.log(
      `DenoKvStorage / ${base}: write ${
        (med("ours", 0) / med(base, 0)).toFixed(2)
      }x, read ${(med("ours", 1) / med(base, 1)).toFixed(2)}x` +
        ` (median of the rounds' ratios: write ${
          perRound(base, 0).toFixed(2)
        }x, read ${perRound(base, 1).toFixed(2)}x)`,
    );
  }
} finally {
  for (const each of Object.values(kvs)) each.close();
  await Deno.remove(dir, { recursive: true });
}
