// The KV handle a lease needs, typed structurally (Deno KV, `@deno/kv`), and
// the two ways a lease waits on it: retrying a commit while SQLite is busy,
// and sleeping until a key may have changed (`kv.watch` on Deno's own KV, a
// timer always, since a local KV file does not tell one process about another
// process's writes).
//
// `kv.watch` is used only on a `Deno.Kv` of the Deno runtime (Deno, Deno
// Deploy). Every other handle, `@deno/kv` on Node.js and Bun above all, is
// polled with the waiter's backoff: `@deno/kv` 0.14's watch stream, cancelled
// while a read is pending (which every wait that times out does), keeps
// awaiting a promise that is already resolved and starves the event loop at
// 100% CPU; on a local file its watch does not see other processes' writes
// anyway.

/** One part of a KV key. */
export type LeaseKeyPart = Uint8Array | string | number | bigint | boolean;

/** A KV key. */
export type LeaseKey = readonly LeaseKeyPart[];

/** An entry as KV returns it; `versionstamp` is `null` if nothing is stored. */
export interface LeaseEntry {
  /** The stored value (`null` if nothing is stored). */
  readonly value: unknown;
  /** The version of the stored value, `null` if nothing is stored. */
  readonly versionstamp: string | null;
}

/** The part of KV's atomic operation builder that a lease uses. */
export interface LeaseAtomic {
  /** Makes the commit fail unless each key still has the versionstamp. */
  check(...checks: { key: LeaseKey; versionstamp: string | null }[]): unknown;
  /** Stores a value, to be deleted by KV after `expireIn` ms at the latest. */
  set(key: LeaseKey, value: unknown, options?: { expireIn?: number }): unknown;
  /** Deletes a key. */
  delete(key: LeaseKey): unknown;
  /** Applies everything at once, or nothing if a check failed. */
  commit(): Promise<{ ok: true; versionstamp: string } | { ok: false }>;
}

/**
 * An `AbortSignal`, typed structurally so that the types need no DOM or
 * Node.js library.
 */
export interface LeaseSignal {
  /** Whether it was aborted. */
  readonly aborted: boolean;
  /** Why it was aborted. */
  readonly reason: unknown;
  /** Listens for the abort. */
  addEventListener(
    type: "abort",
    listener: () => void,
    options?: { once?: boolean },
  ): void;
  /** Stops listening. */
  removeEventListener(type: "abort", listener: () => void): void;
}

/** The reader of a `kv.watch` stream, typed structurally. */
export interface LeaseWatchReader {
  /** The next change. */
  read(): Promise<{ done: boolean; value?: readonly LeaseEntry[] }>;
  /** Stops watching. */
  cancel(): Promise<void>;
}

/** The part of the KV API that a lease uses. */
export interface LeaseKv {
  /** Reads up to 10 keys in one consistent snapshot. */
  getMany(keys: LeaseKey[]): Promise<LeaseEntry[]>;
  /** Starts an atomic operation. */
  atomic(): LeaseAtomic;
  /** Streams the entries of `keys` each time one of them changes. */
  watch?(keys: LeaseKey[]): { getReader(): LeaseWatchReader };
}

const LOCKED = /database is locked|SQLITE_BUSY|database table is locked/i;

/** How often a busy database is retried before its error surfaces. */
const LOCK_ATTEMPTS = 12;

/** Sleeps `ms`, or rejects with the signal's reason once it aborts. */
export function sleep(ms: number, signal?: LeaseSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const done = () => {
      signal?.removeEventListener("abort", abort);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", abort, { once: true });
  });
}

/**
 * Runs `operation`, retrying it with jittered backoff (by default up to
 * about 1.5 s in all) while KV says the database is locked: several processes on one KV
 * file. Such a commit was not applied, so it is safe to repeat.
 */
export async function retryBusy<T>(
  operation: () => Promise<T>,
  attempts: number = LOCK_ATTEMPTS,
): Promise<T> {
  for (let attempt = 0;; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!isBusy(error) || attempt + 1 >= attempts) throw error;
      await sleep(Math.random() * Math.min(250, 2 * 2 ** attempt));
    }
  }
}

/** Whether KV refused an operation because SQLite was busy. */
export function isBusy(error: unknown): boolean {
  return error instanceof Error && LOCKED.test(error.message);
}

/**
 * Whether the lease may wait with `kv.watch`: only on a `Deno.Kv` of the
 * Deno runtime (see the file comment for why not on `@deno/kv`).
 */
export function watchable(kv: LeaseKv): boolean {
  if (typeof kv.watch !== "function") return false;
  const DenoKv = (globalThis as { Deno?: { Kv?: unknown } }).Deno?.Kv;
  return typeof DenoKv === "function" && kv instanceof DenoKv;
}

/**
 * Waits until one of `keys` may have changed from the versionstamps in
 * `seen`: a `kv.watch` event (in this process, or across isolates on Deno
 * Deploy; only where {@linkcode watchable}), or `ms` passing. Rejects with the
 * reason if `signal` aborts. The watch stream is always cancelled before this
 * returns.
 */
export async function waitForChange(
  kv: LeaseKv,
  keys: LeaseKey[],
  seen: readonly (string | null)[],
  ms: number,
  signal: LeaseSignal | undefined,
): Promise<void> {
  if (!watchable(kv)) return await sleep(ms, signal);
  if (signal?.aborted) throw signal.reason;
  const reader = kv.watch!(keys).getReader();
  const changed = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || value === undefined) return;
      if (value.some((entry, i) => entry.versionstamp !== seen[i])) return;
    }
  })();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let abort: (() => void) | undefined;
  try {
    await Promise.race([
      changed,
      new Promise<void>((resolve, reject) => {
        timer = setTimeout(resolve, ms);
        abort = () => reject(signal!.reason);
        signal?.addEventListener("abort", abort, { once: true });
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (abort !== undefined) signal?.removeEventListener("abort", abort);
    await reader.cancel().catch(() => {});
    await changed.catch(() => {});
  }
}
