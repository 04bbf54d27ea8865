import { createHash, randomUUID } from "node:crypto";
import { errors } from "../errors";
import type { Cause } from "../events/event.model";
import type { OutboxRepository } from "../events/outbox.repository";
import { notificationEvents, userEvents } from "../users/user.events";
import type { Database, Tx } from "../infra/prisma";
import type { RateLimits } from "../limits/rate-limits";
import type { AccountTokenRepository } from "../recovery/account-token.repository";
import type { EmailVerificationService } from "../recovery/email-verification.service";
import { sessionEvent, type SessionEventPublisher } from "../sessions/session-event";
import type { SessionService } from "../sessions/session.service";
import type { SessionStore } from "../sessions/session.store";
import type { UserCache } from "../users/user.cache";
import type { UserProfile } from "../users/user.model";
import type { AccountCreator } from "../users/account-creator";
import type { UserRepository } from "../users/user.repository";
import { normalizeEmail, type ProfileInput } from "../users/user.validation";
import { loginFailureReason, noAuthMetrics, secondsSince, type AuthMetrics } from "./auth.metrics";
import type { PasswordCheck } from "./password-check";
import type { PasswordHasher } from "./password.hasher";
import { assertStrongPassword } from "./password.policy";
import { TokenError, type TokenService } from "./token.service";
import type { Viewer } from "./viewer";

export interface AuthPayload {
  accessToken: string;
  refreshToken: string;
  tokenType: "Bearer";
  expiresIn: number;
  user: UserProfile;
}

export interface RegisterInput extends ProfileInput {
  email: string;
  password: string;
  name: string;
}

export interface AuthPolicy {
  requireVerifiedEmail: boolean;
}

interface PairIds {
  refreshJti: string;
  accessJti: string;
  issuedAt: number;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * Who presented a refresh token, as far as the gateway can tell: its IP address and User-Agent,
 * hashed. The grace window of a rotation serves its pair again only to the same client.
 */
function clientFingerprint(cause: Cause): string {
  return createHash("sha256")
    .update(`${cause.ipAddress ?? ""}\n${cause.userAgent ?? ""}`)
    .digest("base64url")
    .slice(0, 22);
}
const newPairIds = (): PairIds => ({
  refreshJti: randomUUID(),
  accessJti: randomUUID(),
  issuedAt: nowSeconds(),
});

/** Registration, login, token refresh, logout and password change: the identity core. */
export class AuthService {
  constructor(
    private readonly db: Database,
    private readonly users: UserRepository,
    private readonly cache: UserCache,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly store: SessionStore,
    private readonly sessions: SessionService,
    private readonly outbox: OutboxRepository,
    private readonly sessionEvents: SessionEventPublisher,
    private readonly policy: AuthPolicy,
    private readonly limits: RateLimits,
    private readonly accounts: AccountCreator,
    private readonly verification: EmailVerificationService,
    private readonly passwords: PasswordCheck,
    private readonly links: AccountTokenRepository,
    private readonly metrics: AuthMetrics = noAuthMetrics,
  ) {}

  async register(input: RegisterInput, cause: Cause): Promise<AuthPayload> {
    try {
      const payload = await this.signUp(input, cause);
      this.metrics.signup("success");
      return payload;
    } catch (error) {
      this.metrics.signup("failure");
      throw error;
    }
  }

  async login(input: { email: string; password: string }, cause: Cause): Promise<AuthPayload> {
    const startedAt = performance.now();
    try {
      const payload = await this.signIn(input, cause);
      this.metrics.login("success", secondsSince(startedAt));
      return payload;
    } catch (error) {
      this.metrics.login(loginFailureReason(error), secondsSince(startedAt));
      throw error;
    }
  }

  private async signUp(input: RegisterInput, cause: Cause): Promise<AuthPayload> {
    await this.limits.consume("registerPerIp", cause.ipAddress);
    const account = await this.accounts.prepare(input);
    const ids = newPairIds();
    const sessionId = randomUUID();

    const user = await this.withSession(sessionId, async (tx) => {
      const created = await this.accounts.insert(tx, account, cause);
      await this.outbox.addNotification(tx, cause, notificationEvents.welcome(created));
      await this.openSession(tx, created, sessionId, ids, cause);
      return created;
    });
    return this.finishSignIn(user, sessionId, ids, cause);
  }

