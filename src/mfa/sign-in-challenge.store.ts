import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Result } from "ioredis";
import type { RedisClient } from "../infra/redis";
import { RedisKeys } from "../infra/redis.keys";
import type { SecondFactorMethod } from "./mfa.errors";

/**
 * The short-lived, single-use challenge between a right password and the second factor. The
 * client holds a random token; Redis holds, under the token's digest, a hash that expires with
 * the challenge: the user, the methods offered, the attempts left and the lease of the attempt in
 * flight. Each step is one Lua script on that one key, so it is decided atomically across every
 * gateway process:
 * - `claim` admits one attempt at a time: it spends an attempt and takes a lease (a concurrent
 *   claim is told "busy"; a lease whose process died lapses after `leaseMs`). A challenge with no
 *   attempt left is deleted.
 * - `settle` after the factor was checked: a success deletes the challenge and is the one winner;
 *   a failure gives the lease back, and deletes the challenge when that was its last attempt.
 */

// KEYS: challenge. ARGV: now (ms), lease (ms), holder id.
// Returns {invalid} | {busy} | {claimed, userId, methods, webauthnChallenge}.
const CLAIM = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'invalid'} end
local now = tonumber(ARGV[1])
local lease = tonumber(redis.call('HGET', KEYS[1], 'lease') or '0')
if lease > now then return {'busy'} end
local left = tonumber(redis.call('HGET', KEYS[1], 'attemptsLeft') or '0')
if left <= 0 then
  redis.call('DEL', KEYS[1])
  return {'invalid'}
end
redis.call('HSET', KEYS[1], 'attemptsLeft', left - 1, 'lease', now + tonumber(ARGV[2]), 'holder', ARGV[3])
local data = redis.call('HMGET', KEYS[1], 'userId', 'methods', 'webauthnChallenge')
return {'claimed', data[1], data[2], data[3] or ''}
`;

// KEYS: challenge. ARGV: outcome (won|failed), holder id.
// Returns won (this success completed it) | gone (expired, or completed by another) | failed |
// exhausted (failed, and that was the last attempt: deleted).
const SETTLE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 'gone' end
if ARGV[1] == 'won' then
  redis.call('DEL', KEYS[1])
  return 'won'
end
if redis.call('HGET', KEYS[1], 'holder') == ARGV[2] then redis.call('HDEL', KEYS[1], 'lease', 'holder') end
if tonumber(redis.call('HGET', KEYS[1], 'attemptsLeft') or '0') <= 0 then
  redis.call('DEL', KEYS[1])
  return 'exhausted'
end
return 'failed'
`;

declare module "ioredis" {
  interface RedisCommander<Context> {
    mfaClaimChallenge(key: string, now: number, leaseMs: number, holder: string): Result<string[], Context>;
    mfaSettleChallenge(key: string, outcome: "won" | "failed", holder: string): Result<string, Context>;
  }
}

export interface SignInChallengeOptions {
  /** How long the client has to present the second factor (proposed MFA_CHALLENGE_TTL_SECONDS). */
  ttlSeconds: number;
  /** Wrong second factors one challenge survives (proposed MFA_CHALLENGE_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** How long one attempt may hold the challenge before another may try. */
  leaseMs: number;
}

export interface IssuedChallenge {
  token: string;
  expiresAt: Date;
}

/** What a claimed attempt may check, and the handle to settle it with. */
export interface ClaimedChallenge {
  userId: string;
  methods: SecondFactorMethod[];
  /** The WebAuthn challenge offered with it, if any (its ceremony is stored on its own). */
  webauthnChallenge?: string;
  holder: string;
  key: string;
}

export type ClaimResult =
  | { kind: "claimed"; challenge: ClaimedChallenge }
  | { kind: "invalid" }
  | { kind: "busy" };
export type SettleResult = "won" | "gone" | "failed" | "exhausted";

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export class SignInChallengeStore {
  private readonly redis: RedisClient;
  private readonly options: SignInChallengeOptions;

  constructor(deps: { redis: RedisClient; options: SignInChallengeOptions }) {
    this.redis = deps.redis;
    this.options = deps.options;
    this.redis.defineCommand("mfaClaimChallenge", { numberOfKeys: 1, lua: CLAIM });
    this.redis.defineCommand("mfaSettleChallenge", { numberOfKeys: 1, lua: SETTLE });
  }

  async issue(
    challenge: { userId: string; methods: readonly SecondFactorMethod[]; webauthnChallenge?: string },
    now = Date.now(),
  ): Promise<IssuedChallenge> {
    const token = randomBytes(32).toString("base64url");
    const key = keyOf(token);
    const fields: Record<string, string | number> = {
      userId: challenge.userId,
      methods: challenge.methods.join(","),
      attemptsLeft: this.options.maxAttempts,
    };
    if (challenge.webauthnChallenge) fields.webauthnChallenge = challenge.webauthnChallenge;
    await this.redis
      .multi()
      .hset(key, fields)
      .pexpire(key, this.options.ttlSeconds * 1000)
      .exec();
    return { token, expiresAt: new Date(now + this.options.ttlSeconds * 1000) };
  }

  async claim(token: string, now = Date.now()): Promise<ClaimResult> {
    if (!TOKEN.test(token)) return { kind: "invalid" };
    const key = keyOf(token);
    const holder = randomUUID();
    const [kind, userId, methods, webauthnChallenge] = await this.redis.mfaClaimChallenge(
      key,
      now,
      this.options.leaseMs,
      holder,
    );
    if (kind === "busy") return { kind: "busy" };
    if (kind !== "claimed" || !userId) return { kind: "invalid" };
    return {
      kind: "claimed",
      challenge: {
        userId,
        methods: (methods ?? "").split(",").filter(Boolean) as SecondFactorMethod[],
        ...(webauthnChallenge ? { webauthnChallenge } : {}),
        holder,
        key,
      },
    };
  }

  async settle(challenge: ClaimedChallenge, succeeded: boolean): Promise<SettleResult> {
    return (await this.redis.mfaSettleChallenge(
      challenge.key,
      succeeded ? "won" : "failed",
      challenge.holder,
    )) as SettleResult;
  }
}

function keyOf(token: string): string {
  return RedisKeys.mfaSignInChallenge(createHash("sha256").update(token).digest("base64url"));
}
