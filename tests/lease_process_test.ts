// The lease protocol across real processes on one KV file: 4 processes take
// the lease of one key 40 times each and increment a plain counter with no
// other check. Mutual exclusion is what keeps the count exact, and the
// intervals in which the processes held the lease never overlap.
import { assert, assertEquals } from "./deps.ts";
import { runTogether, settlesWithin } from "./_helpers.ts";

const PROCESSES = 4;
const COUNT = 40;

Deno.test("the lease excludes other processes on one KV file", async () => {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  try {
    // Everyone is set up before anyone starts.
    const reports = await settlesWithin(
      runTogether<[number, number][]>(
        "lease_counter.ts",
        PROCESSES,
        () => [path, `${COUNT}`],
      ),
      120_000,
    );
    const intervals = reports.flat().sort((a, b) => a[0] - b[0]);
    assertEquals(intervals.length, PROCESSES * COUNT);
    for (let i = 1; i < intervals.length; i++) {
      assert(
        intervals[i]![0] >= intervals[i - 1]![1],
        `two holders at once: ${intervals[i - 1]} and ${intervals[i]}`,
      );
    }
    const kv = await Deno.openKv(path);
    try {
      assertEquals((await kv.get(["counter"])).value, PROCESSES * COUNT);
    } finally {
      kv.close();
    }
  } finally {
    await Deno.remove(path);
  }
});
