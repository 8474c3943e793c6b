// A write stores the value as it was when the call was made: a caller (or
// the background work of a bot's handler) that changes the object after the
// call does not change what is stored, whichever way the store writes it:
// in one commit, after a read it had to make first, or in chunks because the
// value outgrew one KV entry.
import { DenoKvStorage } from "../kv.ts";
import { assertEquals } from "./deps.ts";
import { withKv } from "./_helpers.ts";

interface Data {
  count: number;
  blob?: Uint8Array;
}

const big = () => new Uint8Array(100_000).fill(7);

/** Writes `value` with `write`, changes it right after the call, reads. */
async function changedAfterCall(
  kv: Deno.Kv,
  value: Data,
  write: (value: Data) => Promise<unknown>,
): Promise<string> {
  const written = write(value);
  value.count = 999;
  value.blob = new Uint8Array(1);
  await written;
  return summary(await new DenoKvStorage<Data>(kv).read("1"));
}

/** What a test compares (a diff of 100,000 bytes would take minutes). */
function summary(value: Data | undefined): string {
  const { blob } = value ?? {};
  return `count ${value?.count}, blob ${blob?.length} of ${blob?.[0]}`;
}

Deno.test("a write stores the value as it was when the call was made", async (t) => {
  const cases: [string, boolean, () => Data][] = [
    ["small, over a state the store remembers", true, () => ({ count: 2 })],
    ["small, from a store that must read first", false, () => ({ count: 2 })],
    ["outgrowing one entry", true, () => ({ count: 2, blob: big() })],
    ["large, from a store that must read first", false, () => ({
      count: 2,
      blob: big(),
    })],
    ["large, over a session in chunks", true, () => ({
      count: 2,
      blob: big(),
    })],
    ["small, over a session in chunks", true, () => ({ count: 2 })],
  ];
  for (const [name, remembered, make] of cases) {
    for (const how of ["write", "compareAndSet"] as const) {
      await t.step(`${name}: ${how}`, () =>
        withKv(async (kv) => {
          // A session in chunks before the cases "over a session in chunks".
          const first = name.endsWith("in chunks")
            ? { count: 1, blob: big() }
            : { count: 1 };
          await new DenoKvStorage<Data>(kv).write("1", first);
          const store = new DenoKvStorage<Data>(kv);
          const { version } = await store.readWithVersion("1");
          // A store that must read first has not seen the key yet.
          const writer = remembered ? store : new DenoKvStorage<Data>(kv);
          const value = make();
          const expected = summary(make());
          const stored = await changedAfterCall(
            kv,
            value,
            how === "write"
              ? (v) => writer.write("1", v)
              : (v) => writer.compareAndSet("1", version, v),
          );
          assertEquals(stored, expected);
        }));
    }
  }
});
