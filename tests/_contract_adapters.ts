// Hand-written stores for the tests of checkStorage: one that keeps the
// store contract (copies, versions, expiry, listing), and variants of it
// that break one guarantee each, so a test shows that checkStorage finds
// exactly that break.
import type {
  CompareAndSetResult,
  SessionLease,
  StorageAdapter,
  Version,
  VersionedValue,
  WriteOptions,
} from "../mod.ts";

/** The one guarantee a variant breaks. */
export type Break =
  | "none"
  | "blind compare-and-set"
  | "live objects"
  | "resurrects expired sessions"
  | "drops writes";

interface Entry {
  value: unknown;
  version: string;
  expires: number | undefined;
}

let versions = 0;

/** The prototypes of the built-in classes, taken before any fake clock. */
const BUILT_IN = new Set(
  Object.getOwnPropertyNames(globalThis).map((name) =>
    (globalThis as unknown as Record<string, { prototype?: unknown }>)[name]
      ?.prototype
  ),
);

/** Whether `value` holds an instance of a class that is not a built-in. */
function hasClassInstance(value: unknown, depth = 0): boolean {
  if (typeof value !== "object" || value === null || depth > 20) return false;
  const proto = Object.getPrototypeOf(value);
  if (proto !== null && proto !== Object.prototype) {
    if (!BUILT_IN.has(proto)) return true;
  }
  if (!Array.isArray(value) && proto !== null && proto !== Object.prototype) {
    return false;
  }
  return Object.values(value).some((v) => hasClassInstance(v, depth + 1));
}

/**
 * A store over a Map that keeps the contract, except for `broken`. Values
 * are copied with structuredClone (which refuses functions and symbols, but
 * not class instances: those are refused by hand here).
 */
export function contractStore(
  broken: Break,
  timeToLive?: number,
): StorageAdapter<unknown> {
  const map = new Map<string, Entry>();
  const copy = (value: unknown): unknown =>
    broken === "live objects" ? value : structuredClone(value);
  const copyIn = (key: string, value: unknown): unknown => {
    if (hasClassInstance(value)) {
      throw Object.assign(new Error(`Cannot store session "${key}"`), {
        name: "SessionValueError",
        key,
      });
    }
    try {
      return copy(value);
    } catch (cause) {
      throw Object.assign(
        new Error(`Cannot store session "${key}"`, { cause }),
        { name: "SessionValueError", key },
      );
    }
  };
  const live = (key: string, listing = false): Entry | undefined => {
    const entry = map.get(key);
    if (entry === undefined) return undefined;
    if (listing && broken === "resurrects expired sessions") return entry;
    return entry.expires !== undefined && entry.expires < Date.now()
      ? undefined
      : entry;
  };
  const set = (key: string, value: unknown): string => {
    const version = `${++versions}`;
    if (broken !== "drops writes") {
      map.set(key, {
        value,
        version,
        expires: timeToLive === undefined ? undefined : Date.now() + timeToLive,
      });
    }
    return version;
  };
  return {
    read: (key) => {
      const entry = live(key);
      return entry === undefined ? undefined : copy(entry.value);
    },
    readWithVersion: (key): VersionedValue<unknown> => {
      const entry = live(key);
      return entry === undefined
        ? { value: undefined, version: null }
        : { value: copy(entry.value), version: entry.version };
    },
    write: (key, value) => void set(key, copyIn(key, value)),
    compareAndSet: (key, expected: Version, value): CompareAndSetResult => {
      const copied = value === undefined ? undefined : copyIn(key, value);
      const current = live(key)?.version ?? null;
      if (current !== expected && broken !== "blind compare-and-set") {
        return { ok: false };
      }
      if (copied === undefined) {
        map.delete(key);
        return { ok: true, version: null };
      }
      return { ok: true, version: set(key, copied) };
    },
    delete: (key) => void map.delete(key),
    has: (key) => live(key, true) !== undefined,
    readAllKeys: () => [...map.keys()].filter((key) => live(key, true)),
    readAllValues: () =>
      [...map.keys()].flatMap((key) => {
        const entry = live(key, true);
        return entry === undefined ? [] : [copy(entry.value)];
      }),
    readAllEntries: () =>
      [...map.keys()].flatMap((key): [string, unknown][] => {
        const entry = live(key, true);
        return entry === undefined ? [] : [[key, copy(entry.value)]];
      }),
  };
}

/** The one guarantee of the lease a variant breaks. */
export type LeaseBreak =
  | "none"
  | "no exclusion"
  | "never lapses"
  | "unguarded writes";

/**
 * The unbroken contract store with a lease in this process's memory: one
 * holder per key, lapsing after `maxHold`; a write under a lease that is no
 * longer current is refused. `broken` breaks one of those.
 */
export function leasedStore(
  broken: LeaseBreak,
): StorageAdapter<unknown> & { close(): void } {
  const store = contractStore("none");
  let closed = false;
  const leases = new Map<string, { token: object; until: number }>();
  const current = (key: string, token: unknown): boolean => {
    const held = leases.get(key);
    return held !== undefined && held.token === token &&
      held.until > Date.now();
  };
  const guard = (key: string, options?: WriteOptions): void => {
    const token = (options?.lease as { token?: object } | undefined)?.token;
    if (options?.lease !== undefined && broken !== "unguarded writes") {
      if (!current(key, token)) throw new Error(`lease of "${key}" lost`);
    }
  };
  return {
    ...store,
    /** Ends every wait for a lease (with an error). */
    close: () => void (closed = true),
    write: (key, value, options) => {
      guard(key, options);
      return store.write(key, value);
    },
    compareAndSet: (key, expected, value, options) => {
      try {
        guard(key, options);
      } catch {
        return { ok: false };
      }
      return store.compareAndSet!(key, expected, value);
    },
    acquireLease: async (key, options) => {
      const hold = broken === "never lapses"
        ? Infinity
        : options?.maxHold ?? 60_000;
      const token = {};
      for (;;) {
        if (closed) throw new Error("the store was closed");
        const held = leases.get(key);
        if (
          broken === "no exclusion" || held === undefined ||
          held.until <= Date.now()
        ) {
          leases.set(key, { token, until: Date.now() + hold });
          return {
            token,
            release: () => {
              if (current(key, token)) leases.delete(key);
              return Promise.resolve();
            },
          } as SessionLease;
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
  };
}
