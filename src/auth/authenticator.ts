import { errors } from "../core/errors";
import type { SessionStore } from "../sessions/session.store";
import type { UserCache } from "../users/user.cache";
import type { UserRepository } from "../users/user.repository";
import {
  noAuthMetrics,
  secondsSince,
  type AuthMetrics,
  type TokenVerificationResult,
} from "../observability/auth.metrics";
import { TokenError, type TokenService } from "./token.service";
import type { AuthState } from "../users/viewer";

/** The metrics label for how a check ended. */
function verificationResult(state: AuthState): TokenVerificationResult {
  if (state.viewer) return "valid";
  switch (state.error?.reason) {
    case "TOKEN_EXPIRED":
      return "expired";
    case "SESSION_NOT_FOUND":
      return "session_ended";
    case "ACCOUNT_DISABLED":
      return "account_disabled";
    default:
      return "invalid";
  }
}

/**
 * Turns an `Authorization` header into a viewer, for HTTP requests and WebSocket connections
 * alike. The hot path costs one JWT verification and one Redis round trip (session and cached
 * profile, sent together: the client auto-pipelines, so they share one write with each other
 * and with whatever other requests asked in the same turn); SQL only on a cache miss.
 * `lastUsedAt` is written at most once per `touchIntervalMs` per session, from the value that
 * round trip already read.
 */
export class Authenticator {
  private readonly tokens: TokenService;
  private readonly sessions: SessionStore;
  private readonly cache: UserCache;
  private readonly users: UserRepository;
  private readonly touchIntervalMs: number;
  private readonly onTouchError: (error: unknown) => void;
  private readonly metrics: AuthMetrics;

  constructor(deps: {
    tokens: TokenService;
    sessions: SessionStore;
    cache: UserCache;
    users: UserRepository;
    touchIntervalMs: number;
    onTouchError: (error: unknown) => void;
    metrics?: AuthMetrics;
  }) {
    this.tokens = deps.tokens;
    this.sessions = deps.sessions;
    this.cache = deps.cache;
    this.users = deps.users;
    this.touchIntervalMs = deps.touchIntervalMs;
    this.onTouchError = deps.onTouchError;
    this.metrics = deps.metrics ?? noAuthMetrics;
  }

  async authenticate(authorization: string | undefined): Promise<AuthState> {
    if (!authorization) return {};
    const startedAt = performance.now();
    try {
      const state = await this.verify(authorization);
      this.metrics.tokenVerified(verificationResult(state), secondsSince(startedAt));
      return state;
    } catch (error) {
      this.metrics.tokenVerified("error", secondsSince(startedAt));
      throw error;
    }
  }

  private async verify(authorization: string): Promise<AuthState> {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match) return { error: errors.accessTokenInvalid() };

    let claims;
    try {
      claims = this.tokens.verify(match[1]!, "access");
    } catch (error) {
      if (!(error instanceof TokenError)) throw error;
      return {
        error: error.reason === "expired" ? errors.accessTokenExpired() : errors.accessTokenInvalid(),
      };
    }

    // Both keys carry the user's hash tag and both reads go out in this turn on the same
    // auto-pipelined client: one node, one round trip, on a cluster too.
    const [session, cachedProfile] = await Promise.all([
      this.sessions.lastUse(claims.sub, claims.sid),
      this.cache.get(claims.sub),
    ]);
    if (session.userId !== claims.sub) return { error: errors.sessionEnded() };

    const user = cachedProfile ?? (await this.cache.fill(claims.sub, (id) => this.users.findById(id)));
    if (!user) return { error: errors.sessionEnded() };
    if (!user.isActive) return { error: errors.sessionAccountDisabled() };

    const now = Date.now();
    if (now - Number(session.lastUsedAt) >= this.touchIntervalMs) {
      this.sessions.touch(claims.sid, claims.sub, now).catch(this.onTouchError);
    }
    return { viewer: { user, sessionId: claims.sid, claims } };
  }
}
