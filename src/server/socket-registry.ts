import type { Result } from "ioredis";
import type { RedisClient } from "../infra/redis";
import { RedisKeys } from "../infra/redis.keys";

/**
 * Open graphql-ws connections per user, counted in Redis so the cap holds across every gateway
 * process (a per-process count would let a user open the cap once per replica). Each user has a
 * sorted set (RedisKeys.sockets) of connection ids scored by when the entry lapses; every
 * process renews its own connections' entries on a heartbeat, so a process that dies without
 * closing its sockets stops counting against its users within `ttlMs`.
 */

// KEYS: the user's set. ARGV: now (ms), ttl (ms), max, connection id. 1: admitted, 0: full.
const ADMIT = `
local now, ttl, max = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= max then return 0 end
redis.call('ZADD', KEYS[1], now + ttl, ARGV[4])
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
`;

declare module "ioredis" {
  interface RedisCommander<Context> {
    admitConnection(
      key: string,
      now: number,
      ttlMs: number,
      max: number,
      connectionId: string,
    ): Result<number, Context>;
  }
}

export interface SocketRegistryOptions {
  maxPerUser: number;
  /** How long an entry counts without being renewed. */
  ttlMs?: number;
}

export class SocketRegistry {
  private readonly open = new Map<string, string>();
  private readonly ttlMs: number;
  private heartbeat?: NodeJS.Timeout;

  private readonly redis: RedisClient;
  private readonly options: SocketRegistryOptions;
  private readonly onRenewError: (error: unknown) => void;

  constructor(deps: {
    redis: RedisClient;
    options: SocketRegistryOptions;
    onRenewError?: (error: unknown) => void;
  }) {
    this.redis = deps.redis;
    this.options = deps.options;
    this.onRenewError = deps.onRenewError ?? (() => undefined);
    this.ttlMs = this.options.ttlMs ?? 60_000;
    this.redis.defineCommand("admitConnection", { numberOfKeys: 1, lua: ADMIT });
  }

  static key(userId: string): string {
    return RedisKeys.sockets(userId);
  }

  get maxPerUser(): number {
    return this.options.maxPerUser;
  }

  /** Counts a new connection of `userId`; false when the user already has the most allowed. */
  async admit(userId: string, connectionId: string): Promise<boolean> {
    const admitted = await this.redis.admitConnection(
      SocketRegistry.key(userId),
      Date.now(),
      this.ttlMs,
      this.options.maxPerUser,
      connectionId,
    );
    if (admitted !== 1) return false;
    this.open.set(connectionId, userId);
    this.startHeartbeat();
    return true;
  }

  async release(userId: string, connectionId: string): Promise<void> {
    if (!this.open.delete(connectionId)) return;
    await this.redis.zrem(SocketRegistry.key(userId), connectionId);
  }

  /** Stops renewing (shutdown); the entries lapse on their own. */
  stop(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private startHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => void this.renew(), Math.floor(this.ttlMs / 3));
    this.heartbeat.unref();
  }

  private async renew(): Promise<void> {
    if (this.open.size === 0) return;
    const expiresAt = Date.now() + this.ttlMs;
    // Users' sets lie on many cluster slots: concurrent commands, which auto-pipelining batches.
    const renewals = [...this.open].flatMap(([connectionId, userId]) => [
      this.redis.zadd(SocketRegistry.key(userId), "XX", expiresAt, connectionId),
      this.redis.pexpire(SocketRegistry.key(userId), this.ttlMs),
    ]);
    await Promise.all(renewals).catch(this.onRenewError);
  }
}
