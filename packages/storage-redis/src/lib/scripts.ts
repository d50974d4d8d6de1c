import { createHash } from "node:crypto";
import type { Cluster, Redis } from "ioredis";

/** An ioredis client the store can use: a single server or a Cluster. */
export type RedisClient = Redis | Cluster;

/** A Lua script with its SHA-1, run by EVALSHA with an EVAL fallback. @internal */
export interface Script {
  readonly text: string;
  readonly sha: string;
}

const script = (text: string): Script => ({ text, sha: createHash("sha1").update(text).digest("hex") });

/**
 * Compare-and-set write of one record hash plus its index entry, atomically.
 * KEYS: record, index. ARGV: mode (`cas`: stored version must equal `expected`; `newer`: stored version
 * must be lower than `version`), expected, version, keepCreated (`1`: the stored creation time must equal
 * `created` — the seal covers it), created, columns, sealed, member, ttlMs (`0`: no expiry).
 * Returns `{1, previous, created}` written, `{0, actual}` conflict or older, `{-3, actual, stored created}`
 * the version matched but the creation time did not (seal again with it), `{-2, 0}` not a record hash.
 * @internal
 */
export const writeScript = script(`
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind ~= 'none' and kind ~= 'hash' then return {-2, 0} end
local actual = 0
local created = ARGV[5]
local storedCreated = nil
if kind == 'hash' then
  local stored = redis.call('HMGET', KEYS[1], 'version', 'created')
  actual = tonumber(stored[1])
  if actual == nil or tonumber(stored[2]) == nil then return {-2, 0} end
  storedCreated = stored[2]
end
if ARGV[1] == 'cas' then
  if actual ~= tonumber(ARGV[2]) then return {0, actual} end
elseif actual >= tonumber(ARGV[3]) then
  return {0, actual}
end
if ARGV[4] == '1' and storedCreated ~= nil and storedCreated ~= created then return {-3, actual, storedCreated} end
redis.call('HSET', KEYS[1], 'version', ARGV[3], 'created', created, 'columns', ARGV[6], 'sealed', ARGV[7])
redis.call('ZADD', KEYS[2], 0, ARGV[8])
local ttl = tonumber(ARGV[9])
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) else redis.call('PERSIST', KEYS[1]) end
return {1, actual, created}
`);

/**
 * Deletes one record hash and its index entry, atomically, optionally only at one version.
 * KEYS: record, index. ARGV: expected (`''`: any version), member.
 * Returns `{1, version}` deleted, `{0, 0}` absent (a stale index entry is removed), `{-1, actual}`
 * version conflict, `{-2, 0}` not a record hash and a version was expected.
 * @internal
 */
export const deleteScript = script(`
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind == 'none' then
  redis.call('ZREM', KEYS[2], ARGV[2])
  return {0, 0}
end
local actual = nil
if kind == 'hash' then actual = tonumber(redis.call('HGET', KEYS[1], 'version')) end
if ARGV[1] ~= '' then
  if actual == nil then return {-2, 0} end
  if actual ~= tonumber(ARGV[1]) then return {-1, actual} end
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
return {1, actual or 0}
`);

/**
 * Keeps the index members whose record still exists and removes the others (records that expired).
 * KEYS: index, then one record key per member. ARGV: the members. Returns the live members.
 * @internal
 */
export const pruneScript = script(`
local live = {}
for i = 1, #ARGV do
  if redis.call('EXISTS', KEYS[i + 1]) == 1 then
    live[#live + 1] = ARGV[i]
  else
    redis.call('ZREM', KEYS[1], ARGV[i])
  end
end
return live
`);

/** Deletes a lease key only if it still holds this holder's token. KEYS: lease. ARGV: token. @internal */
export const releaseScript = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/** True for Redis's "script not loaded" reply. @internal */
export function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("NOSCRIPT");
}

/**
 * Runs a script by EVALSHA and falls back to EVAL when the server does not have it (first use, or a
 * restarted server); the fallback caches it again. @internal
 */
export async function runScript(
  client: RedisClient,
  { sha, text }: Script,
  keys: readonly string[],
  args: readonly (string | Buffer)[],
): Promise<unknown> {
  try {
    return await client.evalsha(sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!isNoScript(error)) throw error;
    return await client.eval(text, keys.length, ...keys, ...args);
  }
}
