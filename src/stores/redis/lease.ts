// The lease of a session key on Redis (`RedisStorage`'s option `lease`),
// the same protocol as on Deno KV, in Lua (`scripts.ts`):
// - The lease key (`~sk:lease`) holds the holder's name, with a native
//   expiry: a holder that dies frees the key within the time to live.
// - The claim key (`~sk:next`) names the waiter that goes next: a free lease
//   is taken by the claimer, or by a waiter that has waited longer; so the
//   process that just released a hot key cannot take it straight back from
//   one that was already waiting.
// - Waiting polls with a jittered backoff (4 to 40 ms for the claimer, 8 to
//   100 ms for the others), never longer than the lease has left: no
//   pub/sub is needed.
// - The holder renews the lease every third of its time to live, up to
//   `maxHold` after taking it; the session's write checks that the lease is
//   still ours and releases it in the same script.
import type { SessionLease } from "../../contract/storage_adapter.ts";
import { leaseRenewalDelay, LeaseRenewals } from "../../contract/_timers.ts";
import type { Send } from "./client.ts";
import { ACQUIRE, RELEASE, RENEW, run } from "./scripts.ts";
import type { SessionKeys } from "./keys.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pollDelay(round: number, claimer: boolean): number {
  const base = claimer ? 4 : 8;
  const cap = claimer ? 40 : 100;
  const ceiling = Math.min(cap, base * 2 ** Math.min(round, 6));
  return ceiling / 2 + Math.random() * ceiling / 2;
}

let nextOwner = 0;
const PROCESS_ID = crypto.randomUUID().slice(0, 12);

/** A lease held on one session key (see the module comment). */
export class RedisLease implements SessionLease {
  /** The holder's name, stored in the lease key. */
  readonly owner: string;
  readonly #send: Send;
  readonly #keys: SessionKeys;
  readonly #timeToLive: number;
  readonly #latest: number;
  #state: "held" | "released" | "lost" = "held";
  readonly #renewals = new LeaseRenewals(() => this.#renew());

  /** Use {@linkcode acquireRedisLease}. */
  constructor(
    send: Send,
    keys: SessionKeys,
    owner: string,
    timeToLive: number,
    latest: number,
  ) {
    this.#send = send;
    this.#keys = keys;
    this.owner = owner;
    this.#timeToLive = timeToLive;
    this.#latest = latest;
    this.#schedule();
  }

  /** Whether the lease is still ours (not released, not known lost). */
  get held(): boolean {
    return this.#state === "held";
  }

  /** Whether a renewal or a write found that another holder took it. */
  get lost(): boolean {
    return this.#state === "lost";
  }

  /** The lease key this lease is on. */
  get key(): string {
    return this.#keys.lease;
  }

  #schedule(): void {
    const left = this.#latest - Date.now();
    if (left <= 0) return; // held as long as it may be: it expires
    this.#renewals.after(Math.min(leaseRenewalDelay(this.#timeToLive), left));
  }

  async #renew(): Promise<void> {
    if (this.#state !== "held") return;
    const ms = Math.min(this.#timeToLive, this.#latest - Date.now());
    if (ms <= 0) return;
    try {
      const ours = await run(this.#send, RENEW, [this.#keys.lease], [
        this.owner,
        String(Math.ceil(ms)),
      ]);
      if (this.#state !== "held") return;
      if (Number(ours) !== 1) {
        this.#state = "lost";
        return;
      }
    } catch {
      // Redis unreachable for now: try again at the next third.
    }
    if (this.#state === "held") this.#schedule();
  }

  /**
   * Stops renewing and waits for a renewal in flight: call it before the
   * write that releases the lease.
   */
  async pause(): Promise<void> {
    await this.#renewals.stop();
  }

  /** The write that carried the release succeeded (`true`) or found the lease gone. */
  settle(released: boolean): void {
    if (this.#state !== "held") return;
    if (released) this.#state = "released";
    else {
      this.#state = "lost";
    }
  }

  /** Resumes renewing after a write that did not release (a conflict). */
  resume(): void {
    this.#renewals.resume();
    if (this.#state === "held") this.#schedule();
  }

  /** Gives the lease back if it is still held; safe to call twice. */
  async release(): Promise<void> {
    if (this.#state !== "held") return;
    await this.pause();
    if (this.#state !== "held") return;
    this.#state = "released";
    try {
      await run(this.#send, RELEASE, [this.#keys.lease, this.#keys.claim], [
        this.owner,
      ]);
    } catch {
      // It expires by itself within its time to live.
    }
  }
}

/**
 * Takes the lease of the session at `keys`, waiting while another holder
 * has it (see the module comment).
 */
export async function acquireRedisLease(
  send: Send,
  keys: SessionKeys,
  timeToLive: number,
  maxHold: number,
): Promise<RedisLease> {
  const owner = `${PROCESS_ID}.${(nextOwner++).toString(36)}`;
  const since = Date.now();
  const claimLife = String(Math.min(timeToLive, 1000));
  for (let round = 0;; round++) {
    const now = Date.now();
    const ttl = Math.max(1, Math.ceil(Math.min(timeToLive, maxHold)));
    const answer = await run(send, ACQUIRE, [keys.lease, keys.claim], [
      owner,
      String(ttl),
      String(since),
      claimLife,
    ]) as [number, number?, number?];
    if (Number(answer[0]) === 1) {
      return new RedisLease(send, keys, owner, timeToLive, now + maxHold);
    }
    const left = Number(answer[1] ?? 0);
    const claimer = Number(answer[2] ?? 0) === 1;
    await sleep(
      Math.max(1, Math.min(pollDelay(round, claimer), left > 0 ? left + 1 : 1)),
    );
  }
}
