// This module is browser compatible.
// What a store remembers per key to save a round trip (the last state or
// version it saw): at most `limit` keys, and past that the key added first
// goes. Updating a key keeps its place, so the common case is one `Map.set`.
// Forgetting a key costs one read, never an outcome.

/** A `Map` of at most `limit` keys; the key added first goes first. */
export class BoundedMap<K, V> {
  readonly #entries = new Map<K, V>();
  readonly #limit: number;

  /** @param limit How many keys it keeps (at least 1). */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** The value remembered for `key`. */
  get(key: K): V | undefined {
    return this.#entries.get(key);
  }

  /** Remembers `value` for `key`, forgetting the oldest key if full. */
  set(key: K, value: V): void {
    const entries = this.#entries;
    if (entries.size >= this.#limit && !entries.has(key)) {
      const oldest = entries.keys().next();
      if (!oldest.done) entries.delete(oldest.value);
    }
    entries.set(key, value);
  }

  /** Forgets `key`. */
  delete(key: K): void {
    this.#entries.delete(key);
  }
}
