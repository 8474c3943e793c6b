// This module is browser compatible.
// Session migrations of `enhanceStorage`: the public `Migrations` type, their
// validation into a list sorted by version, and running the pending ones on
// a copy of the stored data.

/**
 * Migration functions by version number. Each turns the data of the previous
 * version into the data of its version. Versions may be fractional (1, 1.5,
 * 2) and run in ascending order.
 */
export interface Migrations {
  /** The migration to `version`, from the data of the version before. */
  // deno-lint-ignore no-explicit-any
  [version: number]: (old: any) => any;
}

/** Migrations sorted by version, ascending. */
// deno-lint-ignore no-explicit-any
export type MigrationList = [version: number, migrate: (old: any) => any][];

/**
 * Checks `migrations` and sorts them by version; throws a `TypeError` for a
 * key that is not a number or a value that is not a function, and an error
 * for an empty object.
 */
export function sortMigrations(
  migrations: Migrations | undefined,
): MigrationList {
  // Looked up by the original key, so that keys such as "01" or "1e3"
  // find their function.
  const list = Object.entries(migrations ?? {}).map(([key, fn]) => {
    const version = Number(key);
    if (key.trim() === "" || !Number.isFinite(version)) {
      throw new TypeError(`Migration version "${key}" is not a number`);
    }
    if (typeof fn !== "function") {
      throw new TypeError(`Migration ${key} is not a function`);
    }
    return [version, fn] as [number, typeof fn];
  }).sort(([a], [b]) => a - b);
  if (migrations !== undefined && list.length === 0) {
    throw new Error(
      "No migrations given! Pass at least one migration, or leave out `migrations`.",
    );
  }
  return list;
}

// A structured clone of `value`, or `value` itself if it cannot be cloned.
function copyIfPossible(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}

/** The migrations newer than `version` (data without one predates all). */
export function pendingMigrations(
  list: MigrationList,
  version: number | undefined,
): MigrationList {
  const current = version ?? -Infinity;
  return list.filter(([v]) => v > current);
}

/**
 * Runs `pending` on a copy of `data`: a migration that changes its argument
 * in place must not change a value the wrapped storage still holds (an
 * in-memory storage may hand out the stored object itself).
 */
export function runMigrations(pending: MigrationList, data: unknown): unknown {
  let result: unknown = copyIfPossible(data);
  for (const [, migrate] of pending) result = migrate(result);
  return result;
}
