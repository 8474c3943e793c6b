// This module is browser compatible.
// The objects a walk over a session value has already visited.
//
// The copy, the change check and the storability check all walk a value
// once, and each remembers what it made of an object it met before (its
// copy, its number in a fingerprint), so that shared references and cycles
// come out as V8 serialisation keeps them.

/**
 * Maps objects already visited to what the walk made of them. Most session
 * values hold a few dozen objects, and for those a linear scan of two arrays
 * is far cheaper than a `Map` that is filled and cleared on every call; past
 * `SCAN_LIMIT` entries it moves everything into a `Map`.
 */
export class Seen {
  #keys: object[] = [];
  #values: unknown[] = [];
  #count = 0;
  #map: Map<object, unknown> | undefined = undefined;

  /** How many objects were recorded. */
  get size(): number {
    return this.#map === undefined ? this.#count : this.#map.size;
  }

  /** What was recorded for `key`, or `undefined`. */
  get(key: object): unknown {
    if (this.#map !== undefined) return this.#map.get(key);
    const keys = this.#keys;
    const count = this.#count;
    for (let i = 0; i < count; i++) {
      if (keys[i] === key) return this.#values[i];
    }
    return undefined;
  }

  /** Records `value` for `key`, which must not have been recorded yet. */
  set(key: object, value: unknown): void {
    if (this.#map !== undefined) {
      this.#map.set(key, value);
    } else if (this.#count < SCAN_LIMIT) {
      this.#keys[this.#count] = key;
      this.#values[this.#count++] = value;
    } else {
      const map = new Map<object, unknown>();
      for (let i = 0; i < this.#count; i++) {
        map.set(this.#keys[i]!, this.#values[i]);
      }
      map.set(key, value);
      this.#map = map;
      this.#release();
    }
  }

  /** Forgets everything, so that no object is kept alive after a call. */
  clear(): void {
    this.#release();
    this.#map = undefined;
  }

  #release(): void {
    const keys = this.#keys;
    const values = this.#values;
    for (let i = 0; i < this.#count; i++) {
      keys[i] = undefined as unknown as object;
      values[i] = undefined;
    }
    this.#count = 0;
  }
}

const SCAN_LIMIT = 48;

/**
 * A `Seen` shared by every call of one walk, so that walking a small value
 * allocates nothing but its result; a walk started while another runs (a
 * getter that copies a value) gets a fresh one.
 */
export class SeenPool {
  #shared: Seen = new Seen();
  #inUse = false;

  /** A map to use for one walk; give it back with `release`. */
  take(): Seen {
    if (this.#inUse) return new Seen();
    this.#inUse = true;
    return this.#shared;
  }

  /** Ends the walk that took `seen`. */
  release(seen: Seen): void {
    if (seen !== this.#shared) return;
    seen.clear();
    this.#inUse = false;
  }
}
