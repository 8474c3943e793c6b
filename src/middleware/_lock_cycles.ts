// This module is browser compatible.
// Deadlock detection for the per-key locks (`_key_lock.ts`). Before an owner
// waits for a lock, it checks whether the holder, or a waiter queued before
// it, is (transitively) waiting for a lock the owner holds. If so, it goes
// ahead without the lock; compare-and-set in the storage still catches any
// conflicting write. Waiters queued earlier count because they get the lock
// first: when it is handed over, the new holder is one of them, so no new
// wait appears then and checking when an owner starts to wait is enough.

/** What the check needs to know of one lock. */
export interface LockState {
  owner: object;
  queue: readonly { owner: object; ticket: number }[];
  /** The ticket of the next waiter. */
  tickets: number;
}

/**
 * Would `owner` waiting for the lock `holder` close a cycle? That is: is its
 * holder, or a waiter queued for it, waiting (directly or through a chain of
 * such owners) for a lock that `owner` holds? `held` is every lock by name,
 * `waiting` the locks each waiting owner waits for, with its tickets. Each
 * lock's queue is walked at most once, so this is linear in the number of
 * waiters.
 */
export function wouldDeadlock(
  held: ReadonlyMap<string, LockState>,
  waiting: ReadonlyMap<object, ReadonlyMap<string, number>>,
  holder: LockState,
  owner: object,
): boolean {
  const seen = new Set<object>();
  // Per lock: the tickets below this one were pushed already.
  const pushed = new Map<LockState, number>([[holder, holder.tickets]]);
  const stack = [holder.owner, ...holder.queue.map((w) => w.owner)];
  while (stack.length > 0) {
    const current = stack.pop()!;
    if (current === owner) return true;
    if (seen.has(current)) continue;
    seen.add(current);
    const waits = waiting.get(current);
    if (waits === undefined) continue;
    for (const [id, ticket] of waits) {
      const next = held.get(id);
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
