/**
 * Every Redis key and PubSub channel the gateway uses is named here, and only here.
 *
 * Redis Cluster places a key by the hash of its hash tag (the text between the first `{` and the
 * next `}`), or of the whole key when it has none. A Lua script or a MULTI may only touch keys of
 * one slot, so everything of one user that is changed together carries the tag `{u:<userId>}`:
 * the user's sessions, their index, the cached profile and the WebSocket count. A session is
 * therefore found by user id and session id together; both travel in every token (`sub`, `sid`).
 * Keys that are only ever touched alone (lockout, rate limits, the global session index) carry no
 * tag and spread over the cluster.
 *
 * ioredis's `keyPrefix` (REDIS_KEY_PREFIX) is put in front of every key by the client, outside the
 * tag, so it never moves a key to another slot (config refuses a prefix with braces, which would
 * become the tag of every key). Channels are not keys: the PubSub adds the prefix to them itself.
 */

/** The hash tag of everything one user owns. */
const userTag = (userId: string) => `{u:${userId}}`;

export const RedisKeys = {
  /** Hash: one session (userId, jtis, timestamps, client); expires with its refresh token. */
  session: (userId: string, sessionId: string) => `${userTag(userId)}:session:${sessionId}`,
  /** Sorted set: the user's session ids, scored by last use (same slot as the sessions). */
  userSessions: (userId: string) => `${userTag(userId)}:sessions`,
  /** String: the cached profile (users/user.cache.ts); read beside the session in one trip. */
  profile: (userId: string) => `${userTag(userId)}:profile`,
  /** Sorted set: the user's open graphql-ws connections, scored by when each entry lapses. */
  sockets: (userId: string) => `${userTag(userId)}:ws`,
  /** Sorted set: every live session id scored by expiry (the active-sessions gauge). */
  activeSessions: "sessions-active",
  /** Hash: failed password checks and the lock of one e-mail address (by its digest). */
  lockout: (emailDigest: string) => `lockout:${emailDigest}`,
  /** rate-limiter-flexible's prefix for one limit; it appends `:<digest of the key>`. */
  rateLimit: (limit: string) => `rate-limit:${limit}`,
  /**
   * Hash: one multi-factor sign-in challenge (user, methods, attempts left, lease), under the
   * digest of its token: a Redis dump shows nothing that could complete a sign-in.
   */
  mfaSignInChallenge: (tokenDigest: string) => `mfa:challenge:${tokenDigest}`,
  /** String: one WebAuthn ceremony challenge (purpose, user), under the challenge's digest. */
  mfaWebauthnCeremony: (challengeDigest: string) => `mfa:webauthn:${challengeDigest}`,
  /** String: set once no key of an earlier layout is left (sessions/session.migration.ts). */
  layoutMarker: "meta:key-layout",
} as const;

/** The layout the marker names; raise it whenever a key above changes its shape. */
export const KEY_LAYOUT_VERSION = "2";

/**
 * Keys of the layout before hash tags (releases up to 0.1): read only by the one-shot migration
 * at start-up, never written.
 */
export const LegacyRedisKeys = {
  sessionPattern: "session:*",
  session: (sessionId: string) => `session:${sessionId}`,
  userSessionsPattern: "user-sessions:*",
  /** Ids from the keys SCAN returns (which carry the client's prefix). */
  sessionIdOf: (key: string, keyPrefix: string) => key.slice(`${keyPrefix}session:`.length),
} as const;

/**
 * PubSub topics. Each is published per user (`<topic>:<userId>`); session events also to all.
 * `session-events`: SessionEvent payloads. `auth-changed`: something that may end that user's
 * right to a subscription changed (a session ended, or the profile, role or active flag was
 * written), payload `{ userId }`.
 */
export const Topics = {
  SESSION_EVENTS: "session-events",
  AUTH_CHANGED: "auth-changed",
} as const;

/** The Redis channel of a topic: PUBLISH/SUBSCRIBE ignore ioredis' `keyPrefix`, so we add it. */
export function channelName(prefix: string, topic: string, id?: string | number): string {
  return id === undefined ? `${prefix}${topic}` : `${prefix}${topic}:${id}`;
}
