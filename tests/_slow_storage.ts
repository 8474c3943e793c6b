// A storage wrapper for tests of queued updates: latency after every call,
// and a count of the reads.
import type { StorageAdapter } from "../mod.ts";
import { KNOWN_VERSION } from "../src/contract/_known_version.ts";

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `inner` with `readMs` added to every read and `writeMs` to every write
 * (after the call: the value is taken when the call is made, as a remote
 * store serialises it then), counting the reads.
 */
export function slow<T>(
  inner: StorageAdapter<T>,
  readMs: number,
  writeMs: number,
): StorageAdapter<T> & { reads: number } {
  const late = async <R>(result: R | Promise<R>, ms: number): Promise<R> => {
    // A call that fails is reported after the latency too, not as an
    // unhandled rejection meanwhile.
    const settled = Promise.resolve(result);
    settled.catch(() => {});
    await sleep(ms);
    return await settled;
  };
  const storage: StorageAdapter<T> & { reads: number } = {
    reads: 0,
    read: (key) => (storage.reads++, late(inner.read(key), readMs)),
    write: (key, value) => late(inner.write(key, value), writeMs),
    delete: (key) => late(inner.delete(key), writeMs),
  };
  if (inner.readWithVersion && inner.compareAndSet) {
    storage.readWithVersion = (key) => (
      storage.reads++, late(inner.readWithVersion!(key), readMs)
    );
    storage.compareAndSet = (key, expected, value, options) =>
      late(inner.compareAndSet!(key, expected, value, options), writeMs);
  }
  if (inner.acquireLease) storage.acquireLease = inner.acquireLease.bind(inner);
  // What the wrapped store remembers of versions (for the hand-over).
  const known = (inner as { [KNOWN_VERSION]?: (key: string) => unknown })[
    KNOWN_VERSION
  ];
  if (known !== undefined) {
    Object.defineProperty(storage, KNOWN_VERSION, {
      value: (key: string) => known.call(inner, key),
    });
  }
  return storage;
}
