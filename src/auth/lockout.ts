import { createHash } from "node:crypto";
import type { Redis, Result } from "ioredis";

/**
 * The login lockout: the one place that decides whether an attempt to prove a password may run,
 * and whether its failure locks. It is keyed by the normalised e-mail address (a SHA-256 digest:
 * Redis never sees the address), not by account, so an address without an account locks exactly
 * as one with an account does: same answers, same work, nothing told about who has an account.
 * Every operation that checks a password counts here (login, changePassword, deleteMyAccount:
 * auth/password-check.ts), so they share one count and one lock.
 *
 * Decided atomically across every gateway process, each step one Lua script:
 * - `reserve`, before the password is hashed, counts the attempt as a failure in advance. While
 *   the address is locked it refuses without hashing. The reservation that reaches the limit
 *   locks at once, so of 25 concurrent guesses only `maxAttempts` are ever hashed.
 * - `succeed`, after a correct password, clears the count, unless the address was locked by
 *   another attempt in the meantime: a correct password never undoes a lock it did not make, and
 *   never logs in once the lock is decided. (The attempt that locked may clear its own lock when
 *   its password turns out right: sequentially, it was the first success after the failures.)
 * - A wrong password needs no further step: its reservation is the failure.
 *
 * Failures are forgotten `memorySeconds` after the last one (Keycloak's "failure reset time"),
 * which also bounds what addresses that never log in keep in Redis.
 */

// KEYS: lockout hash. ARGV: now (ms), max attempts, lock (ms), memory (ms).
// Returns {locked, untilMs} when locked; {reserved, lockedByThisMs or 0, count}.
const RESERVE = `
local now, max, lockMs, memoryMs = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local untilMs = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
if untilMs > now then return {'locked', untilMs, 0} end
if untilMs > 0 then redis.call('DEL', KEYS[1]) end
local count = redis.call('HINCRBY', KEYS[1], 'count', 1)
local locked = 0
if count >= max then
  locked = now + lockMs
  redis.call('HSET', KEYS[1], 'until', locked, 'count', 0)
end
redis.call('PEXPIRE', KEYS[1], math.max(memoryMs, lockMs))
return {'reserved', locked, count}
`;

// KEYS: lockout hash. ARGV: now (ms), the lock this attempt made (ms, 0 if none).
// Returns {ok} or {locked, untilMs}.
const SUCCEED = `
local now, mine = tonumber(ARGV[1]), tonumber(ARGV[2])
local untilMs = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
if untilMs > now and untilMs ~= mine then return {'locked', untilMs} end
redis.call('DEL', KEYS[1])
return {'ok', 0}
`;

declare module "ioredis" {
  interface RedisCommander<Context> {
    lockoutReserve(key: string, ...args: number[]): Result<[string, number, number], Context>;
    lockoutSucceed(key: string, ...args: number[]): Result<[string, number], Context>;
  }
}

export interface LockoutPolicy {
  maxAttempts: number;
  lockoutSeconds: number;
  /** How long failures are remembered after the last one. */
  memorySeconds: number;
}

/** What `reserve` decided. */
export type Reservation =
  | { kind: "locked"; lockedUntil: Date }
  /** `lockedUntil`: this attempt reached the limit and locked (its failure is the locking one). */
  | { kind: "reserved"; lockedUntil?: Date };

/** What staff and the data export see. */
export interface LockoutState {
  failedAttempts: number;
  lockedUntil: Date | null;
}

export class Lockout {
  constructor(
    private readonly redis: Redis,
    private readonly policy: LockoutPolicy,
  ) {
    redis.defineCommand("lockoutReserve", { numberOfKeys: 1, lua: RESERVE });
    redis.defineCommand("lockoutSucceed", { numberOfKeys: 1, lua: SUCCEED });
  }

  static key(email: string): string {
    return `lockout:${createHash("sha256").update(email).digest("base64url")}`;
  }

  async reserve(email: string, now = Date.now()): Promise<Reservation> {
    const [kind, until] = await this.redis.lockoutReserve(
      Lockout.key(email),
      now,
      this.policy.maxAttempts,
      this.policy.lockoutSeconds * 1000,
      this.policy.memorySeconds * 1000,
    );
    if (kind === "locked") return { kind, lockedUntil: new Date(Number(until)) };
    return Number(until) > 0 ? { kind: "reserved", lockedUntil: new Date(Number(until)) } : { kind: "reserved" };
  }

  /**
   * After a correct password: clears the count. Returns the lock's end instead when another
   * attempt locked the address meanwhile (the caller must refuse).
   */
  async succeed(email: string, reservation: Reservation, now = Date.now()): Promise<Date | undefined> {
    const mine = reservation.kind === "reserved" ? (reservation.lockedUntil?.getTime() ?? 0) : 0;
    const [kind, until] = await this.redis.lockoutSucceed(Lockout.key(email), now, mine);
    return kind === "locked" ? new Date(Number(until)) : undefined;
  }

  /** Ends a lock and forgets the failures (unlockUser, resetPassword, erasure). */
  async clear(email: string): Promise<void> {
    await this.redis.del(Lockout.key(email));
  }

  async state(email: string, now = Date.now()): Promise<LockoutState> {
    return (await this.states([email], now))[0]!;
  }

  /** Several addresses in one round trip (a page of users for staff). */
  async states(emails: readonly string[], now = Date.now()): Promise<LockoutState[]> {
    if (emails.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const email of emails) pipeline.hmget(Lockout.key(email), "count", "until");
    const results = (await pipeline.exec()) ?? [];
    return results.map(([error, value]) => {
      if (error) throw error;
      const [count, until] = value as [string | null, string | null];
      const lockedUntil = Number(until) > now ? new Date(Number(until)) : null;
      return { failedAttempts: lockedUntil ? 0 : Number(count ?? 0), lockedUntil };
    });
  }
}
