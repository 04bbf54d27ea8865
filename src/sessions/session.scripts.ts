import type { Result } from "ioredis";

/**
 * The session store's Lua scripts. Each declares every key it touches in KEYS, and all of them
 * carry the user's hash tag (infra/redis.keys.ts), so each runs on one Redis Cluster slot.
 *
 * A script that must reach every session of a user (create with the per-user limit, revoke all)
 * cannot build their keys itself: the caller reads the user's set first and declares the keys of
 * the ids it saw, with the ids in ARGV. If the script would have to delete a session the caller
 * did not declare (one created in between), it changes nothing and answers `stale`; the caller
 * reads again and retries (optimistic concurrency, as WATCH would give, but in one round trip).
 */

// KEYS: new session, user set, then the sessions of the declared ids. ARGV: max sessions, now
// (ms), ttl (s), new session id, n, the n declared ids, then field/value pairs. Returns {'stale'}
// when it would have to delete a session the caller did not declare, else {'created', evicted
// ids…} (the sessions ended to stay within the limit, oldest first). An undeclared id is a
// session created concurrently: counted as alive, and only a conflict if it is the oldest.
export const CREATE = `
local max, now, ttl, id, n = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5])
local keyOf = {}
for i = 1, n do keyOf[ARGV[5 + i]] = KEYS[2 + i] end
for _, member in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  if keyOf[member] and redis.call('EXISTS', keyOf[member]) == 0 then redis.call('ZREM', KEYS[2], member) end
end
local result = {'created'}
while redis.call('ZCARD', KEYS[2]) >= max do
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
  if not keyOf[oldest] then return {'stale'} end
  redis.call('DEL', keyOf[oldest])
  redis.call('ZREM', KEYS[2], oldest)
  table.insert(result, oldest)
end
local fields = {}
for i = 6 + n, #ARGV do table.insert(fields, ARGV[i]) end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('ZADD', KEYS[2], now, id)
redis.call('EXPIRE', KEYS[2], ttl)
return result
`;

// KEYS: session hash, user set. ARGV: presented jti, new refresh jti, new access jti, now (ms),
// grace (ms), ttl (s), issuedAt (s), session id, client fingerprint. The grace pair goes only to
// the client that rotated (same fingerprint); the same token from anyone else is reuse.
export const ROTATE = `
local s = redis.call('HMGET', KEYS[1], 'userId', 'refreshJti', 'previousRefreshJti', 'rotatedAt',
  'accessJti', 'issuedAt', 'rotatedBy')
if not s[1] then return {'missing'} end
local presented, now = ARGV[1], tonumber(ARGV[4])
if presented == s[2] then
  redis.call('HSET', KEYS[1], 'refreshJti', ARGV[2], 'previousRefreshJti', presented,
    'rotatedAt', now, 'rotatedBy', ARGV[9], 'accessJti', ARGV[3], 'issuedAt', ARGV[7], 'lastUsedAt', now,
    'expiresAt', now + tonumber(ARGV[6]) * 1000)
  redis.call('EXPIRE', KEYS[1], ARGV[6])
  redis.call('ZADD', KEYS[2], now, ARGV[8])
  redis.call('EXPIRE', KEYS[2], ARGV[6])
  return {'rotated'}
end
if presented == s[3] and now - tonumber(s[4]) < tonumber(ARGV[5]) and s[7] == ARGV[9] then
  return {'grace', s[2], s[5], s[6]}
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[8])
return {'reused'}
`;

// KEYS: user set, then the sessions of the declared ids. ARGV: n, the n declared ids, then ids to
// keep. Deletes every other session of the user. Returns {'stale'} or {'revoked', ids…}.
export const REVOKE_ALL_EXCEPT = `
local n = tonumber(ARGV[1])
local keyOf, keep = {}, {}
for i = 1, n do keyOf[ARGV[1 + i]] = KEYS[1 + i] end
for i = 2 + n, #ARGV do keep[ARGV[i]] = true end
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
for _, member in ipairs(members) do
  if not keyOf[member] then return {'stale'} end
end
local result = {'revoked'}
for _, member in ipairs(members) do
  if not keep[member] then
    if redis.call('DEL', keyOf[member]) == 1 then table.insert(result, member) end
    redis.call('ZREM', KEYS[1], member)
  end
end
return result
`;

// KEYS: session hash, user set. ARGV: now (ms), session id. Only a live session is touched, so a
// touch racing a revocation cannot resurrect the session as a hash without an expiry.
export const TOUCH = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'lastUsedAt', ARGV[1])
redis.call('ZADD', KEYS[2], 'XX', ARGV[1], ARGV[2])
return 1
`;

// KEYS: session hash, user set. ARGV: session id, ttl (ms), then field/value pairs. Writes a
// session moved from an earlier key layout, unless the session already exists in this one.
// Returns 1 when written.
export const IMPORT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local fields = {}
for i = 3, #ARGV do table.insert(fields, ARGV[i]) end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
local lastUsed = redis.call('HGET', KEYS[1], 'lastUsedAt') or '0'
redis.call('ZADD', KEYS[2], lastUsed, ARGV[1])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
return 1
`;

/** Scripts whose key count depends on the call take it as their first argument. */
type Args = (string | number)[];

declare module "ioredis" {
  interface RedisCommander<Context> {
    createSession(numberOfKeys: number, ...keysAndArgs: Args): Result<string[], Context>;
    rotateSession(sessionKey: string, userSetKey: string, ...args: Args): Result<string[], Context>;
    revokeSessionsExcept(numberOfKeys: number, ...keysAndArgs: Args): Result<string[], Context>;
    touchSession(
      sessionKey: string,
      userSetKey: string,
      now: number,
      sessionId: string,
    ): Result<number, Context>;
    importSession(sessionKey: string, userSetKey: string, ...args: Args): Result<number, Context>;
  }
}
