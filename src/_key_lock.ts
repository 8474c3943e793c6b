// This module is browser compatible.
// Per-key locks that let the session middleware run updates sharing a session
// key one after another, within one process.
//
// - A lock is owned by an update (its context object). An owner that asks
//   again for a lock it holds gets it at once (nested session middleware).
// - Waiters are served first come, first served; a released lock with no
//   waiter is forgotten, so idle keys cost no memory.
// - Deadlocks are impossible: before waiting, an owner checks whether the
//   holder, or a waiter queued before it, is (transitively) waiting for a
//   lock the owner holds. If so, it goes ahead without the lock;
//   compare-and-set in the storage still catches any conflicting write.
//   Waiters queued earlier count because they get the lock first: when it is
//   handed over, the new holder is one of them, so no new wait appears then
//   and checking when an owner starts to wait is enough. Nobody waits for an
//   owner that neither holds nor awaits a lock, so that (common) case skips
//   the check.

interface Waiter {
  owner: object;
  // Consecutive per lock, in queue order: the waiter's index in the queue is
  // `ticket - queue[0].ticket`, as waiters only leave from the front.
  ticket: number;
  grant: () => void;
}

interface Holder {
  owner: object;
  queue: Waiter[];
  /** The ticket of the next waiter. */
  tickets: number;
}

/** A set of named locks; see the file comment. */
export class KeyLock {
  readonly #held = new Map<string, Holder>();
  // For each waiting owner: the locks it waits for, with its tickets.
  readonly #waiting = new Map<object, Map<string, number>>();
  // For each owner that holds locks: how many. Only those can deadlock.
  readonly #holding = new Map<object, number>();

  /** Number of locks currently held (for tests: idle keys cost nothing). */
  get size(): number {
    return this.#held.size;
  }

  /**
   * Acquires the lock `id` for `owner`. Returns `true` if the lock was free
   * and is now the owner's (call {@linkcode KeyLock.release} later), `false`
   * if the owner may go ahead without taking it (it holds it already, or
   * waiting would deadlock), or a promise that resolves once the lock is the
   * owner's (release it later, too).
   */
  acquire(id: string, owner: object): boolean | Promise<void> {
    const holder = this.#held.get(id);
    if (holder === undefined) {
      this.#held.set(id, { owner, queue: [], tickets: 0 });
      this.#hold(owner);
      return true;
    }
    if (
      holder.owner === owner ||
      // Only an owner that holds or awaits a lock can be waited for.
      ((this.#holding.has(owner) || this.#waiting.has(owner)) &&
        this.#wouldDeadlock(holder, owner))
    ) {
      return false;
    }
    let waiting = this.#waiting.get(owner);
    if (waiting === undefined) this.#waiting.set(owner, waiting = new Map());
    const ticket = holder.tickets++;
    waiting.set(id, ticket);
    return new Promise<void>((resolve) => {
      holder.queue.push({
        owner,
        ticket,
        grant: () => {
          waiting.delete(id);
          if (waiting.size === 0) this.#waiting.delete(owner);
          resolve();
        },
      });
    });
  }

  /** Gives the lock `id` to the next waiter, or forgets it if none waits. */
  release(id: string): void {
    const holder = this.#held.get(id);
    if (holder === undefined) return;
    this.#unhold(holder.owner);
    const next = holder.queue.shift();
    if (next === undefined) {
      this.#held.delete(id);
    } else {
      holder.owner = next.owner;
      this.#hold(next.owner);
      next.grant();
    }
  }

  #hold(owner: object): void {
    this.#holding.set(owner, (this.#holding.get(owner) ?? 0) + 1);
  }

  #unhold(owner: object): void {
    const count = this.#holding.get(owner)!;
    if (count === 1) this.#holding.delete(owner);
    else this.#holding.set(owner, count - 1);
  }

  // Would `owner` waiting for the lock of `holder` close a cycle? That is:
  // is its holder, or a waiter queued for it, waiting (directly or through a
  // chain of such owners) for a lock that `owner` holds? Each lock's queue is
  // walked at most once, so this is linear in the number of waiters.
  #wouldDeadlock(holder: Holder, owner: object): boolean {
    const seen = new Set<object>();
    // Per lock: the tickets below this one were pushed already.
    const pushed = new Map<Holder, number>([[holder, holder.tickets]]);
    const stack = [holder.owner, ...holder.queue.map((w) => w.owner)];
    while (stack.length > 0) {
      const current = stack.pop()!;
      if (current === owner) return true;
      if (seen.has(current)) continue;
      seen.add(current);
      const waiting = this.#waiting.get(current);
      if (waiting === undefined) continue;
      for (const [id, ticket] of waiting) {
        const next = this.#held.get(id);
        if (next === undefined) continue;
        // `current` waits for the holder and everyone queued before it.
        const done = pushed.get(next);
        if (done === undefined) stack.push(next.owner);
        else if (done >= ticket) continue;
        pushed.set(next, ticket);
        const first = next.queue[0]?.ticket ?? ticket;
        const from = Math.max(done ?? first, first) - first;
        for (let i = from; i < ticket - first; i++) {
          stack.push(next.queue[i]!.owner);
        }
      }
    }
    return false;
  }
}

/** The process-wide lock table shared by every session middleware. */
export const sessionLocks: KeyLock = new KeyLock();

const storageIds = new WeakMap<object, number>();
let nextStorageId = 0;

/**
 * The prefix of the lock names of `storage`: a session key's lock is this
 * prefix plus the key, so there is one lock per storage object and key.
 */
export function lockPrefix(storage: object): string {
  let id = storageIds.get(storage);
  if (id === undefined) storageIds.set(storage, id = nextStorageId++);
  return `${id}\u0000`;
}
