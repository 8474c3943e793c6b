// enhanceStorage's own writes (the refresh of a session that is read, the
// deletion of an expired one) against a newer value written by another
// process in between: with a wrapped store that has compare-and-set, the
// newer value always stands. Two enhanced stores over one wrapped store play
// the two processes; a hook lets "B" write right after "A" read.
import {
  type Enhance,
  enhanceStorage,
  MemorySessionStorage,
  type StorageAdapter,
} from "../mod.ts";
import { DenoKvStorage } from "../kv.ts";
import { assert, assertEquals, fakeTime } from "./deps.ts";

interface Count {
  n: number;
}

type Raw = StorageAdapter<Enhance<Count>>;

/**
 * `inner` as another process sees it: after the next read (either kind)
 * returns from the store, `then` runs before the reader gets the value.
 */
function hooked(inner: Raw): Raw & { after(then: () => unknown): void } {
  let hook: (() => unknown) | undefined;
  async function fire(): Promise<void> {
    const then = hook;
    hook = undefined;
    if (then !== undefined) await then();
  }
  return {
    after: (then) => void (hook = then),
    read: async (key) => {
      const value = await inner.read(key);
      await fire();
      return value;
    },
    readWithVersion: async (key) => {
      const value = await inner.readWithVersion!(key);
      await fire();
      return value;
    },
    compareAndSet: (key, expected, value) =>
      inner.compareAndSet!(key, expected, value),
    write: (key, value) => inner.write(key, value),
    delete: (key) => inner.delete(key),
  };
}

const stores: [string, () => Promise<[Raw, Raw, () => void]>][] = [
  ["MemorySessionStorage", () => {
    const memory = new MemorySessionStorage<Enhance<Count>>();
    return Promise.resolve([memory, memory, () => {}]);
  }],
  ["DenoKvStorage", async () => {
    const kv = await Deno.openKv(":memory:");
    // Two stores over one database, as two processes would have.
    return [
      new DenoKvStorage<Enhance<Count>>(kv),
      new DenoKvStorage<Enhance<Count>>(kv),
      () => kv.close(),
    ];
  }],
];

for (const [name, open] of stores) {
  Deno.test(`enhanceStorage over ${name} races another writer`, async (t) => {
    for (const method of ["read", "readWithVersion"] as const) {
      await t.step(
        `${method}: a refresh never reverts a newer value`,
        async () => {
          const clock = fakeTime(0);
          const [innerA, innerB, close] = await open();
          try {
            const hook = hooked(innerA);
            const options = { millisecondsToLive: 1000 };
            const a = enhanceStorage<Count>({ storage: hook, ...options });
            const b = enhanceStorage<Count>({ storage: innerB, ...options });
            await b.write("1", { n: 1 });
            clock.tick(600); // past refreshRatio 0.5: A's read refreshes
            hook.after(() => b.write("1", { n: 2 }));
            const read = method === "read"
              ? await a.read("1")
              : (await a.readWithVersion!("1")).value;
            // A lost the race (it may see either value); B's value stands.
            assert(read?.n === 1 || read?.n === 2, JSON.stringify(read));
            assertEquals(await b.read("1"), { n: 2 });
          } finally {
            close();
            clock.uninstall();
          }
        },
      );

      await t.step(
        `${method}: deleting an expired value never deletes a newer one`,
        async () => {
          const clock = fakeTime(0);
          const [innerA, innerB, close] = await open();
          try {
            const hook = hooked(innerA);
            const options = { millisecondsToLive: 1000 };
            const a = enhanceStorage<Count>({ storage: hook, ...options });
            const b = enhanceStorage<Count>({ storage: innerB, ...options });
            await b.write("1", { n: 1 });
            clock.tick(1001); // expired when A reads it
            hook.after(() => b.write("1", { n: 2 }));
            const read = method === "read"
              ? await a.read("1")
              : (await a.readWithVersion!("1")).value;
            assert(read === undefined || read.n === 2, JSON.stringify(read));
            assertEquals(await b.read("1"), { n: 2 });
          } finally {
            close();
            clock.uninstall();
          }
        },
      );
    }

    await t.step("still refreshes and deletes when nobody races", async () => {
      const clock = fakeTime(0);
      const [innerA, innerB, close] = await open();
      try {
        const options = { millisecondsToLive: 1000 };
        const a = enhanceStorage<Count>({ storage: innerA, ...options });
        await a.write("1", { n: 1 });
        clock.tick(600);
        assertEquals(await a.read("1"), { n: 1 });
        // Refreshed at 600: alive at 1500, gone (and deleted) after 1600.
        clock.tick(900);
        assertEquals((await innerB.read("1"))?.e, 1600);
        clock.tick(101);
        assertEquals(await a.read("1"), undefined);
        assertEquals(await innerB.read("1"), undefined);
      } finally {
        close();
        clock.uninstall();
      }
    });
  });
}
