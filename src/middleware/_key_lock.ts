// This module is browser compatible.
// Per-key locks that let the session middleware run updates sharing a session
// key one after another, within one process.
//
// - A lock is owned by an update (its context object). An owner that asks
//   again for a lock it holds, or waits for, gets it with the same grant and
//   gives it back as often as it asked: an update never waits for itself.
// - The waiting rule (`lockTimeout`): a holder that keeps a lock for longer
//   than its timeout while others wait loses it; its `onEvict.evict()` is called (the
//   session then refuses to write) and the next waiter gets the lock.
// - Waiters are served first come, first served; a released lock with no
//   waiter is forgotten, so idle keys cost no memory.
// - A holder may leave a gift for the next holder when it releases the lock
//   (the session state it leaves, see `_handover.ts`); the next holder takes
//   it once. A lock taken from an evicted holder carries none.
// - Deadlocks are impossible: an owner never waits where waiting would close
//   a cycle (`_lock_cycles.ts`); it goes ahead without the lock instead.
//   Nobody waits for an owner that neither holds nor awaits a lock, so that
//   (common) case skips the check.
// - The timeout may be any positive number of milliseconds: beyond what one
//   timer holds, the wait is made of several (`../contract/_timers.ts`).

import { shared } from "../contract/_util.ts";
import { wouldDeadlock } from "./_lock_cycles.ts";
import { type LongTimer, setLongTimeout } from "../contract/_timers.ts";

// How many locks an owner holds. Only owners that hold locks can deadlock.
const HOLDS: unique symbol = Symbol.for("@sessionkit/grammy/holds@1");
interface Owner {
  [HOLDS]?: number;
}

/** Told when it loses a lock it held too long (the waiting rule). */
export interface Evictable {
  evict(): void;
}

const NOBODY: Evictable = { evict: () => {} };

interface Waiter {
  owner: object;
  /** How often the owner asked for the lock. */
  count: number;
  promise: Promise<void>;
  timeout: number;
  onEvict: Evictable;
  // Consecutive per lock, in queue order: the waiter's index in the queue is
  // `ticket - queue[0].ticket`, as waiters only leave from the front.
  ticket: number;
  grant: () => void;
}

interface Holder {
  owner: object;
  count: number;
  timeout: number;
  onEvict: Evictable;
  /**
   * Since when the current owner holds the lock while others wait (set when
   * the first waiter queues, or at a handover to a waiter).
   */
  since: number | undefined;
  timer: LongTimer | undefined;
  queue: Waiter[];
  /** The ticket of the next waiter. */
  tickets: number;
  /** What the previous holder left for this one, until taken. */
  gift: unknown;
}

/** A set of named locks; see the file comment. */
export class KeyLock {
  readonly #held = new Map<string, Holder>();
  // For each waiting owner: the locks it waits for, with its tickets.
  readonly #waiting = new Map<object, Map<string, number>>();
  // (Kept on the owner itself, under HOLDS: cheaper than a map per update.)

  /** Number of locks currently held (for tests: idle keys cost nothing). */
  get size(): number {
    return this.#held.size;
  }