  private async signIn(
    input: { email: string; password: string },
    cause: Cause,
  ): Promise<AuthPayload> {
    await this.limits.consume("loginPerIp", cause.ipAddress);
    const email = normalizeEmail(input.email);
    // The same work for every address, with or without an account: the lookup, the lockout
    // (keyed by address) and a hash (a dummy one without an account).
    const account = await this.users.findCredentialsByEmail(email);
    const check = await this.passwords.check(email, input.password, account?.passwordHash);
    const attempt = { email, ipAddress: cause.ipAddress, userAgent: cause.userAgent };
    const refusal = () =>
      check.outcome !== "right" && check.lockedUntil
        ? errors.accountLocked(check.lockedUntil)
        : errors.invalidCredentials();

    if (!account) {
      await this.users.addLoginHistory(this.db, {
        ...attempt,
        userId: null,
        success: false,
        failureReason: check.outcome === "locked" ? "ACCOUNT_LOCKED" : "UNKNOWN_EMAIL",
      });
      throw refusal();
    }
    const { profile } = account;
    const fail = async (reason: string, historyReason = reason) => {
      await this.users.addLoginHistory(this.db, {
        ...attempt,
        userId: profile.id,
        success: false,
        failureReason: historyReason,
      });
      this.sessionEvents.publish(
        sessionEvent("LOGIN_FAILED", profile.id, { ...attempt, reason }),
      );
    };

    if (check.outcome === "locked") {
      await fail("ACCOUNT_LOCKED");
      throw refusal();
    }
    if (check.outcome === "wrong") {
      await fail("INVALID_PASSWORD", check.lockedUntil ? "INVALID_PASSWORD_LOCKED" : "INVALID_PASSWORD");
      if (check.lockedUntil) {
        this.sessionEvents.publish(
          sessionEvent("ACCOUNT_LOCKED", profile.id, { ...attempt, reason: check.lockedUntil.toISOString() }),
        );
      }
      throw refusal();
    }
    // Told only after a correct password, so the state of an account is no oracle for guessers.
    if (!profile.isActive) {
      await fail("ACCOUNT_DISABLED");
      throw errors.accountDisabled();
    }
    if (this.policy.requireVerifiedEmail && !profile.isVerified) {
      await fail("EMAIL_NOT_VERIFIED");
      // The right password: send a fresh link, so an expired one is no dead end.
      throw errors.emailNotVerified(await this.verification.resend(profile, cause));
    }

    const ids = newPairIds();
    const sessionId = randomUUID();
    const user = await this.withSession(sessionId, async (tx) => {
      const updated = await this.users.recordLoginSuccess(tx, profile.id, new Date());
      await this.users.addLoginHistory(tx, { ...attempt, userId: profile.id, success: true });
      await this.outbox.add(tx, cause, userEvents.loggedIn(updated, sessionId, cause.ipAddress));
      await this.openSession(tx, updated, sessionId, ids, cause);
      return updated;
    });
    return this.finishSignIn(user, sessionId, ids, cause);
  }

  async refresh(refreshToken: string, cause: Cause): Promise<AuthPayload> {
    let claims;
    try {
      claims = this.tokens.verify(refreshToken, "refresh");
    } catch (error) {
      if (error instanceof TokenError && error.reason === "expired") {
        throw errors.refreshTokenExpired();
      }
      throw errors.refreshTokenInvalid();
    }
    await this.limits.consume("refreshPerSession", claims.sid);
    const session = { id: claims.sid, userId: claims.sub };
    // An ended session first, whatever became of the account: an erased account's sessions all
    // ended with it, and its refresh token is answered like any revoked session's.
    const live = await this.store.get(session.userId, session.id);
    if (live?.userId !== session.userId) throw errors.sessionNotFound();
    const user = await this.cache.load(claims.sub, (id) => this.users.findById(id));
    if (!user?.isActive) {
      await this.sessions.revoke(session.userId, session.id, "ACCOUNT_DISABLED", cause);
      throw user ? errors.accountDisabled() : errors.sessionNotFound();
    }

    const next = newPairIds();
    const outcome = await this.store.rotate(session, claims.jti, next, clientFingerprint(cause));
    switch (outcome.kind) {
      case "missing":
        throw errors.sessionNotFound();
      case "reused":
        // A rotated token came back: someone holds a copy. The script already ended the
        // session; record and announce it, then refuse.
        await this.db.$transaction((tx) =>
          this.outbox.add(
            tx,
            cause,
            userEvents.loggedOut(session.userId, [session.id], "REFRESH_TOKEN_REUSE"),
          ),
        );
        this.sessions.announce(session.userId, [session.id], "REFRESH_TOKEN_REUSE", cause);
        throw errors.refreshTokenInvalid();
      case "grace":
        return this.payload(user, session.id, outcome);
      case "rotated":
        this.sessionEvents.publish(
          sessionEvent("SESSION_REFRESHED", user.id, { sessionId: session.id, ...cause }),
        );
        return this.payload(user, session.id, next);
    }
  }

