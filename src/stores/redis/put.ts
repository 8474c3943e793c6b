// A write or delete of one session, checked against the version it was
// planned on ("*": any): the value encoded and held to `maxBytes` (not a
// write of stored data put back), then one WRITE script that also checks and
// releases the update's lease. A lost lease is a `SessionLeaseLostError`;
// a version that moved on is `{ ok: false }`, with the lease still held.
import type {
  CompareAndSetResult,
  WriteOptions,
} from "../../contract/storage_adapter.ts";
import { SessionValueError } from "../../contract/errors.ts";
import { SessionLeaseLostError } from "../../contract/lease_errors.ts";
import { isRewrite } from "../../contract/_rewrite.ts";
import { checkStorable } from "../../values/_storable.ts";
import type { Send } from "./client.ts";
import { encodeSession } from "./codec.ts";
import { utf8Length } from "../../values/_utf8.ts";
import type { SessionKeys } from "./keys.ts";
import { RedisLease } from "./lease.ts";
import type { ResolvedRedisOptions } from "./options.ts";
import { run, WRITE } from "./scripts.ts";
import { versionOf } from "./version.ts";

const TOKEN_PREFIX = crypto.randomUUID().slice(0, 8);
let nextToken = 0;

/** One write: the session key, the expected version, the value, options. */
export interface Put {
  key: string;
  /** A version, "" for "absent", or "*" for any. */
  expected: string;
  /** `undefined` deletes. */
  value: unknown;
  options: WriteOptions | undefined;
}

/** The text to store for `put.value` ("" for a delete), checked. */
function encoded(put: Put, maxBytes: number): string {
  if (put.value === undefined) return "";
  checkStorable(put.key, put.value);
  const text = encodeSession(put.key, put.value);
  if (text.length > maxBytes / 3 && !isRewrite(put.options)) {
    const bytes = utf8Length(text);
    if (bytes > maxBytes) {
      throw new SessionValueError(
        put.key,
        `it takes ${bytes} bytes in Redis, more than maxBytes (${maxBytes})`,
      );
    }
  }
  return text;
}

/** Runs one checked write (see the module comment). */
export async function putSession(
  send: Send,
  keys: SessionKeys,
  put: Put,
  options: ResolvedRedisOptions,
): Promise<CompareAndSetResult> {
  const text = encoded(put, options.maxBytes);
  const given = put.options?.lease;
  const lease = given instanceof RedisLease && (given.held || given.lost)
    ? given
    : undefined;
  if (lease?.lost) throw new SessionLeaseLostError(put.key);
  const token = `${TOKEN_PREFIX}${(nextToken++).toString(36)}`;
  await lease?.pause();
  let answer: [number];
  try {
    answer = await run(send, WRITE, [keys.value, keys.version, keys.lease], [
      put.expected,
      text,
      token,
      options.timeToLive,
      lease?.owner ?? "",
      put.value === undefined ? "d" : "s",
    ]) as [number];
  } catch (error) {
    lease?.resume();
    throw error;
  }
  const outcome = Number(answer[0]);
  if (outcome === -1) {
    lease?.settle(false);
    throw new SessionLeaseLostError(put.key);
  }
  if (outcome !== 1) {
    lease?.resume();
    return { ok: false };
  }
  lease?.settle(true);
  return {
    ok: true,
    version: put.value === undefined ? null : versionOf(token, text),
  };
}
