// What one store knows about a session: read from KV (the head alone on the
// hot path, head and pending record in full) and remembered per key.
import { decodeHead, type Head, isLive, type SessionKeys } from "./layout.ts";
import type { KvEntryLike, KvLike } from "./kv_like.ts";
import { retryLocked } from "./retry.ts";
import { BoundedMap } from "../../contract/_bounded_map.ts";

/** One generation listed in the pending record. */
export interface PendingGeneration {
  /** Number of chunks the generation has (or will have). */
  n: number;
  /** Set once the generation is doomed: deletion continues at this index. */
  del?: number;
  /**
   * When a writer listed the generation (ms since the epoch). Records of
   * 0.1.0 and of the first 0.2.0 builds have none.
   */
  t?: number;
}

/**
 * How long a generation that is being written is left alone by other
 * writers. Before, a writer reclaimed every listed generation before it
 * wrote; writers on one key then kept deleting each other's work in
 * progress, and with three of them one gave up ("kept changing") within
 * seconds. A generation listed longer ago than this belongs to a writer that
 * died; a writer that is merely slow finds its generation gone and starts
 * over, as before.
 */
export const WRITING_GRACE_MS = 10_000;

/** Whether a listed generation may be reclaimed at `now`. */
export function isReclaimable(info: PendingGeneration, now: number): boolean {
  return info.del !== undefined || info.t === undefined ||
    now - info.t >= WRITING_GRACE_MS;
}

/** Whether the pending record lists a generation to reclaim at `now`. */
export function hasReclaimable(
  pending: PendingGenerations | undefined,
  now: number,
): boolean {
  for (const gen in pending) if (isReclaimable(pending[gen]!, now)) return true;
  return false;
}

/** The pending record: generations whose chunks no head refers to. */
export type PendingGenerations = Record<string, PendingGeneration>;

/** The state of one session as last seen. */
export interface Known {
  /** The versionstamp of the head (`null` if absent). */
  vs: string | null;
  head: Head;
  /**
   * The pending record, or `undefined` if it was not read: a commit then
   * checks that it is absent and falls back to a full read if not.
   */
  pending: PendingGenerations | undefined;
  /** The versionstamp of the pending record (`null` if absent). */
  pendingVs: string | null;
}

/** The version callers see: `null` unless a live session is stored. */
export function logicalVersion(known: Known): string | null {
  return isLive(known.head, Date.now()) ? known.vs : null;
}

/** Whether the pending record lists any generation. */
export function hasPending(pending: PendingGenerations | undefined): boolean {
  for (const _ in pending) return true;
  return false;
}

/** The state a head entry (as read, or absent) shows, the record unread. */
export function knownOfHead(entry: KvEntryLike | undefined): Known {
  const vs = entry?.versionstamp ?? null;
  return {
    vs,
    head: decodeHead(entry?.value, vs !== null),
    pending: undefined,
    pendingVs: null,
  };
}

/** Reads the head alone: one KV read. */
export async function readHead(kv: KvLike, keys: SessionKeys): Promise<Known> {
  const [entry] = await retryLocked(() => kv.getMany([keys.head]));
  return knownOfHead(entry);
}

/** Reads the head and the pending record in one snapshot. */
export async function readFull(kv: KvLike, keys: SessionKeys): Promise<Known> {
  const [entry, record] = await retryLocked(() =>
    kv.getMany([keys.head, keys.pending])
  );
  const vs = entry?.versionstamp ?? null;
  const pendingVs = record?.versionstamp ?? null;
  return {
    vs,
    head: decodeHead(entry?.value, vs !== null),
    pending: pendingVs === null ? {} : pendingOf(keys.name, record!.value),
    pendingVs,
  };
}

/**
 * The pending record as read, checked: anything else at its key (damaged
 * data, or a session of another store whose prefix nests in this one's) is
 * reported, never acted on.
 */
function pendingOf(name: string, value: unknown): PendingGenerations {
  const index = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
  const valid = typeof value === "object" && value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((info: Partial<PendingGeneration>) =>
      typeof info === "object" && info !== null && index(info.n) &&
      (info.del === undefined || index(info.del)) &&
      (info.t === undefined || Number.isFinite(info.t))
    );
  if (valid) return value as PendingGenerations;
  throw new Error(
    `Session "${name}" is damaged in Deno KV: its record of pending chunks is not one this store writes (is there another store whose prefix nests inside this one's?)`,
  );
}

/** How many states a store remembers. */
const CACHE_SIZE = 1024;

/**
 * The last known state per session key. It saves the read before a write;
 * it never decides an outcome: every commit checks the versions it holds.
 * Session data is never kept, only versions and the layout.
 */
export class KnownStates {
  readonly #states = new BoundedMap<string, Known>(CACHE_SIZE);

  /** The remembered state of `key`. */
  get(key: string): Known | undefined {
    return this.#states.get(key);
  }

  /**
   * Remembers `known` as the state of `key`. Past `CACHE_SIZE` keys the one
   * remembered first goes (a key that is only updated keeps its place: a
   * forgotten state costs one read, never an outcome).
   */
  set(key: string, known: Known): void {
    const { head } = known;
    const kept: Known = head.kind !== "inline" || head.value === undefined
      ? known
      : {
        vs: known.vs,
        head: { kind: "inline", value: undefined, expires: head.expires },
        pending: known.pending,
        pendingVs: known.pendingVs,
      };
    this.#states.set(key, kept);
  }
}
