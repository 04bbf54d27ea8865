import { createHash, randomBytes } from "node:crypto";
import type { RedisClient } from "../infra/redis";
import { RedisKeys } from "../infra/redis.keys";

/** What a WebAuthn challenge was issued for; an answer is accepted only for that. */
export type CeremonyPurpose = "registration" | "second-factor" | "passwordless" | "reauthentication";

export interface Ceremony {
  purpose: CeremonyPurpose;
  /** The user it was issued to (none for passwordless sign-in, where the credential names them). */
  userId?: string;
  /** Registration: the user handle put into the options, to store with the credential. */
  userHandle?: string;
}

/**
 * WebAuthn challenges, one Redis key each, expiring with the ceremony and used at most once: the
 * answer's clientDataJSON names its challenge, and `consume` takes it with GETDEL, so of any
 * number of answers to one challenge exactly one is checked, and a replayed answer finds nothing.
 * No ceremony id travels beside the options: the challenge is the id.
 */
export class WebAuthnCeremonyStore {
  private readonly redis: RedisClient;
  private readonly ttlSeconds: number;

  constructor(deps: { redis: RedisClient; ttlSeconds: number }) {
    this.redis = deps.redis;
    this.ttlSeconds = deps.ttlSeconds;
  }

  get timeoutMs(): number {
    return this.ttlSeconds * 1000;
  }

  /** A new challenge (base64url, 32 random bytes) for `ceremony`. */
  async create(ceremony: Ceremony): Promise<string> {
    const challenge = randomBytes(32).toString("base64url");
    await this.redis.set(keyOf(challenge), JSON.stringify(ceremony), "EX", this.ttlSeconds);
    return challenge;
  }

  /** The ceremony of `challenge`, removed: null when unknown, expired or used. */
  async consume(challenge: string): Promise<Ceremony | null> {
    const value = await this.redis.getdel(keyOf(challenge));
    return value ? (JSON.parse(value) as Ceremony) : null;
  }
}

function keyOf(challenge: string): string {
  return RedisKeys.mfaWebauthnCeremony(createHash("sha256").update(challenge).digest("base64url"));
}
