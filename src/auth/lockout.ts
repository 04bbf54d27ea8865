import { createHash, randomUUID } from "node:crypto";
import type { Result } from "ioredis";
import type { RedisClient } from "../infra/redis";
import { RedisKeys } from "../infra/redis.keys";

/**
 * The login lockout: the one place that decides whether an attempt to prove a password may run,
 * and whether its failure locks. It is keyed by the normalised e-mail address (a SHA-256 digest:
 * Redis never sees the address), not by account, so an address without an account locks exactly
 * as one with an account does: same answers, same work, nothing told about who has an account.
 * Every operation that checks a password counts here (login, changePassword, deleteMyAccount:
 * auth/password-check.ts), so they share one count and one lock.
 *
 * Decided atomically across every gateway process, each step one Lua script on one key:
 * - `reserve`, before the password is hashed, admits the attempt only while the failures so far
 *   plus the attempts still being hashed stay under the limit. So of 25 concurrent guesses only
 *   `maxAttempts` are ever hashed; the others are refused at once as "busy" (retryable), not as
 *   locked: no lock has been decided yet, and the attempts in flight may all be right (a user
 *   signing in from five tabs at once must not lock their own account).
 * - `settle`, after the hash, records the outcome. A failure counts, and the one that reaches
 *   the limit locks. A success clears the count, unless the address is locked: a correct password
 *   never undoes a lock. Because admitted attempts never outnumber the failures still allowed, no
 *   lock can be decided while a correct password that was admitted is in flight: a success never
 *   races a lock.
 * - An attempt whose process died between the two steps holds its place only until
 *   `inFlightSeconds` have passed.
 *
 * Failures are forgotten `memorySeconds` after the last one (Keycloak's "failure reset time"),
 * which also bounds what addresses that never log in keep in Redis.
 */

// The hash holds `count` (failures), `until` (lock end, ms) and one `p:<id>` field per attempt in
// flight (its deadline, ms).
// KEYS: lockout hash. ARGV: now, max attempts, id, in-flight deadline (ms), memory (ms).
// Returns {locked, untilMs} | {busy, 0} | {reserved, 0}.
const RESERVE = `
local now, max = tonumber(ARGV[1]), tonumber(ARGV[2])
local count, untilMs, inFlight = 0, 0, 0
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  local name, value = fields[i], tonumber(fields[i + 1])
  if name == 'count' then count = value
  elseif name == 'until' then untilMs = value
  elseif value <= now then redis.call('HDEL', KEYS[1], name)
  else inFlight = inFlight + 1 end
end
if untilMs > now then return {'locked', untilMs} end
if untilMs > 0 then
  redis.call('HDEL', KEYS[1], 'until')
  count = 0
end
if count + inFlight >= max then return {'busy', 0} end
redis.call('HSET', KEYS[1], 'count', count, 'p:' .. ARGV[3], ARGV[4])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[5]) then redis.call('PEXPIRE', KEYS[1], ARGV[5]) end
return {'reserved', 0}
`;

// KEYS: lockout hash. ARGV: now, max attempts, id, outcome (right|wrong), lock (ms), memory (ms).
// Returns {locked, untilMs} (refused: locked before this attempt settled) | {ok, 0} (right) |
// {counted, 0} | {locks, untilMs} (wrong; this failure locked).
const SETTLE = `
local now, max = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('HDEL', KEYS[1], 'p:' .. ARGV[3])
local untilMs = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
if untilMs > now then return {'locked', untilMs} end
if ARGV[4] == 'right' then
  redis.call('HDEL', KEYS[1], 'until')
  redis.call('HSET', KEYS[1], 'count', 0)
  return {'ok', 0}
end
local count = tonumber(redis.call('HGET', KEYS[1], 'count') or '0') + 1
if untilMs > 0 then count = 1 end
local ttl = tonumber(ARGV[6])
if count >= max then
  untilMs = now + tonumber(ARGV[5])
  redis.call('HSET', KEYS[1], 'count', 0, 'until', untilMs)
  ttl = math.max(ttl, tonumber(ARGV[5]))
else
  redis.call('HSET', KEYS[1], 'count', count)
  redis.call('HDEL', KEYS[1], 'until')
end
redis.call('PEXPIRE', KEYS[1], ttl)
if count >= max then return {'locks', untilMs} end
return {'counted', 0}
`;

