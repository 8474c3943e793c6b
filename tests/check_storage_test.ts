// checkStorage: it passes for the stores this module ships, and reports
// (never throws) what a broken or plain grammY adapter cannot do.
import { assert, assertEquals, assertRejects, fakeTime } from "./deps.ts";
import {
  type Enhance,
  enhanceStorage,
  MemorySessionStorage,
  type StorageAdapter,
} from "../mod.ts";
import { DenoKvStorage } from "../kv.ts";
import {
  checkStorage,
  type CheckStorageOptions,
  storageCheckNames,
  type StorageCheckReport,
  type StoreSettings,
} from "../testing.ts";
import {
  type Break,
  contractStore,
  type LeaseBreak,
  leasedStore,
} from "./_contract_adapters.ts";
import { mapStorage } from "./_helpers.ts";

/** The report, readable in an assertion message. */
function show(report: StorageCheckReport): string {
  return JSON.stringify(report.failures, null, 2);
}

/** Runs checkStorage with Date faked, moved by the checks. */
async function withClock<A extends StorageAdapter<unknown>>(
  make: (settings: StoreSettings) => A,
  options: CheckStorageOptions<A> = {},
): Promise<StorageCheckReport> {
  const clock = fakeTime(Date.now());
  try {
    return await checkStorage(make, {
      clock: { advance: (ms) => void clock.tick(ms) },
      ...options,
    });
  } finally {
    clock.uninstall();
  }
}

const LEASE_CHECKS = storageCheckNames().filter((n) => n.startsWith("lease"));

