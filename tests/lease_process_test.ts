// The lease protocol across real processes on one KV file: 4 processes take
// the lease of one key 40 times each and increment a plain counter with no
// other check. Mutual exclusion is what keeps the count exact, and the
// intervals in which the processes held the lease never overlap.
import { assert, assertEquals } from "./deps.ts";
import { settlesWithin, spawnFixture } from "./_helpers.ts";

const PROCESSES = 4;
const COUNT = 40;

Deno.test("the lease excludes other processes on one KV file", async () => {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  const children = Array.from(
    { length: PROCESSES },
    () =>
      spawnFixture("lease_counter.ts", [path, `${COUNT}`], { stdin: "piped" }),
  );
  try {
    const outputs = children.map((child) => new Response(child.stdout).text());
    const errors = children.map((child) => new Response(child.stderr).text());
    // Everyone is set up before anyone starts.
    await new Promise((resolve) => setTimeout(resolve, 0));
    for (const child of children) await child.stdin.close();
    const texts = await settlesWithin(Promise.all(outputs), 120_000);
    for (const [i, child] of children.entries()) {
      const status = await child.status;
      assert(status.success, (await errors[i]) ?? "");
    }
    const intervals = texts.flatMap((text) =>
      JSON.parse(text.trim().split("\n").at(-1)!) as [number, number][]
    ).sort((a, b) => a[0] - b[0]);
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
    for (const child of children) {
      try {
        child.kill("SIGKILL");
      } catch {
        // Exited.
      }
      await child.status;
    }
    await Deno.remove(path);
  }
});
