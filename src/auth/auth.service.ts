import { randomUUID } from "node:crypto";
import { errors } from "../errors";
import type { Cause } from "../events/event.model";
import type { OutboxRepository } from "../events/outbox.repository";
import { notificationEvents, userEvents } from "../events/user.events";
import type { Database, Tx } from "../infra/prisma";
import type { RateLimits } from "../limits/rate-limits";
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
  maxFailedLogins: number;
  lockoutSeconds: number;
  requireVerifiedEmail: boolean;
}

interface PairIds {
  refreshJti: string;
  accessJti: string;
  issuedAt: number;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
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
    // Failed logins per account, across IPs: every attempt uses a point before it runs (so
    // concurrent guesses cannot overrun the limit) and a success gives them back. Unknown emails
    // are counted alike, so the limit tells nothing about who has an account.
    await this.limits.consume("loginFailuresPerAccount", email);
    const account = await this.users.findCredentialsByEmail(email);
    const passwordMatches = await this.hasher.verify(input.password, account?.passwordHash);
    const attempt = { email, ipAddress: cause.ipAddress, userAgent: cause.userAgent };

    if (!account) {
      await this.users.addLoginHistory(this.db, {
        ...attempt,
        userId: null,
        success: false,
        failureReason: "UNKNOWN_EMAIL",
      });
      throw errors.invalidCredentials();
    }
    const { profile } = account;
    const fail = async (reason: string) => {
      await this.users.addLoginHistory(this.db, {
        ...attempt,
        userId: profile.id,
        success: false,
        failureReason: reason,
      });
      this.sessionEvents.publish(
        sessionEvent("LOGIN_FAILED", profile.id, { ...attempt, reason }),
      );
    };

    if (account.lockedUntil && account.lockedUntil.getTime() > Date.now()) {
      await fail("ACCOUNT_LOCKED");
      throw errors.accountLocked(account.lockedUntil);
    }
    if (!passwordMatches) {
      const lockedUntil = await this.recordFailedPassword(profile.id, attempt);
      if (lockedUntil) throw errors.accountLocked(lockedUntil);
      throw errors.invalidCredentials();
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
    await this.limits.reset("loginFailuresPerAccount", email);
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
    const user = await this.cache.load(claims.sub, (id) => this.users.findById(id));
    if (!user?.isActive) {
      await this.sessions.revoke(session.userId, session.id, "ACCOUNT_DISABLED", cause);
      throw user ? errors.accountDisabled() : errors.sessionNotFound();
    }

    const next = newPairIds();
    const outcome = await this.store.rotate(session, claims.jti, next);
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
    if (!(await this.hasher.verify(input.currentPassword, account.passwordHash))) {
      throw errors.invalidCredentials();
    }
    assertStrongPassword(input.newPassword, "newPassword");
    if (await this.hasher.verify(input.newPassword, account.passwordHash)) {
      throw errors.weakPassword(["to differ from the current password"], "newPassword");
    }
    const passwordHash = await this.hasher.hash(input.newPassword);
    const user = await this.db.$transaction(async (tx) => {
      const updated = await this.users.update(tx, viewer.user.id, { passwordHash });
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

  /** Counts a wrong password; returns the lock's end when this failure locked the account. */
  private async recordFailedPassword(
    userId: string,
    attempt: { email: string; ipAddress?: string; userAgent?: string },
  ): Promise<Date | undefined> {
    const lockedUntil = await this.db.$transaction(async (tx) => {
      const failures = await this.users.incrementFailedLogins(tx, userId);
      const locks = failures >= this.policy.maxFailedLogins;
      const until = locks ? new Date(Date.now() + this.policy.lockoutSeconds * 1000) : undefined;
      if (until) await this.users.lock(tx, userId, until);
      await this.users.addLoginHistory(tx, {
        ...attempt,
        userId,
        success: false,
        failureReason: locks ? "INVALID_PASSWORD_LOCKED" : "INVALID_PASSWORD",
      });
      return until;
    });
    this.sessionEvents.publish(
      sessionEvent("LOGIN_FAILED", userId, { ...attempt, reason: "INVALID_PASSWORD" }),
    );
    if (lockedUntil) {
      this.metrics.accountLocked();
      this.sessionEvents.publish(
        sessionEvent("ACCOUNT_LOCKED", userId, { ...attempt, reason: lockedUntil.toISOString() }),
      );
    }
    return lockedUntil;
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
