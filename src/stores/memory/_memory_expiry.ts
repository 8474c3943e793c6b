// This module is browser compatible.
// The expiry and LRU bookkeeping of the memory store. Its map is kept ordered
// from least to most recently used (a used entry is moved to the back), so
// expired entries and those beyond `maxEntries` are dropped from the front,
// without timers.

/** What the bookkeeping needs of a stored entry. */
export interface Expiring {
  /** When the entry expires (ms since the epoch), if it has a time to live. */
  expires?: number;
}

/** Whether `entry` has expired at `now`. */
export function isExpired(entry: Expiring, now: number): boolean {
  return entry.expires !== undefined && entry.expires < now;
}

/**
 * The live entry of `key`, marked as used (moved to the back, its expiry
 * pushed back by `timeToLive`); an expired entry is dropped.
 */
export function touchEntry<E extends Expiring>(
  map: Map<string, E>,
  key: string,
  timeToLive: number | undefined,
): E | undefined {
  const entry = map.get(key);
  if (entry === undefined) return undefined;
  const now = Date.now();
  if (entry.expires !== undefined && entry.expires < now) {
    map.delete(key);
    return undefined;
  }
  // Move to the back: the map stays ordered from least recently used.
  map.delete(key);
  if (timeToLive !== undefined) entry.expires = now + timeToLive;
  map.set(key, entry);
  return entry;
}

/**
 * Drops expired entries from the front (least recently used first), then
 * the oldest entries beyond `maxEntries`. Amortised O(1) per write.
 */
export function sweepEntries(
  map: Map<string, Expiring>,
  now: number,
  maxEntries: number | undefined,
): void {
  for (const [key, entry] of map) {
    if (!isExpired(entry, now)) break;
    map.delete(key);
  }
  if (maxEntries === undefined) return;
  for (const key of map.keys()) {
    if (map.size <= maxEntries) break;
    map.delete(key);
  }
}
