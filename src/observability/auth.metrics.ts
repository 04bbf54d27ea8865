/**
 * What the identity core tells the metrics about itself. Services see only this interface (the
 * Prometheus implementation lives in observability/metrics.ts), and every label value is one of
 * the fixed strings below: never a user id, an email or anything a caller chose.
 */
import { AppError } from "../core/errors";

/** Why a login failed, from the error the caller got. */
export type LoginFailureReason =
  | "invalid_credentials"
  | "account_locked"
  | "account_disabled"
  | "email_not_verified"
  /** The request's deadline passed before the password was checked (see PasswordHasher). */
  | "timeout"
  | "error";

export type LoginOutcome = "success" | LoginFailureReason;

/** How an access token check ended (see Authenticator). */
export type TokenVerificationResult =
  | "valid"
  | "expired"
  | "invalid"
  | "session_ended"
  | "account_disabled"
  | "error";

export type PasswordResetStatus = "requested" | "completed" | "failed";
export type EmailVerificationStatus = "sent" | "verified" | "failed";

export interface AuthMetrics {
  /** One login attempt and how long it took, whatever its outcome. */
  login(outcome: LoginOutcome, seconds: number): void;
  signup(status: "success" | "failure"): void;
  /** A failed login has just locked an account. */
  accountLocked(): void;
  tokenVerified(result: TokenVerificationResult, seconds: number): void;
  passwordReset(status: PasswordResetStatus): void;
  emailVerification(status: EmailVerificationStatus): void;
}

export const noAuthMetrics: AuthMetrics = {
  login: () => undefined,
  signup: () => undefined,
  accountLocked: () => undefined,
  tokenVerified: () => undefined,
  passwordReset: () => undefined,
  emailVerification: () => undefined,
};

const LOGIN_FAILURES: Record<string, LoginFailureReason> = {
  INVALID_CREDENTIALS: "invalid_credentials",
  ACCOUNT_LOCKED: "account_locked",
  ACCOUNT_DISABLED: "account_disabled",
  EMAIL_NOT_VERIFIED: "email_not_verified",
  REQUEST_TIMEOUT: "timeout",
};

/** The failure reason label for what `login` threw. */
export function loginFailureReason(error: unknown): LoginFailureReason {
  return (error instanceof AppError && LOGIN_FAILURES[error.code]) || "error";
}

/** Seconds since `startedAt` (a `performance.now()` reading). */
export function secondsSince(startedAt: number): number {
  return (performance.now() - startedAt) / 1000;
}