Deno.test("checkStorage passes for the stores this module ships", async (t) => {
  await t.step("MemorySessionStorage, in real time", async () => {
    const report = await checkStorage(
      (settings) => new MemorySessionStorage(settings),
      { timeToLive: 400 },
    );
    assert(report.ok, show(report));
    assertEquals(report.failures, []);
    assert(
      report.passed.includes("expiry: an expired session never comes back"),
    );
  });

  await t.step(
    "MemorySessionStorage, with a clock the checks move",
    async () => {
      const report = await withClock(
        (settings) => new MemorySessionStorage(settings),
      );
      assert(report.ok, show(report));
    },
  );

  await t.step("enhanceStorage around MemorySessionStorage", async () => {
    const report = await withClock((settings) =>
      enhanceStorage({
        storage: new MemorySessionStorage<Enhance<unknown>>(),
        ...settings.timeToLive
          ? { millisecondsToLive: settings.timeToLive }
          : {},
      })
    );
    assert(report.ok, show(report));
  });

  const dir = await Deno.makeTempDir();
  const kv = await Deno.openKv(`${dir}/sessions.kv`);
  let stores = 0;
  const kvStore = (
    settings: { timeToLive?: number; maxBytes?: number },
  ): DenoKvStorage<unknown> =>
    new DenoKvStorage(kv, {
      prefix: ["check", stores++],
      ...settings,
      lease: true,
    });
  try {
    await t.step("DenoKvStorage on a temp file", async () => {
      const report = await withClock(kvStore, {
        maxBytes: 4096,
        skip: LEASE_CHECKS,
      });
      assert(report.ok, show(report));
      assertEquals(report.skipped.map((s) => s.check), LEASE_CHECKS);
      // The lease runs in real time (its holders read the clock).
      const leased = await checkStorage(kvStore, {
        skip: storageCheckNames().filter((n) => !LEASE_CHECKS.includes(n)),
      });
      assert(leased.ok, show(leased));
      assertEquals(leased.passed, LEASE_CHECKS);
    });

    await t.step("enhanceStorage around DenoKvStorage", async () => {
      const around = (
        { timeToLive, ...settings }: { timeToLive?: number; maxBytes?: number },
      ) =>
        enhanceStorage({
          storage: kvStore(settings) as DenoKvStorage<Enhance<unknown>>,
          ...timeToLive ? { millisecondsToLive: timeToLive } : {},
        });
      const report = await withClock(around, {
        maxBytes: 4096,
        skip: LEASE_CHECKS,
      });
      assert(report.ok, show(report));
      const leased = await checkStorage(around, {
        skip: storageCheckNames().filter((n) => !LEASE_CHECKS.includes(n)),
      });
      assertEquals(leased.passed, LEASE_CHECKS, show(leased));
    });
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/** The failed checks of a report, by name. */
function failed(report: StorageCheckReport): string[] {
  return report.failures.map((f) => f.check);
}

Deno.test("checkStorage reports what a broken store breaks", async (t) => {
  const run = (broken: Break) =>
    withClock((settings) => contractStore(broken, settings.timeToLive));

  await t.step(
    "the hand-written store keeps the contract unbroken",
    async () => {
      const report = await run("none");
      assert(report.ok, show(report));
    },
  );

  await t.step("a compare-and-set that always succeeds", async () => {
    const report = await run("blind compare-and-set");
    assert(!report.ok);
    assertEquals(failed(report), [
      "compare-and-set: versions name stored states",
      "compare-and-set: of two interleaved writers, the later is told",
      "compare-and-set: concurrent counters lose no write",
      "compare-and-set: a delete and a write never both win",
    ]);
    const interleaved = report.failures[1]!;
    assert(interleaved.message.includes("B was not told"), interleaved.message);
    assertEquals(interleaved.missing, false);
  });

  await t.step("a store that hands out the stored object", async () => {
    const report = await run("live objects");
    assertEquals(failed(report), [
      "copies: a write keeps a copy, not the caller's object",
      "copies: every read gives a new copy",
      "values: what the store cannot keep is refused, nothing written",
    ]);
    assert(
      report.failures[1]!.message.includes("gave the same object twice"),
      report.failures[1]!.message,
    );
  });

  await t.step("a store whose expired sessions come back", async () => {
    const report = await run("resurrects expired sessions");
    assertEquals(failed(report), [
      "expiry: a session lives until its deadline, not past it",
      "expiry: an expired session never comes back",
    ]);
    const message = report.failures[1]!.message;
    assert(message.includes("has gave true"), message);
    assert(message.includes("readAllKeys listed it"), message);
  });

  await t.step("a store whose write resolves but keeps nothing", async () => {
    const report = await run("drops writes");
    assert(!report.ok);
    assert(failed(report).includes("round trip: a plain object"));
    const message = report.failures[0]!.message;
    assert(message.includes("read gave it back changed"), message);
    assert(message.includes("undefined"), message);
  });
});

Deno.test("checkStorage reports what a broken lease breaks", async (t) => {
  const OTHERS = storageCheckNames().filter((n) => !LEASE_CHECKS.includes(n));
  const run = (broken: LeaseBreak) =>
    checkStorage(() => leasedStore(broken), {
      skip: OTHERS,
      timeout: 3000,
      dispose: (store) => store.close(),
    });

  await t.step(
    "the hand-written lease keeps the contract unbroken",
    async () => {
      const report = await run("none");
      assertEquals(report.passed, LEASE_CHECKS, show(report));
    },
  );

  await t.step("a lease that lets two holders in", async () => {
    const report = await run("no exclusion");
    assertEquals(failed(report), LEASE_CHECKS);
    assert(
      report.failures[0]!.message.includes(
        "while the first holder still held it",
      ),
      report.failures[0]!.message,
    );
  });

  await t.step("a lease that never lapses", async () => {
    const report = await run("never lapses");
    assertEquals(report.failures, [{
      check: LEASE_CHECKS[1]!,
      message: "did not finish within 3000 ms (a call never answered?)",
      missing: false,
    }]);
  });

  await t.step("a lease that does not guard the writes", async () => {
    const report = await run("unguarded writes");
    assertEquals(failed(report), [LEASE_CHECKS[1]]);
    assert(
      report.failures[0]!.message.includes("whose lease lapsed went through"),
      report.failures[0]!.message,
    );
  });
});

Deno.test("checkStorage says which guarantees a plain grammY adapter cannot give", async () => {
  const report = await checkStorage(() => mapStorage<unknown>(), {
    timeToLive: 100,
  });
  assert(!report.ok);
  const missing = report.failures.filter((f) => f.missing).map((f) => f.check);
  assertEquals(missing, [
    "compare-and-set: versions name stored states",
    "compare-and-set: of two interleaved writers, the later is told",
    "compare-and-set: concurrent counters lose no write",
    "compare-and-set: a delete and a write never both win",
    "listing: complete, once each, without deleted sessions",
    "listing: bounded to the store (another store's sessions are not its own)",
  ]);
  const cas = report.failures.find((f) => f.missing)!;
  assert(cas.message.includes("readWithVersion, compareAndSet"), cas.message);
  const broken = report.failures.filter((f) => !f.missing).map((f) => f.check);
  assert(broken.includes("copies: every read gives a new copy"), broken.join());
  assert(
    broken.includes("expiry: a session lives until its deadline, not past it"),
    broken.join(),
  );
});

Deno.test("checkStorage turns a maker that throws, or a call that hangs, into failures", async (t) => {
  await t.step("makeStorage throws", async () => {
    const report = await checkStorage(() => {
      throw new Error("no server");
    }, { skip: storageCheckNames().slice(1) });
    assertEquals(report.failures, [{
      check: "round trip: a plain object",
      message: "makeStorage threw Error: no server",
      missing: false,
    }]);
  });

  await t.step("a read that never answers", async () => {
    const report = await checkStorage(() => ({
      ...mapStorage<unknown>(),
      read: () => new Promise<never>(() => {}),
    }), { timeout: 50, skip: storageCheckNames().slice(1) });
    assertEquals(report.failures.map((f) => f.message), [
      "did not finish within 50 ms (a call never answered?)",
    ]);
  });
});

Deno.test("checkStorage refuses options that make no sense, before any check", async () => {
  let made = 0;
  const make = () => {
    made++;
    return new MemorySessionStorage();
  };
  await assertRejects(
    () => checkStorage(make, { skip: ["round trip: a Mapp"] }),
    RangeError,
    'checkStorage: no check is named "round trip: a Mapp"',
  );
  await assertRejects(
    () => checkStorage(make, { timeToLive: -5 }),
    /timeToLive must be a positive number, got -5/,
  );
  await assertRejects(
    () => checkStorage(make, { maxBytes: 10 }),
    /maxBytes must be an integer of at least 1024, got 10/,
  );
  await assertRejects(
    () => checkStorage(make, { timeToLive: 100, tolerance: 60 }),
    /tolerance must be from 0 to less than half of timeToLive/,
  );
  assertEquals(made, 0);
});
