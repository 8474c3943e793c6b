// The lease of `PostgresStorage` (option `lease`): one row per leased key in
// `<table>_leases`, `{ owner, until }` plus the claim of the next waiter
// `{ next_owner, next_until, next_since }`. The same rules as the Deno KV
// lease (`src/stores/kv/lease.ts`), in SQL:
//
// - Taking is one statement: an upsert that takes the row if it is free
//   (past `until`) and no older waiter has claimed the next turn, or
//   otherwise claims the next turn if no older waiter did. The waiter that
//   started waiting first goes next, so every instance makes progress.
// - Waiting reads (one SELECT per poll, jittered backoff from 4 to 40 ms for
//   the claimer, 8 to 100 ms for the others) and writes only to take or
//   claim.
// - The holder renews every third of the lease's time to live, up to
//   `maxHold`; a holder that dies frees the key within the time to live.
// - The lease is given back in the statement that writes the session (see
//   `statements.ts`, `casLeased`), which writes only if the lease is still
//   this update's; or by `release()`.
//
// No advisory locks: they belong to a connection, and a pool hands each
// statement to any connection.
import { SessionConflictError } from "../../contract/errors.ts";
import { leaseRenewalDelay, LeaseRenewals } from "../../contract/_timers.ts";
import { DEFAULT_MAX_HOLD } from "../../contract/_lease_option.ts";
import type {
  AcquireLeaseOptions,
  SessionLease,
} from "../../contract/storage_adapter.ts";
import type { Row, Runner } from "./client.ts";
import type { LeaseStatements } from "./statements.ts";

/** Thrown at the write of an update whose lease another instance took. */
export function leaseLost(key: string): SessionConflictError {
  const error = new SessionConflictError(key);
  error.message =
    `Session "${key}": this update held the key's lease for longer than it may (maxHold or the lease's time to live), another instance took it, so this update's changes were not written`;
  return error;
}

/** A held lease; see the file comment. */
export class PostgresLease implements SessionLease {
  /** The session key. */
  readonly key: string;
  /** The holder's name, stored in the row. */
  readonly owner: string;
  /** The statements' owner: the store that made the lease. */
  readonly maker: object;
  readonly #run: Runner;
  readonly #sql: LeaseStatements;
  readonly #ttl: number;
  readonly #latest: number;
  #until: number;
  #state: "held" | "released" | "lost" = "held";
  readonly #renewals = new LeaseRenewals(async () => {
    try {
      await this.#renew();
    } finally {
      this.#schedule();
    }
  });

  /** Use {@linkcode takeLease}. */
  constructor(
    maker: object,
    run: Runner,
    sql: LeaseStatements,
    taken: { key: string; owner: string; until: number },
    times: { timeToLive: number; latest: number },
  ) {
    this.maker = maker;
    this.#run = run;
    this.#sql = sql;
    this.key = taken.key;
    this.owner = taken.owner;
    this.#until = taken.until;
    this.#ttl = times.timeToLive;
    this.#latest = times.latest;
    this.#schedule();
  }

  /** Whether the lease is still ours (not released, not known lost). */
  get held(): boolean {
    return this.#state === "held";
  }

  #schedule(): void {
    if (this.#state !== "held" || this.#until >= this.#latest) return;
    this.#renewals.after(leaseRenewalDelay(this.#ttl));
  }

  async #renew(): Promise<void> {
    const until = Math.min(Date.now() + this.#ttl, this.#latest);
    if (this.#state !== "held" || until <= this.#until) return;
    try {
      const rows = await this.#run(this.#sql.renew, [
        this.key,
        this.owner,
        until,
      ]);
      if (this.#state !== "held") return;
      if (rows.length === 0) this.#state = "lost";
      else this.#until = until;
    } catch {
      // The database is unreachable: keep it until its deadline, try again.
    }
  }

  /**
   * Stops renewing before the write that gives the lease back; throws if
   * the lease is known to be lost.
   */
  async settleBeforeWrite(): Promise<void> {
    await this.#renewals.stop();
    if (this.#state === "lost") throw leaseLost(this.key);
  }

  /** Records the outcome of a write that gave the lease back. */
  settleAfterWrite(held: boolean): void {
    if (this.#state !== "held") return;
    this.#state = held ? "released" : "lost";
    if (!held) throw leaseLost(this.key);
  }

  /** Gives the lease back if it is still held; safe to call twice. */
  async release(): Promise<void> {
    await this.#renewals.stop();
    if (this.#state !== "held") return;
    this.#state = "released";
    await this.#run(this.#sql.release, [this.key, this.owner]);
  }
}

// The next poll of a waiter, in ms (see the file comment).
function pollDelay(round: number, claimer: boolean): number {
  const base = claimer ? 4 : 8;
  const cap = claimer ? 40 : 100;
  const ceiling = Math.min(cap, base * 2 ** Math.min(round, 16));
  return ceiling / 2 + Math.random() * ceiling / 2;
}

const num = (value: unknown): number =>
  typeof value === "number" ? value : Number(value ?? 0);

/**
 * Takes the lease of `key`, waiting while another holder has it.
 */
export async function takeLease(
  maker: object,
  run: Runner,
  sql: LeaseStatements,
  key: string,
  timeToLive: number,
  options: AcquireLeaseOptions = {},
): Promise<PostgresLease> {
  const maxHold = options.maxHold ?? DEFAULT_MAX_HOLD;
  const owner = crypto.randomUUID();
  const since = Date.now();
  const latest = since + maxHold;
  let row: Row | undefined; // unknown before the first attempt
  for (let round = 0;; round++) {
    const now = Date.now();
    const until = Math.min(now + timeToLive, latest);
    const leaseFree = row === undefined || num(row.until) <= now;
    const claimLive = row !== undefined && row.next_owner !== null &&
      num(row.next_until) > now;
    const claimMine = claimLive && row!.next_owner === owner;
    const outranks = !claimLive || claimMine ||
      since < num(row!.next_since) ||
      (since === num(row!.next_since) && owner < String(row!.next_owner));
    if (outranks && (leaseFree || !claimMine)) {
      const [taken] = await run(sql.take, [
        key,
        owner,
        now,
        until,
        since,
        Math.min(timeToLive, 1000),
      ]);
      if (taken?.taken === true) {
        return new PostgresLease(maker, run, sql, { key, owner, until }, {
          timeToLive,
          latest,
        });
      }
    }
    const waitUntil = row === undefined
      ? now + 4
      : leaseFree
      ? num(row.next_until)
      : num(row.until);
    const delay = Math.min(
      pollDelay(round, claimMine),
      Math.max(1, waitUntil - Date.now() + 1),
    );
    await new Promise((resolve) => setTimeout(resolve, delay));
    [row] = await run(sql.peek, [key]);
    row ??= { until: 0, next_owner: null, next_until: 0, next_since: 0 };
  }
}