  async logout(viewer: Viewer, cause: Cause): Promise<boolean> {
    const ended = await this.sessions.revoke(viewer.user.id, viewer.sessionId, "LOGOUT", cause);
    if (!ended) throw errors.sessionNotFound();
    return true;
  }

  /** Needs the current password; ends every other session of the user. */
  async changePassword(
    viewer: Viewer,
    input: { currentPassword: string; newPassword: string },
    cause: Cause,
  ): Promise<boolean> {
    const account = await this.users.findCredentialsById(viewer.user.id);
    if (!account) throw errors.userNotFound();
    // Counted and locked as a login is: a stolen access token is no password oracle.
    await this.passwords.assert(account.profile.email, input.currentPassword, account.passwordHash);
    assertStrongPassword(input.newPassword, "newPassword");
    if (await this.hasher.verify(input.newPassword, account.passwordHash)) {
      throw errors.weakPassword(["to differ from the current password"], "newPassword");
    }
    const passwordHash = await this.hasher.hash(input.newPassword);
    const user = await this.db.$transaction(async (tx) => {
      const updated = await this.users.update(tx, viewer.user.id, { passwordHash });
      // A reset link issued before the change must not set the password again.
      await this.links.deleteForUser(tx, viewer.user.id, "PASSWORD_RESET");
      await this.outbox.add(tx, cause, userEvents.passwordChanged(viewer.user.id, "change"));
      await this.sessions.revokeAll(viewer.user.id, "PASSWORD_CHANGED", cause, {
        keep: [viewer.sessionId],
        tx,
      });
      return updated;
    });
    await this.cache.put(user);
    this.sessionEvents.publish(
      sessionEvent("PASSWORD_CHANGED", user.id, { sessionId: viewer.sessionId, ...cause }),
    );
    return true;
  }

  /**
   * Runs `work` (which creates the session in Redis as its last step) in a transaction; if the
   * commit fails after the session was created, the session is removed again.
   */
  private async withSession(
    sessionId: string,
    work: (tx: Tx) => Promise<UserProfile>,
  ): Promise<UserProfile> {
    let userId: string | undefined;
    try {
      return await this.db.$transaction(async (tx) => {
        const result = await work(tx);
        userId = result.id;
        return result;
      });
    } catch (error) {
      if (userId) await this.store.revoke(sessionId, userId).catch(() => undefined);
      throw error;
    }
  }

  private async openSession(
    tx: Tx,
    user: UserProfile,
    sessionId: string,
    ids: PairIds,
    cause: Cause,
  ): Promise<void> {
    const { evicted } = await this.store.create({
      id: sessionId,
      userId: user.id,
      ipAddress: cause.ipAddress,
      userAgent: cause.userAgent,
      ...ids,
    });
    if (evicted.length > 0) {
      await this.outbox.add(tx, cause, userEvents.loggedOut(user.id, evicted, "SESSION_LIMIT"));
      this.sessions.announce(user.id, evicted, "SESSION_LIMIT", cause);
    }
  }

  private async finishSignIn(user: UserProfile, sessionId: string, ids: PairIds, cause: Cause) {
    await this.cache.put(user);
    this.sessionEvents.publish(
      sessionEvent("SESSION_CREATED", user.id, { sessionId, ...cause }),
    );
    return this.payload(user, sessionId, ids);
  }

  private payload(user: UserProfile, sessionId: string, ids: PairIds): AuthPayload {
    return {
      accessToken: this.tokens.sign("access", user, sessionId, ids.accessJti, ids.issuedAt),
      refreshToken: this.tokens.sign("refresh", user, sessionId, ids.refreshJti, ids.issuedAt),
      tokenType: "Bearer",
      expiresIn: this.tokens.accessTtlSeconds,
      user,
    };
  }
}
