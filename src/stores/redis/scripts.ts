// The Lua scripts: every read-modify-write of a session happens inside
// Redis, on the keys of one hash slot (the session key and its companions,
// `keys.ts`), so it runs on Redis Cluster and no other client can come in
// between. A version is the token our last write put in the version key
// (empty if none, as for data written by `@grammyjs/storage-redis`), then
// either `=` and the stored text itself (small texts: nothing to hash on
// either side) or `:` and the SHA-1 of the stored text (`version.ts`). The
// text half tells a write by another program that left the token alone.
import type { Send } from "./client.ts";
import { sha1Hex } from "./version.ts";

/** A script: its source, and its SHA-1 once first run. */
export interface Script {
  source: string;
  /** The SHA-1 (what EVALSHA names it by), once computed. */
  sha?: string;
}

const script = (source: string): Script => ({ source });

/**
 * Read. KEYS: value, version. ARGV: time to live in ms ("0": none; else the
 * deadline is renewed), "1" to have the SHA-1 of the text as well. Gives
 * nil, or {text, token} or {text, token, sha1}.
 */
export const READ = script(`
local text = redis.call('GET', KEYS[1])
if not text then return false end
local token = redis.call('GET', KEYS[2]) or ''
if ARGV[1] ~= '0' then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  if token ~= '' then redis.call('PEXPIRE', KEYS[2], ARGV[1]) end
end
if ARGV[2] == '1' then return {text, token, redis.sha1hex(text)} end
return {text, token}
`);

/**
 * Write or delete, checked. KEYS: value, version, lease. ARGV: expected
 * version ("*": any, "": absent), text ("" with op "d": delete), new token,
 * time to live in ms ("0": none), lease owner ("": no lease), op ("s"/"d").
 * Gives {1} (written), {0} (the version was not the expected one), or {-1}
 * (the lease is not ours any more; nothing written).
 */
export const WRITE = script(`
if ARGV[5] ~= '' then
  if redis.call('GET', KEYS[3]) ~= ARGV[5] then return {-1} end
end
if ARGV[1] ~= '*' then
  local text = redis.call('GET', KEYS[1])
  if ARGV[1] == '' then
    if text then return {0} end
  else
    if not text then return {0} end
    local token = redis.call('GET', KEYS[2]) or ''
    local kind = string.sub(ARGV[1], #token + 1, #token + 1)
    local now
    if kind == '=' then now = token .. '=' .. text
    else now = token .. ':' .. redis.sha1hex(text) end
    if now ~= ARGV[1] then return {0} end
  end
end
if ARGV[5] ~= '' then redis.call('DEL', KEYS[3]) end
if ARGV[6] == 'd' then
  redis.call('DEL', KEYS[1], KEYS[2])
  return {1}
end
if ARGV[4] == '0' then
  redis.call('SET', KEYS[1], ARGV[2])
  redis.call('SET', KEYS[2], ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[4])
  redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
end
return {1}
`);

/**
 * Take the lease, or queue for it. KEYS: lease, claim. ARGV: owner, lease
 * time to live in ms, since (when the owner started waiting), the claim's
 * extra life in ms. A free lease is taken by the claimer, or by anyone who
 * outranks the claim (waits longer); a held lease is claimed by whoever
 * outranks the claim. Gives {1} (taken) or {0, ms until the lease or claim
 * ends, 1 if the claim is ours}.
 */
export const ACQUIRE = script(`
local holder = redis.call('GET', KEYS[1])
if holder and redis.call('PTTL', KEYS[1]) < 0 then holder = false end
local claim = redis.call('GET', KEYS[2])
local outranks = true
if claim then
  local sep = string.find(claim, '|', 1, true)
  local owner = sep and string.sub(claim, sep + 1) or ''
  if owner ~= ARGV[1] then
    local since = tonumber(sep and string.sub(claim, 1, sep - 1) or '') or 0
    local mine = tonumber(ARGV[3])
    outranks = mine < since or (mine == since and ARGV[1] < owner)
  end
end
if not holder then
  if not outranks then return {0, redis.call('PTTL', KEYS[2]), 0} end
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  if claim then redis.call('DEL', KEYS[2]) end
  return {1}
end
local left = redis.call('PTTL', KEYS[1])
if outranks then
  redis.call('SET', KEYS[2], ARGV[3] .. '|' .. ARGV[1], 'PX',
    left + tonumber(ARGV[4]))
  return {0, left, 1}
end
return {0, left, 0}
`);

/** Renew. KEYS: lease. ARGV: owner, ms. Gives 1 if still ours. */
export const RENEW = script(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`);

/** Release. KEYS: lease, claim. ARGV: owner. Gives 1 if it was ours. */
export const RELEASE = script(`
local claim = redis.call('GET', KEYS[2])
if claim and string.sub(claim, -string.len(ARGV[1]) - 1) == '|' .. ARGV[1] then
  redis.call('DEL', KEYS[2])
end
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`);

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("NOSCRIPT");
}

/**
 * Runs `s` by its SHA-1 (EVALSHA), loading it with EVAL where the server
 * does not know it yet. One command in the usual case.
 */
export async function run(
  send: Send,
  s: Script,
  keys: readonly string[],
  args: readonly string[],
): Promise<unknown> {
  const sha = s.sha ??= sha1Hex(s.source);
  const command = ["EVALSHA", sha, String(keys.length), ...keys, ...args];
  try {
    return await send(command, keys[0]);
  } catch (error) {
    if (!isNoScript(error)) throw error;
    command[0] = "EVAL";
    command[1] = s.source;
    return await send(command, keys[0]);
  }
}
