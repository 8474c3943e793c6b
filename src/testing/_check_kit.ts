// This module is browser compatible.
// What every check of `checkStorage` is made of: the check itself, the
// context it runs in (its store, the clock, the options), and the two ways a
// check ends other than passing: a failure (the store broke a guarantee, or
// lacks what the guarantee needs) and a skip (the check does not apply).

import type {
  MaybePromise,
  StorageAdapter,
} from "../contract/storage_adapter.ts";

/** A store as the checks use it: any value, any optional method. */
// deno-lint-ignore no-explicit-any
export type AnyStorage = StorageAdapter<any>;

/** What a check passes to `makeStorage`. */
export interface StoreSettings {
  /** Sessions must expire this many milliseconds after their last write. */
  timeToLive?: number;
  /** Writes of values larger than this many bytes must be refused. */
  maxBytes?: number;
}

/** The resolved options the checks read. */
export interface CheckSettings {
  /** The time to live the expiry checks ask for, in milliseconds. */
  timeToLive: number;
  /** How far past the deadline a session may still be there. */
  tolerance: number;
  /** Moves the store's clock, if the caller controls it. */
  advance: ((ms: number) => MaybePromise<void>) | undefined;
  /** The size limit to ask for, if the store takes one. */
  maxBytes: number | undefined;
  /** Whether the store takes a time to live. */
  expiry: boolean;
  /** How long the abandoned holder of a lease may hold it. */
  leaseHold: number;
}

/** The context of one check. */
export interface CheckContext {
  /** Makes a fresh store (the first call of a check is the usual one). */
  make(settings?: StoreSettings): Promise<AnyStorage>;
  /** The options of the run. */
  settings: CheckSettings;
  /** Waits `ms` milliseconds of real time. */
  sleep(ms: number): Promise<void>;
}

/** One check of the contract. */
export interface Check {
  /** The name a report gives it. */
  name: string;
  /** Methods the check needs; a store without them fails it as missing. */
  needs?: readonly (keyof AnyStorage)[];
  /** Why the guarantee needs those methods (for the report). */
  because?: string;
  /** Runs the check: returns if it passed, throws otherwise. */
  run(context: CheckContext): Promise<void>;
}

/** Thrown by a check that found the store breaking its guarantee. */
export class CheckFailed extends Error {
  /** Whether the store lacks what the guarantee needs. */
  readonly missing: boolean;

  constructor(message: string, missing = false) {
    super(message);
    this.missing = missing;
  }
}

/** Thrown by a check that does not apply to the store. */
export class CheckSkipped extends Error {}

/** Fails the check with `message` unless `condition` holds. */
export function expect(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CheckFailed(message);
}

/** What an operation did: its value, or what it threw. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Runs `operation` (which may answer at once or later) and says how it ended. */
export async function attempt<T>(
  operation: () => MaybePromise<T>,
): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await operation() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Reads the whole of a listing that may be sync or async. */
export async function collect<T>(
  listing: Iterable<T> | AsyncIterable<T>,
): Promise<T[]> {
  const items: T[] = [];
  for await (const item of listing) items.push(item);
  return items;
}

/** Describes what an operation threw, in one line. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `a non-error (${describe(error)})`;
}

/** A short description of a value, for messages. */
export function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "string") {
    return JSON.stringify(
      value.length > 60 ? value.slice(0, 57) + "..." : value,
    );
  }
  if (typeof value !== "object" || value === null) return String(value);
  const name = Object.getPrototypeOf(value)?.constructor?.name ?? "Object";
  try {
    const json = JSON.stringify(
      value,
      (_k, v) => typeof v === "bigint" ? `${v}n` : v,
    );
    if (json !== undefined && json.length <= 80) {
      return name === "Object" || name === "Array" ? json : `${name} ${json}`;
    }
  } catch {
    // A cycle: the name is enough.
  }
  return `a ${name}`;
}