  /**
   * Acquires the lock `id` for `owner`. Returns `true` if the lock is the
   * owner's now (call {@linkcode KeyLock.release} later), `false` if the
   * owner may go ahead without it (waiting would deadlock), or a promise that
   * resolves once the lock is the owner's (release it later, too). `timeout`
   * and `onEvict` are the waiting rule while the owner holds the lock.
   */
  acquire(
    id: string,
    owner: object,
    timeout = Infinity,
    onEvict: Evictable = NOBODY,
  ): boolean | Promise<void> {
    const holder = this.#held.get(id);
    if (holder === undefined) {
      this.#held.set(id, {
        owner,
        count: 1,
        timeout,
        onEvict,
        since: undefined,
        timer: undefined,
        queue: [],
        tickets: 0,
        gift: undefined,
      });
      this.#hold(owner);
      return true;
    }
    if (holder.owner === owner) {
      holder.count++;
      return true;
    }
    const ticket = this.#waiting.get(owner)?.get(id);
    if (ticket !== undefined) {
      // Already queued: never wait for itself, share the grant.
      const first = holder.queue[0]!.ticket;
      const waiter = holder.queue[ticket - first]!;
      waiter.count++;
      return waiter.promise;
    }
    if (
      // Only an owner that holds or awaits a lock can be waited for.
      ((owner as Owner)[HOLDS]! > 0 || this.#waiting.has(owner)) &&
      wouldDeadlock(this.#held, this.#waiting, holder, owner)
    ) {
      return false;
    }
    let waiting = this.#waiting.get(owner);
    if (waiting === undefined) this.#waiting.set(owner, waiting = new Map());
    const next = holder.tickets++;
    waiting.set(id, next);
    let grant!: () => void;
    const promise = new Promise<void>((resolve) => {
      grant = () => {
        waiting.delete(id);
        if (waiting.size === 0) this.#waiting.delete(owner);
        resolve();
      };
    });
    holder.queue.push({
      owner,
      ticket: next,
      count: 1,
      promise,
      timeout,
      onEvict,
      grant,
    });
    this.#schedule(id, holder);
    return promise;
  }

  /** Whether someone holds the lock `id`. */
  isHeld(id: string): boolean {
    // No lock held (a bot between updates): no need to hash `id`.
    return this.#held.size !== 0 && this.#held.has(id);
  }

  /** Whether an owner waits for the lock `id`. */
  hasWaiters(id: string): boolean {
    return (this.#held.get(id)?.queue.length ?? 0) > 0;
  }

  /**
   * Gives back one acquisition of `id` by `owner`; the last one hands the
   * lock to the next waiter, with `gift` if given, or forgets it if none
   * waits. An owner that lost the lock (see the waiting rule) gives back
   * nothing.
   */
  release(id: string, owner: object, gift?: unknown): void {
    const holder = this.#held.get(id);
    if (holder === undefined || holder.owner !== owner) return;
    if (--holder.count > 0) return;
    this.#handOver(id, holder, gift);
  }

  /**
   * `owner` keeps the lock `id` until it releases it: the waiting rule no
   * longer applies (its write is under way, and only its outcome tells
   * what the next owner starts from).
   */
  keep(id: string, owner: object): void {
    const holder = this.#held.get(id);
    if (holder === undefined || holder.owner !== owner) return;
    holder.timer?.clear();
    holder.timer = undefined;
    holder.timeout = Infinity;
  }

  /** What the previous holder of `id` left for `owner`, once. */
  takeGift(id: string, owner: object): unknown {
    const holder = this.#held.get(id);
    if (holder === undefined || holder.owner !== owner) return undefined;
    const gift = holder.gift;
    holder.gift = undefined;
    return gift;
  }

  #handOver(id: string, holder: Holder, gift?: unknown): void {
    holder.timer?.clear();
    holder.timer = undefined;
    this.#unhold(holder.owner);
    const next = holder.queue.shift();
    if (next === undefined) {
      this.#held.delete(id);
      return;
    }
    holder.owner = next.owner;
    holder.count = next.count;
    holder.timeout = next.timeout;
    holder.onEvict = next.onEvict;
    holder.since = undefined;
    holder.gift = gift;
    this.#hold(next.owner);
    next.grant();
    this.#schedule(id, holder);
  }

  // The waiting rule: while someone waits, the holder keeps the lock for at
  // most its timeout.
  #schedule(id: string, holder: Holder): void {
    if (
      holder.timer !== undefined || holder.queue.length === 0 ||
      !Number.isFinite(holder.timeout)
    ) {
      return;
    }
    const now = performance.now();
    holder.since ??= now;
    const left = Math.max(0, holder.since + holder.timeout - now);
    holder.timer = setLongTimeout(() => {
      holder.timer = undefined;
      if (this.#held.get(id) !== holder) return;
      const evicted = holder.onEvict;
      this.#handOver(id, holder);
      evicted.evict();
    }, left);
  }

  #hold(owner: object): void {
    (owner as Owner)[HOLDS] = ((owner as Owner)[HOLDS] ?? 0) + 1;
  }

  #unhold(owner: object): void {
    (owner as Owner)[HOLDS]!--;
  }
}

/** The process-wide lock table, shared by every copy of this module. */
export const sessionLocks: KeyLock =
  (shared().locks ??= new KeyLock()) as KeyLock;

/**
 * The prefix of the lock names of `storage`: a session key's lock is this
 * prefix plus the key, so there is one lock per storage object and key.
 */
export function lockPrefix(storage: object): string {
  const state = shared();
  let id = state.storageIds.get(storage);
  if (id === undefined) {
    state.storageIds.set(storage, id = state.nextStorageId++);
  }
  return `${id}\u0000`;
}
