// The stores every chat migration test runs on: each store we ship, and a
// plain read/write/delete adapter without compare-and-set.
import { DenoKvStorage } from "../kv.ts";
import {
  type Enhance,
  enhanceStorage,
  MemorySessionStorage,
  type StorageAdapter,
} from "../mod.ts";
import { mapStorage } from "./_helpers.ts";

/** The session data of these tests. */
export interface Counter {
  count: number;
}

/** An open store, and how to close it. */
export interface Store {
  storage: StorageAdapter<Counter>;
  close(): void;
}

/** Each store by name, with a function that opens a new, empty one. */
export const stores: [name: string, open: () => Promise<Store>][] = [
  ["MemorySessionStorage", () =>
    Promise.resolve({
      storage: new MemorySessionStorage<Counter>(),
      close() {},
    })],
  ["enhanceStorage over memory", () =>
    Promise.resolve({
      storage: enhanceStorage<Counter>({
        storage: new MemorySessionStorage<Enhance<Counter>>(),
        millisecondsToLive: 3_600_000,
      }),
      close() {},
    })],
  ["DenoKvStorage", async () => {
    const kv = await Deno.openKv(":memory:");
    return { storage: new DenoKvStorage<Counter>(kv), close: () => kv.close() };
  }],
  [
    "a read/write/delete adapter",
    () => Promise.resolve({ storage: mapStorage<Counter>(), close() {} }),
  ],
];
