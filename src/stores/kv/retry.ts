// Retry on "database is locked", and telling KV's errors apart.

const TOO_LARGE = /Value too large|ValueTooLong/i;
const NOT_CLONEABLE = /could not be cloned|DataCloneError/i;
const KEY_TOO_LARGE = /Key too large|KeyTooLong/i;
const LOCKED = /database is locked|SQLITE_BUSY|database table is locked/i;

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : "";
}

/** KV refused a value over its size limit (Deno or `@deno/kv`). */
export function isValueTooLarge(error: unknown): boolean {
  return TOO_LARGE.test(messageOf(error));
}

/** KV (or V8) could not serialise a value. */
export function isNotCloneable(error: unknown): boolean {
  return NOT_CLONEABLE.test(messageOf(error)) ||
    (error instanceof Error && error.name === "DataCloneError");
}

/** KV refused a key over its size limit. */
export function isKeyTooLarge(error: unknown): boolean {
  return KEY_TOO_LARGE.test(messageOf(error));
}

/** SQLite was busy: the commit was not applied and may be retried. */
export function isLocked(error: unknown): boolean {
  return LOCKED.test(messageOf(error));
}

/**
 * How often a locked database is retried before the error surfaces: about
 * 5 s of waiting in all. Twelve tries (about 0.6 s on average) were seen to
 * run out with four processes committing to one file on a loaded machine.
 */
const LOCK_ATTEMPTS = 40;

/** Waits a random time up to `2 ms * 2^attempt`, at most 250 ms. */
export function backoff(attempt: number): Promise<void> {
  const cap = Math.min(250, 2 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * cap));
}

/**
 * Runs `operation`, retrying it with jittered exponential backoff (2 ms up to
 * 250 ms per wait, about 5 s in total) while KV says the database is locked.
 */
export async function retryLocked<T>(operation: () => Promise<T>): Promise<T> {
  for (let attempt = 0;; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!isLocked(error) || attempt + 1 >= LOCK_ATTEMPTS) throw error;
      await backoff(attempt);
    }
  }
}
