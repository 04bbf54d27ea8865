import { RedisKeys } from "../infra/redis.keys";
import type { RedisClient } from "../infra/redis";
import { CREATE, IMPORT, REVOKE_ALL_EXCEPT, ROTATE, TOUCH } from "./session.scripts";

/**
 * Server-side sessions in Redis. A session is a hash that expires with its refresh token, and each
 * user has a sorted set of their session ids scored by last use; both carry the user's hash tag
 * (infra/redis.keys.ts), so a session is addressed by user id and session id together. Every
 * change that must not race (create with the per-user limit, refresh rotation, revocation) is one
 * Lua script on that one slot, so it is atomic across gateway processes and on a Redis Cluster.
 *
 * A third key, the sorted set `sessions-active` (session id scored by expiry), counts live
 * sessions for the `user_active_sessions` gauge in O(log n): it is kept up beside each change
 * (not in the same script: it lives on another slot), and entries past their expiry are dropped
 * when it is read, so expired sessions need no event.
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

export interface SessionStoreOptions {
  ttlSeconds: number;
  maxPerUser: number;
  graceSeconds: number;
}

/** Rounds of read-then-script before a create or revoke-all gives up (see session.scripts.ts). */
const MAX_ATTEMPTS = 20;

/** A session as an earlier key layout stored it (sessions/session.migration.ts). */
export interface ImportedSession {
  id: string;
  fields: Record<string, string>;
  ttlMs: number;
}

export class SessionStore {
  private readonly redis: RedisClient;
  private readonly options: SessionStoreOptions;

