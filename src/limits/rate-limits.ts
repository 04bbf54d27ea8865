import { createHash } from "node:crypto";
import type { RedisClient } from "../infra/redis";
import { RedisKeys } from "../infra/redis.keys";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { errors } from "../core/errors";
import type { Logger } from "../infra/logger";

/** Every limit the gateway keeps; each counts operations (resolver calls), not HTTP requests. */
export type LimitName =
  | "loginPerIp"
  | "loginFailuresPerAccount"
  | "registerPerIp"
  | "passwordResetPerEmail"
  | "passwordResetPerIp"
  | "verificationPerEmail"
  | "verificationPerIp"
  | "tokenPerIp"
  | "refreshPerSession";

export interface Rate {
  points: number;
  durationSeconds: number;
}

export interface RateLimitConfig {
  /** false: every check passes without touching Redis (benchmarks, tests of other features). */
  enabled: boolean;
  limits: Record<LimitName, Rate>;
}

/**
 * Redis-backed fixed-window counters (rate-limiter-flexible over the container's Redis client, so
 * they share `REDIS_KEY_PREFIX` and hold across every gateway process).
 *
 * Services call `consume` inside each limited operation, so one HTTP request carrying 100 aliased
 * `login` fields, or a batch of operations, uses 100 points. Keys are hashed: no email address or
 * IP address is written to Redis in clear.
 *
 * Fails closed: when Redis cannot be reached, `consume` refuses (RATE_LIMIT_UNAVAILABLE) instead
 * of letting every attempt through. Once the client has been connected, a lost connection refuses
 * at once (no waiting out ioredis's retries); before the first connection (start-up), commands
 * wait in ioredis's offline queue and fail after its retries if Redis never answers.
 */
export class RateLimits {
  private readonly limiters = new Map<LimitName, RateLimiterRedis>();
  private connectedOnce: boolean;

  private readonly redis: RedisClient;
  private readonly config: RateLimitConfig;
  private readonly logger: Logger;

  constructor(deps: {
    redis: RedisClient;
    config: RateLimitConfig;
    logger: Logger;
  }) {
    this.redis = deps.redis;
    this.config = deps.config;
    this.logger = deps.logger;
    this.connectedOnce = this.redis.status === "ready";
    this.redis.on("ready", () => {
      this.connectedOnce = true;
    });
    if (!this.config.enabled) return;
    for (const [name, rate] of Object.entries(this.config.limits) as [LimitName, Rate][]) {
      this.limiters.set(
        name,
        new RateLimiterRedis({
          storeClient: this.redis,
          keyPrefix: RedisKeys.rateLimit(name),
          points: rate.points,
          duration: rate.durationSeconds,
        }),
      );
    }
  }

  get enabled(): boolean {
    return this.config.enabled;
  }

  /**
   * Uses one point of `name` for `key`. RATE_LIMITED (with `retryAfterSeconds`) when none is
   * left; RATE_LIMIT_UNAVAILABLE when the count cannot be kept.
   */
  async consume(name: LimitName, key: string | undefined): Promise<void> {
    const limiter = this.limiters.get(name);
    if (!limiter) return;
    try {
      if (this.connectedOnce && this.redis.status !== "ready") {
        throw new Error(`Redis connection is ${this.redis.status}`);
      }
      await limiter.consume(hashKey(key));
    } catch (outcome) {
      if (outcome instanceof RateLimiterRes) {
        throw errors.rateLimited(name, outcome.msBeforeNext / 1000);
      }
      this.logger.warn({ err: outcome, limit: name }, "rate limit store unreachable: refusing");
      throw errors.rateLimitUnavailable();
    }
  }

  /** Like `consume`, but answers false instead of throwing (for work that is optional). */
  async tryConsume(name: LimitName, key: string | undefined): Promise<boolean> {
    try {
      await this.consume(name, key);
      return true;
    } catch {
      return false;
    }
  }

  /** Forgets what `key` used (a successful login clears the account's failures). Best effort. */
  async reset(name: LimitName, key: string | undefined): Promise<void> {
    const limiter = this.limiters.get(name);
    if (!limiter) return;
    await limiter.delete(hashKey(key)).catch((err: unknown) => {
      this.logger.warn({ err, limit: name }, "could not reset a rate limit counter");
    });
  }
}

/** Emails and IPs are personal data: Redis sees a digest only. */
function hashKey(key: string | undefined): string {
  return createHash("sha256")
    .update(key ?? "unknown")
    .digest("base64url")
    .slice(0, 32);
}