declare module "ioredis" {
  interface RedisCommander<Context> {
    lockoutReserve(key: string, ...args: Array<number | string>): Result<[string, number], Context>;
    lockoutSettle(key: string, ...args: Array<number | string>): Result<[string, number], Context>;
  }
}

export interface LockoutPolicy {
  maxAttempts: number;
  lockoutSeconds: number;
  /** How long failures are remembered after the last one. */
  memorySeconds: number;
  /** How long an attempt being hashed holds its place, should its process die before settling. */
  inFlightSeconds: number;
}

/** What `reserve` decided. */
export type Reservation =
  | { kind: "locked"; lockedUntil: Date }
  /** Failures plus attempts in flight already reach the limit: refused now, retry in a moment. */
  | { kind: "busy" }
  | { kind: "reserved"; id: string };

/** What `settle` decided. */
export type Settlement =
  /** Locked before this attempt settled: refused, whatever its password. */
  | { kind: "locked"; lockedUntil: Date }
  | { kind: "accepted" }
  /** A wrong password; `lockedUntil` when this failure locked the address. */
  | { kind: "counted"; lockedUntil?: Date };

/** What staff and the data export see. */
export interface LockoutState {
  failedAttempts: number;
  lockedUntil: Date | null;
}

export class Lockout {
  private readonly redis: RedisClient;
  private readonly policy: LockoutPolicy;

  constructor(deps: {
    redis: RedisClient;
    policy: LockoutPolicy;
  }) {
    this.redis = deps.redis;
    this.policy = deps.policy;
    this.redis.defineCommand("lockoutReserve", { numberOfKeys: 1, lua: RESERVE });
    this.redis.defineCommand("lockoutSettle", { numberOfKeys: 1, lua: SETTLE });
  }

  static key(email: string): string {
    return RedisKeys.lockout(createHash("sha256").update(email).digest("base64url"));
  }

  /** Before the password is hashed: may this attempt run? */
  async reserve(email: string, now = Date.now()): Promise<Reservation> {
    const id = randomUUID();
    const [kind, until] = await this.redis.lockoutReserve(
      Lockout.key(email),
      now,
      this.policy.maxAttempts,
      id,
      now + this.policy.inFlightSeconds * 1000,
      this.policy.memorySeconds * 1000,
    );
    if (kind === "locked") return { kind, lockedUntil: new Date(Number(until)) };
    if (kind === "busy") return { kind };
    return { kind: "reserved", id };
  }

  /** After the hash: records whether the password was right. */
  async settle(email: string, id: string, right: boolean, now = Date.now()): Promise<Settlement> {
    const [kind, until] = await this.redis.lockoutSettle(
      Lockout.key(email),
      now,
      this.policy.maxAttempts,
      id,
      right ? "right" : "wrong",
      this.policy.lockoutSeconds * 1000,
      this.policy.memorySeconds * 1000,
    );
    switch (kind) {
      case "locked":
        return { kind, lockedUntil: new Date(Number(until)) };
      case "ok":
        return { kind: "accepted" };
      case "locks":
        return { kind: "counted", lockedUntil: new Date(Number(until)) };
      default:
        return { kind: "counted" };
    }
  }

  /** Ends a lock and forgets the failures (unlockUser, resetPassword, erasure). */
  async clear(email: string): Promise<void> {
    await this.redis.del(Lockout.key(email));
  }

  async state(email: string, now = Date.now()): Promise<LockoutState> {
    return (await this.states([email], now))[0]!;
  }

  /**
   * Several addresses in one round trip (a page of users for staff): the keys lie on many cluster
   * slots, so not one pipeline but concurrent reads that auto-pipelining sends together (per node
   * on a cluster).
   */
  async states(emails: readonly string[], now = Date.now()): Promise<LockoutState[]> {
    const results = await Promise.all(
      emails.map((email) => this.redis.hmget(Lockout.key(email), "count", "until")),
    );
    return results.map((value) => {
      const [count, until] = value as [string | null, string | null];
      const lockedUntil = Number(until) > now ? new Date(Number(until)) : null;
      return { failedAttempts: lockedUntil ? 0 : Number(count ?? 0), lockedUntil };
    });
  }
}