  constructor(deps: {
    redis: RedisClient;
    options: SessionStoreOptions;
  }) {
    this.redis = deps.redis;
    this.options = deps.options;
    // Auto-pipelining routes a command by its first argument, which for a variable key count is
    // the count, not a key: on a cluster these two would join another slot's pipeline. They go
    // out on their own instead (a copy: ioredis shares its default list between clients).
    const client = this.redis.options as { autoPipeliningIgnoredCommands?: string[] } | undefined;
    if (client) {
      client.autoPipeliningIgnoredCommands = [
        ...(client.autoPipeliningIgnoredCommands ?? []),
        "createSession",
        "revokeSessionsExcept",
      ];
    }
    this.redis.defineCommand("createSession", { lua: CREATE });
    this.redis.defineCommand("rotateSession", { numberOfKeys: 2, lua: ROTATE });
    this.redis.defineCommand("revokeSessionsExcept", { lua: REVOKE_ALL_EXCEPT });
    this.redis.defineCommand("touchSession", { numberOfKeys: 2, lua: TOUCH });
    this.redis.defineCommand("importSession", { numberOfKeys: 2, lua: IMPORT });
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
    const evicted = await this.acrossUserSessions(session.userId, (ids, keys) =>
      this.redis.createSession(
        2 + keys.length,
        RedisKeys.session(session.userId, session.id),
        RedisKeys.userSessions(session.userId),
        ...keys,
        this.options.maxPerUser,
        now,
        this.options.ttlSeconds,
        session.id,
        ids.length,
        ...ids,
        ...Object.entries(fields).flat(),
      ),
    );
    await Promise.all([
      this.redis.zadd(RedisKeys.activeSessions, fields.expiresAt!, session.id),
      evicted.length > 0 ? this.redis.zrem(RedisKeys.activeSessions, ...evicted) : undefined,
    ]);
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
      RedisKeys.session(session.userId, session.id),
      RedisKeys.userSessions(session.userId),
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
      await this.redis.zadd(RedisKeys.activeSessions, expiresAt, session.id);
    } else if (kind === "reused") {
      await this.redis.zrem(RedisKeys.activeSessions, session.id);
    }
    return { kind: kind as "missing" | "reused" | "rotated" };
  }

  /** The session `sessionId` of `userId` (both from the token), if it is alive. */
  async get(userId: string, sessionId: string): Promise<SessionRecord | undefined> {
    return this.decode(sessionId, await this.redis.hgetall(RedisKeys.session(userId, sessionId)));
  }

  /**
   * Who owns session `sessionId` and when it was last used (ms), from one HMGET: the hot path of
   * every authenticated request (auth/authenticator.ts). Both null when it is not alive.
   */
  async lastUse(
    userId: string,
    sessionId: string,
  ): Promise<{ userId: string | null; lastUsedAt: number | null }> {
    const [owner, lastUsedAt] = await this.redis.hmget(
      RedisKeys.session(userId, sessionId),
      "userId",
      "lastUsedAt",
    );
    return { userId: owner ?? null, lastUsedAt: lastUsedAt === null ? null : Number(lastUsedAt) };
  }

  /** Live sessions of a user, most recently used first. */
  async listForUser(userId: string): Promise<SessionRecord[]> {
    const ids = await this.redis.zrevrange(RedisKeys.userSessions(userId), 0, -1);
    if (ids.length === 0) return [];
    // One slot (the user's tag): a pipeline, valid on a cluster too.
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(RedisKeys.session(userId, id));
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
      .del(RedisKeys.session(userId, sessionId))
      .zrem(RedisKeys.userSessions(userId), sessionId)
      .exec()) as [[null, number], [null, number]];
    await this.redis.zrem(RedisKeys.activeSessions, sessionId);
    return deleted === 1;
  }

  /** Ends every session of a user except those in `keep`; returns the ids ended. */
  async revokeAllExcept(userId: string, keep: string[] = []): Promise<string[]> {
    const revoked = await this.acrossUserSessions(userId, (ids, keys) =>
      this.redis.revokeSessionsExcept(
        1 + keys.length,
        RedisKeys.userSessions(userId),
        ...keys,
        ids.length,
        ...ids,
        ...keep,
      ),
    );
    if (revoked.length > 0) await this.redis.zrem(RedisKeys.activeSessions, ...revoked);
    return revoked;
  }

  /** Live sessions of all users (drops index entries whose session has expired). */
  async countActive(now = Date.now()): Promise<number> {
    const results = await this.redis
      .multi()
      .zremrangebyscore(RedisKeys.activeSessions, "-inf", now)
      .zcard(RedisKeys.activeSessions)
      .exec();
    const [error, count] = results?.[1] ?? [];
    if (error) throw error;
    return Number(count);
  }

  /** Records use of a session (throttled by the caller: see Authenticator). */
  async touch(sessionId: string, userId: string, now = Date.now()): Promise<void> {
    await this.redis.touchSession(
      RedisKeys.session(userId, sessionId),
      RedisKeys.userSessions(userId),
      now,
      sessionId,
    );
  }

  /** Writes a session moved from an earlier key layout; false when it already existed here. */
  async import(session: ImportedSession): Promise<boolean> {
    const userId = session.fields.userId!;
    const written = await this.redis.importSession(
      RedisKeys.session(userId, session.id),
      RedisKeys.userSessions(userId),
      session.id,
      session.ttlMs,
      ...Object.entries(session.fields).flat(),
    );
    if (written === 1 && session.fields.expiresAt) {
      await this.redis.zadd(RedisKeys.activeSessions, session.fields.expiresAt, session.id);
    }
    return written === 1;
  }

  /**
   * Runs a script that must see every session of `userId`: reads the user's set, hands `script`
   * the ids and their keys to declare, and reads again while the script answers `stale`.
   */
  private async acrossUserSessions(
    userId: string,
    script: (ids: string[], keys: string[]) => Promise<string[]>,
  ): Promise<string[]> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const ids = await this.redis.zrange(RedisKeys.userSessions(userId), 0, -1);
      const [status, ...changed] = await script(
        ids,
        ids.map((id) => RedisKeys.session(userId, id)),
      );
      if (status !== "stale") return changed;
    }
    throw new Error(`the sessions of user ${userId} kept changing: gave up after ${MAX_ATTEMPTS} attempts`);
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
