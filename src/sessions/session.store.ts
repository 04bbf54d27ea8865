import type { Redis, Result } from "ioredis";

/**
 * Server-side sessions in Redis. A session is a hash `session:<id>` that expires with its refresh
 * token, and each user has a sorted set `user-sessions:<userId>` of their session ids scored by
 * last use. Every change that must not race (create with the per-user limit, refresh rotation,
 * revocation) is one Lua script, so it is atomic across gateway processes.
 *
 * A third key, the sorted set `sessions-active` (session id scored by expiry), counts live
 * sessions for the `user_active_sessions` gauge in O(log n): it is kept up beside each change,
 * and entries past their expiry are dropped when it is read, so expired sessions need no event.
 */

export interface SessionRecord {
  id: string;
  userId: string;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  ipAddress?: string;
  userAgent?: string;
}

export interface NewSession {
  id: string;
  userId: string;
  ipAddress?: string;
  userAgent?: string;
  /** jti of the refresh token and of the access token issued with it. */
  refreshJti: string;
  accessJti: string;
  issuedAt: number;
}

/** The result of presenting a refresh token. */
export type RotationOutcome =
  | { kind: "missing" }
  | { kind: "reused" }
  | { kind: "rotated" }
  /** Within the grace window: the pair minted by the concurrent refresh, to be re-signed. */
  | { kind: "grace"; refreshJti: string; accessJti: string; issuedAt: number };

// KEYS: session hash, user set. ARGV: session-key prefix, max sessions, now (ms), ttl (s), then
// field/value pairs. Returns the ids of the sessions evicted to stay within the limit, oldest
// first.
const CREATE = `
local prefix, max, now, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  if redis.call('EXISTS', prefix .. id) == 0 then redis.call('ZREM', KEYS[2], id) end
end
local evicted = {}
while redis.call('ZCARD', KEYS[2]) >= max do
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
  redis.call('DEL', prefix .. oldest)
  redis.call('ZREM', KEYS[2], oldest)
  table.insert(evicted, oldest)
end
local fields = {}
for i = 5, #ARGV do table.insert(fields, ARGV[i]) end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('ZADD', KEYS[2], now, string.sub(KEYS[1], #prefix + 1))
redis.call('EXPIRE', KEYS[2], ttl)
return evicted
`;

// KEYS: session hash, user set. ARGV: presented jti, new refresh jti, new access jti, now (ms),
// grace (ms), ttl (s), issuedAt (s), session id, client fingerprint. The grace pair goes only to
// the client that rotated (same fingerprint); the same token from anyone else is reuse.
const ROTATE = `
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

// KEYS: user set. ARGV: session-key prefix, ids to keep. Deletes every other session of the
// user; returns the deleted ids.
const REVOKE_ALL_EXCEPT = `
local prefix = ARGV[1]
local keep = {}
for i = 2, #ARGV do keep[ARGV[i]] = true end
local revoked = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if not keep[id] then
    if redis.call('DEL', prefix .. id) == 1 then table.insert(revoked, id) end
    redis.call('ZREM', KEYS[1], id)
  end
end
return revoked
`;

// KEYS: session hash, user set. ARGV: now (ms), session id. Only a live session is touched, so a
// touch racing a revocation cannot resurrect the session as a hash without an expiry.
const TOUCH = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'lastUsedAt', ARGV[1])
redis.call('ZADD', KEYS[2], 'XX', ARGV[1], ARGV[2])
return 1
`;

declare module "ioredis" {
  interface RedisCommander<Context> {
    createSession(
      sessionKey: string,
      userSetKey: string,
      ...args: (string | number)[]
    ): Result<string[], Context>;
    rotateSession(
      sessionKey: string,
      userSetKey: string,
      ...args: (string | number)[]
    ): Result<string[], Context>;
    revokeSessionsExcept(userSetKey: string, ...args: string[]): Result<string[], Context>;
    touchSession(
      sessionKey: string,
      userSetKey: string,
      now: number,
      sessionId: string,
    ): Result<number, Context>;
  }
}

export interface SessionStoreOptions {
  keyPrefix: string;
  ttlSeconds: number;
  maxPerUser: number;
  graceSeconds: number;
}

