// Four bot processes share one KV file and 5 chats, 300 updates each, 8 in
// flight per process, with handlers that await between read and write. With
// the lease every increment is counted at its first attempt; without it,
// every increment is counted or reported as a conflict, none lost.
import { DenoKvStorage } from "../kv.ts";
import type { CounterReport as LeaseBotReport } from "./fixtures/_counter_bot.ts";
import { assert, assertEquals } from "./deps.ts";
import { runTogether, settlesWithin } from "./_helpers.ts";

const PROCESSES = 4;
const UPDATES = 300;
const IN_FLIGHT = 8;

function runProcesses(
  path: string,
  mode: "strict" | "lazy",
  lease: "lease" | "none",
  updates = UPDATES,
  chats = 5,
): Promise<LeaseBotReport[]> {
  return runTogether<LeaseBotReport>("lease_bot.ts", PROCESSES, (i) => [
    path,
    mode,
    lease,
    `${updates}`,
    `${IN_FLIGHT}`,
    `${i + 1}`,
    `${chats}`,
  ]);
}

async function storedSum(path: string): Promise<number> {
  const kv = await Deno.openKv(path);
  try {
    let sum = 0;
    for await (const value of new DenoKvStorage<number>(kv).readAllValues()) {
      sum += value;
    }
    return sum;
  } finally {
    kv.close();
  }
}

async function withKvFile(body: (path: string) => Promise<void>) {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  try {
    await body(path);
  } finally {
    await Deno.remove(path);
  }
}

const TOTAL = PROCESSES * UPDATES;

Deno.test("processes sharing one KV file with a session lease", async (t) => {
  for (const mode of ["strict", "lazy"] as const) {
    await t.step(
      `${mode}: with the lease every update counts at once`,
      () =>
        withKvFile(async (path) => {
          const started = performance.now();
          const reports = await settlesWithin(
            runProcesses(path, mode, "lease"),
            120_000,
          );
          const ok = reports.reduce((n, r) => n + r.ok, 0);
          console.log(
            `${mode}, lease: ${ok} of ${TOTAL} counted in ${
              Math.round(performance.now() - started)
            } ms`,
          );
          for (const report of reports) {
            assertEquals(report.errors, []);
            assertEquals(report.conflicts, 0);
            assertEquals(report.ok, UPDATES);
          }
          assertEquals(await storedSum(path), TOTAL);
        }),
    );
  }
  await t.step(
    "one hot chat makes progress in every process",
    () =>
      withKvFile(async (path) => {
        const reports = await settlesWithin(
          runProcesses(path, "strict", "lease", 100, 1),
          120_000,
        );
        for (const report of reports) {
          assertEquals(report.errors, []);
          assertEquals(report.ok, 100);
        }
        assertEquals(await storedSum(path), PROCESSES * 100);
        // Turns are shared: every process got the chat before any process
        // was done with all of its updates.
        const firstEnd = Math.min(...reports.map((r) => r.lastDone));
        for (const report of reports) assert(report.firstDone <= firstEnd);
      }),
  );
  await t.step(
    "strict, no lease: every update counted or reported",
    () =>
      withKvFile(async (path) => {
        const reports = await settlesWithin(
          runProcesses(path, "strict", "none"),
          120_000,
        );
        for (const report of reports) assertEquals(report.errors, []);
        const ok = reports.reduce((n, r) => n + r.ok, 0);
        const conflicts = reports.reduce((n, r) => n + r.conflicts, 0);
        console.log(`strict, none: ${ok} counted, ${conflicts} conflicts`);
        assertEquals(ok + conflicts, TOTAL);
        assertEquals(await storedSum(path), ok);
      }),
  );
});
