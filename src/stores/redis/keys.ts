// The layout in Redis: a session lives at `prefix + key` as a string (plain
// JSON, or the V8 encoding of `codec.ts`), beside companion keys in the same
// hash slot: its version (`~sk:v`), its lease (`~sk:lease`) and the claim of
// the next lease holder (`~sk:next`). A key without a hash tag gets its
// companions under the tag `{prefix + key}`, which hashes to the same slot as
// the key itself; a key with a hash tag keeps it, and the companion name is
// the key plus the suffix.

/** The suffixes of the companion keys; listing skips keys ending in them. */
export const VERSION_SUFFIX = "~sk:v";
export const LEASE_SUFFIX = "~sk:lease";
export const CLAIM_SUFFIX = "~sk:next";
const SUFFIXES = [VERSION_SUFFIX, LEASE_SUFFIX, CLAIM_SUFFIX];

/** Whether `key` has a hash tag: a `{`, later a `}`, something between. */
export function hasHashTag(key: string): boolean {
  const open = key.indexOf("{");
  if (open === -1) return false;
  const close = key.indexOf("}", open + 1);
  return close > open + 1;
}

/** The name of a companion of Redis key `redisKey`, in its hash slot. */
export function companion(redisKey: string, suffix: string): string {
  return hasHashTag(redisKey) || redisKey.includes("}")
    ? redisKey + suffix
    : `{${redisKey}}${suffix}`;
}

/** Whether `redisKey` is a companion key (listing skips it). */
export function isCompanion(redisKey: string): boolean {
  return SUFFIXES.some((suffix) => redisKey.endsWith(suffix));
}

/** The Redis keys of one session. */
export interface SessionKeys {
  /** Where the value is: `prefix + key`. */
  value: string;
  /** Its version token. */
  version: string;
  /** Its lease. */
  lease: string;
  /** The claim of the next lease holder. */
  claim: string;
}

/** The keys of session `key` under `prefix`. */
export function sessionKeys(prefix: string, key: string): SessionKeys {
  const value = prefix + key;
  return {
    value,
    version: companion(value, VERSION_SUFFIX),
    lease: companion(value, LEASE_SUFFIX),
    claim: companion(value, CLAIM_SUFFIX),
  };
}

/** `text` with the glob characters of SCAN's MATCH escaped. */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}
