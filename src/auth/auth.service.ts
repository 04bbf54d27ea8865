import { randomUUID } from "node:crypto";
import { errors } from "../core/errors";
import type { Unit, UnitOfWork } from "../infra/unit-of-work";
import type { Cause } from "../outbox/event.model";
import type { OutboxWrites } from "../outbox/outbox.repository";
import { notificationEvents, userEvents } from "../users/user.events";
import type { RateLimits } from "../limits/rate-limits";
import type { AccountTokenRepository } from "../recovery/account-token.repository";
import type { EmailVerificationService } from "../recovery/email-verification.service";
import {
  type SessionAnnouncements,
  type SessionEventPublisher,
  sessionEvent,
} from "../sessions/session-event";
import type { PairIds, SessionService } from "../sessions/session.service";
import type { ProfileCacheWrites, UserCache } from "../users/user.cache";
import type { LoginHistoryRepository } from "../users/login-history.repository";
import type { UserProfile } from "../users/user.model";
import type { AccountCreator } from "./account-creator";
import type { UserRepository } from "../users/user.repository";
import { normalizeEmail, type ProfileInput } from "../users/user.validation";
import {
  loginFailureReason,
  noAuthMetrics,
  secondsSince,
  type AuthMetrics,
} from "../observability/auth.metrics";
import type { PasswordCheck } from "./password-check";
import type { PasswordHasher } from "./password.hasher";
import { assertStrongPassword } from "./password.policy";
import { TokenError, type TokenService } from "./token.service";
import type { Viewer } from "../users/viewer";

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

/** What sign-up, sign-in and a password change write through the unit of work. */
type AuthWork = Unit & OutboxWrites & ProfileCacheWrites & SessionAnnouncements;

const nowSeconds = () => Math.floor(Date.now() / 1000);

const newPairIds = (): PairIds => ({
  refreshJti: randomUUID(),
  accessJti: randomUUID(),
  issuedAt: nowSeconds(),
});

/** Registration, login, token refresh, logout and password change: the identity core. */
export class AuthService {
  private readonly uow: UnitOfWork<AuthWork>;
  private readonly users: UserRepository;
  private readonly loginHistory: LoginHistoryRepository;
  private readonly cache: UserCache;
  private readonly hasher: PasswordHasher;
  private readonly tokens: TokenService;
  private readonly sessions: SessionService;
  private readonly sessionEvents: SessionEventPublisher;
  private readonly policy: AuthPolicy;
  private readonly limits: RateLimits;
  private readonly accounts: AccountCreator;
  private readonly verification: EmailVerificationService;
  private readonly passwords: PasswordCheck;
  private readonly links: AccountTokenRepository;
  private readonly metrics: AuthMetrics;

  constructor(deps: {
    uow: UnitOfWork<AuthWork>;
    users: UserRepository;
    loginHistory: LoginHistoryRepository;
    /** Read through on refresh (writes go through the unit of work). */
    cache: UserCache;
    hasher: PasswordHasher;
    tokens: TokenService;
    sessions: SessionService;
    /** Announcements that follow no database write (a refused login). */
    sessionEvents: SessionEventPublisher;
    policy: AuthPolicy;
    limits: RateLimits;
    accounts: AccountCreator;
    verification: EmailVerificationService;
    passwords: PasswordCheck;
    links: AccountTokenRepository;
    metrics?: AuthMetrics;
  }) {
    this.uow = deps.uow;
    this.users = deps.users;
    this.loginHistory = deps.loginHistory;
    this.cache = deps.cache;
    this.hasher = deps.hasher;
    this.tokens = deps.tokens;
    this.sessions = deps.sessions;
    this.sessionEvents = deps.sessionEvents;
    this.policy = deps.policy;
    this.limits = deps.limits;
    this.accounts = deps.accounts;
    this.verification = deps.verification;
    this.passwords = deps.passwords;
    this.links = deps.links;
    this.metrics = deps.metrics ?? noAuthMetrics;
  }

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

    const user = await this.uow.run(async (unit) => {
      const created = await this.accounts.insert(unit, account, cause);
      await unit.notify(cause, notificationEvents.welcome(created));
      await this.openSession(unit, created, sessionId, ids, cause);
      return created;
    });
    return this.payload(user, sessionId, ids);
  }

  private async signIn(input: { email: string; password: string }, cause: Cause): Promise<AuthPayload> {
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
      await this.loginHistory.record({
        ...attempt,
        userId: null,
        success: false,
        failureReason: check.outcome === "locked" ? "ACCOUNT_LOCKED" : "UNKNOWN_EMAIL",
      });
      throw refusal();
    }
    const { profile } = account;
    const fail = async (reason: string, historyReason = reason) => {
      await this.loginHistory.record({
        ...attempt,
        userId: profile.id,
        success: false,
        failureReason: historyReason,
      });
      this.sessionEvents.publish(sessionEvent("LOGIN_FAILED", profile.id, { ...attempt, reason }));
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
    const user = await this.uow.run(async (unit) => {
      const updated = await this.users.recordLoginSuccess(unit.tx, profile.id, new Date());
      await this.loginHistory.recordIn(unit.tx, { ...attempt, userId: profile.id, success: true });
      await unit.emit(cause, userEvents.loggedIn(updated, sessionId, cause.ipAddress));
      await this.openSession(unit, updated, sessionId, ids, cause);
      return updated;
    });
    return this.payload(user, sessionId, ids);
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
    if (!(await this.sessions.find(session.userId, session.id))) throw errors.sessionNotFound();
    const user = await this.cache.load(claims.sub, (id) => this.users.findById(id));
    if (!user?.isActive) {
      await this.sessions.revoke(session.userId, session.id, "ACCOUNT_DISABLED", cause);
      throw user ? errors.accountDisabled() : errors.sessionNotFound();
    }

    const next = newPairIds();
    const outcome = await this.sessions.rotate(session, claims.jti, next, cause);
    switch (outcome.kind) {
      case "missing":
        throw errors.sessionNotFound();
      case "reused":
        // A rotated token came back: someone holds a copy. The session has ended (recorded and
        // announced by the session service); refuse.
        throw errors.refreshTokenInvalid();
      case "grace":
        return this.payload(user, session.id, outcome);
      case "rotated":
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
    await this.uow.run(async (unit) => {
      const updated = await this.users.update(unit.tx, viewer.user.id, { passwordHash });
      // A reset link issued before the change must not set the password again.
      await this.links.deleteForUser(unit.tx, viewer.user.id, "PASSWORD_RESET");
      await unit.emit(cause, userEvents.passwordChanged(viewer.user.id, "change"));
      await this.sessions.revokeAll(viewer.user.id, "PASSWORD_CHANGED", cause, {
        keep: [viewer.sessionId],
      });
      unit.cacheProfile(updated);
      unit.announce(sessionEvent("PASSWORD_CHANGED", updated.id, { sessionId: viewer.sessionId, ...cause }));
    });
    return true;
  }

  /**
   * Opens the session as the unit's last step (the session service removes it again if the unit
   * rolls back); after the commit the profile is cached and the new session announced.
   */
  private async openSession(
    unit: AuthWork,
    user: UserProfile,
    sessionId: string,
    ids: PairIds,
    cause: Cause,
  ): Promise<void> {
    await this.sessions.open(user, sessionId, ids, cause);
    unit.cacheProfile(user);
    unit.announce(sessionEvent("SESSION_CREATED", user.id, { sessionId, ...cause }));
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
