/**
 * Every Redis key of multi-factor sign-in, named here and only here, so that they can move into
 * the gateway's one key module (infra/redis.keys.ts, issue #19) as they are.
 *
 * Each key is only ever touched alone (one GET, SET or script on one key), so none needs a hash
 * tag for Redis Cluster. Tokens and challenges appear in keys only as their SHA-256 digests: a
 * Redis dump or MONITOR shows nothing that could complete a sign-in.
 */
export const MfaRedisKeys = {
  /** Hash: one sign-in challenge (user, methods, attempts left, lease); expires with it. */
  signInChallenge: (tokenDigest: string) => `mfa:challenge:${tokenDigest}`,
  /** String: one WebAuthn ceremony challenge (purpose, user); expires with the ceremony. */
  webauthnCeremony: (challengeDigest: string) => `mfa:webauthn:${challengeDigest}`,
} as const;