export class SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly options: SessionStoreOptions,
  ) {
    redis.defineCommand("createSession", { numberOfKeys: 2, lua: CREATE });
    redis.defineCommand("rotateSession", { numberOfKeys: 2, lua: ROTATE });
    redis.defineCommand("revokeSessionsExcept", { numberOfKeys: 1, lua: REVOKE_ALL_EXCEPT });
    redis.defineCommand("touchSession", { numberOfKeys: 2, lua: TOUCH });
  }

  static key(sessionId: string): string {
    return `session:${sessionId}`;
  }

  static userKey(userId: string): string {
    return `user-sessions:${userId}`;
  }

  static readonly activeKey = "sessions-active";

  /** The full key prefix, which scripts need to build session keys themselves. */
  private get sessionPrefix(): string {
    return `${this.options.keyPrefix}session:`;
  }

  get ttlSeconds(): number {
    return this.options.ttlSeconds;
  }

  /** Creates a session, evicting the least recently used ones beyond the limit (returned). */
  async create(session: NewSession, now = Date.now()): Promise<{ evicted: string[] }> {
    const fields: Record<string, string | number> = {
      userId: session.userId,
      createdAt: now,
      lastUsedAt: now,
      expiresAt: now + this.options.ttlSeconds * 1000,
      refreshJti: session.refreshJti,
      accessJti: session.accessJti,
      issuedAt: session.issuedAt,
      ipAddress: session.ipAddress ?? "",
      userAgent: session.userAgent ?? "",
    };
    const evicted = await this.redis.createSession(
      SessionStore.key(session.id),
      SessionStore.userKey(session.userId),
      this.sessionPrefix,
      this.options.maxPerUser,
      now,
      this.options.ttlSeconds,
      ...Object.entries(fields).flat(),
    );
    const index = this.redis.pipeline().zadd(SessionStore.activeKey, fields.expiresAt!, session.id);
    if (evicted.length > 0) index.zrem(SessionStore.activeKey, ...evicted);
    await index.exec();
    return { evicted };
  }

  async rotate(
    session: { id: string; userId: string },
    presentedJti: string,
    next: { refreshJti: string; accessJti: string; issuedAt: number },
    /** Who presents the token (a hash of IP and User-Agent): the grace pair is only theirs. */
    client: string,
    now = Date.now(),
  ): Promise<RotationOutcome> {
    const [kind, refreshJti, accessJti, issuedAt] = await this.redis.rotateSession(
      SessionStore.key(session.id),
      SessionStore.userKey(session.userId),
      presentedJti,
      next.refreshJti,
      next.accessJti,
      now,
      this.options.graceSeconds * 1000,
      this.options.ttlSeconds,
      next.issuedAt,
      session.id,
      client,
    );
    if (kind === "grace") {
      return { kind, refreshJti: refreshJti!, accessJti: accessJti!, issuedAt: Number(issuedAt) };
    }
    if (kind === "rotated") {
      const expiresAt = now + this.options.ttlSeconds * 1000;
      await this.redis.zadd(SessionStore.activeKey, expiresAt, session.id);
    } else if (kind === "reused") {
      await this.redis.zrem(SessionStore.activeKey, session.id);
    }
    return { kind: kind as "missing" | "reused" | "rotated" };
  }

  async get(sessionId: string): Promise<SessionRecord | undefined> {
    return this.decode(sessionId, await this.redis.hgetall(SessionStore.key(sessionId)));
  }

  /** Live sessions of a user, most recently used first. */
  async listForUser(userId: string): Promise<SessionRecord[]> {
    const ids = await this.redis.zrevrange(SessionStore.userKey(userId), 0, -1);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(SessionStore.key(id));
    const results = (await pipeline.exec()) ?? [];
    return ids.flatMap((id, i) => {
      const record = this.decode(id, results[i]?.[1] as Record<string, string>);
      return record ? [record] : [];
    });
  }

  /** Ends one session; false when it did not exist. */
  async revoke(sessionId: string, userId: string): Promise<boolean> {
    const [[, deleted]] = (await this.redis
      .multi()
      .del(SessionStore.key(sessionId))
      .zrem(SessionStore.userKey(userId), sessionId)
      .zrem(SessionStore.activeKey, sessionId)
      .exec()) as [[null, number], [null, number], [null, number]];
    return deleted === 1;
  }

  /** Ends every session of a user except those in `keep`; returns the ids ended. */
  async revokeAllExcept(userId: string, keep: string[] = []): Promise<string[]> {
    const revoked = await this.redis.revokeSessionsExcept(
      SessionStore.userKey(userId),
      this.sessionPrefix,
      ...keep,
    );
    if (revoked.length > 0) await this.redis.zrem(SessionStore.activeKey, ...revoked);
    return revoked;
  }

  /** Live sessions of all users (drops index entries whose session has expired). */
  async countActive(now = Date.now()): Promise<number> {
    const results = await this.redis
      .multi()
      .zremrangebyscore(SessionStore.activeKey, "-inf", now)
      .zcard(SessionStore.activeKey)
      .exec();
    const [error, count] = results?.[1] ?? [];
    if (error) throw error;
    return Number(count);
  }

  /** Records use of a session (throttled by the caller: see Authenticator). */
  async touch(sessionId: string, userId: string, now = Date.now()): Promise<void> {
    await this.redis.touchSession(
      SessionStore.key(sessionId),
      SessionStore.userKey(userId),
      now,
      sessionId,
    );
  }

  private decode(id: string, hash: Record<string, string> | undefined) {
    if (!hash?.userId) return undefined;
    return {
      id,
      userId: hash.userId,
      createdAt: new Date(Number(hash.createdAt)),
      lastUsedAt: new Date(Number(hash.lastUsedAt)),
      expiresAt: new Date(Number(hash.expiresAt)),
      ipAddress: hash.ipAddress || undefined,
      userAgent: hash.userAgent || undefined,
    } satisfies SessionRecord;
  }
}
