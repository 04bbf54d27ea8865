import { AppError, ERROR_CODES } from "../core/errors";

/**
 * The registry codes multi-factor sign-in adds. They live here until the error catalog moves to
 * core/ (issue #16); then these entries join ERROR_CODES and the factories join `errors`, with
 * the same names and numbers (a public contract: never renumbered). A unit test checks that no
 * number here is taken in ERROR_CODES.
 */
export const MFA_ERROR_CODES = {
  /** login: the password was right, a second factor is needed; extensions carry the challenge. */
  MFA_REQUIRED: "USER_1009",
  /** A sensitive operation needs a recent sign-in; `reauthenticate` first. */
  REAUTHENTICATION_REQUIRED: "USER_1010",
  /** The TOTP code, recovery code or WebAuthn assertion did not prove the factor. */
  INVALID_SECOND_FACTOR: "USER_1011",
  /** The sign-in challenge is unknown, expired, used up or already completed: one answer for all. */
  MFA_CHALLENGE_INVALID: "USER_1012",
  /** The role requires a second factor and the user has none: enrol one first. */
  MFA_ENROLLMENT_REQUIRED: "USER_1013",
} as const;

export type MfaErrorName = keyof typeof MFA_ERROR_CODES;

/** Which second factors a sign-in challenge accepts (also `amr`-relevant, see amr.ts). */
export type SecondFactorMethod = "totp" | "webauthn" | "recovery_code";

function mfaError(name: MfaErrorName, message: string, extra: Record<string, unknown> = {}) {
  return new AppError(message, name, { errorCode: MFA_ERROR_CODES[name], ...extra });
}

export const mfaErrors = {
  /**
   * The answer of `login` for an account with a second factor: no token, no session. The client
   * completes the sign-in with `challenge` and one of `methods` before `expiresAt`.
   */
  mfaRequired: (challenge: {
    token: string;
    methods: SecondFactorMethod[];
    expiresAt: Date;
    /** PublicKeyCredentialRequestOptionsJSON when the account has a passkey. */
    webauthn?: unknown;
  }) =>
    mfaError("MFA_REQUIRED", "A second factor is required to finish signing in.", {
      challenge: challenge.token,
      methods: challenge.methods,
      expiresAt: challenge.expiresAt.toISOString(),
      ...(challenge.webauthn === undefined ? {} : { webauthn: challenge.webauthn }),
    }),
  /** `maxAgeSeconds`: how recent the last sign-in or re-authentication must be. */
  reauthenticationRequired: (maxAgeSeconds: number) =>
    mfaError("REAUTHENTICATION_REQUIRED", "Confirm it is you: re-authenticate, then try again.", {
      maxAgeSeconds,
    }),
  /** One answer whatever was wrong (code, replay, unknown credential, bad signature, counter). */
  invalidSecondFactor: (field = "code") =>
    mfaError("INVALID_SECOND_FACTOR", "The second factor could not be verified.", { field }),
  mfaChallengeInvalid: () =>
    mfaError("MFA_CHALLENGE_INVALID", "This sign-in challenge is invalid or has expired; sign in again.", {
      field: "challenge",
    }),
  mfaEnrollmentRequired: (roles: readonly string[]) =>
    mfaError(
      "MFA_ENROLLMENT_REQUIRED",
      "Your role requires a second factor: enrol an authenticator app or a passkey first.",
      { roles },
    ),
};

/** Registry numbers taken by both catalogs (empty unless someone reused a number). */
export function clashingErrorNumbers(): string[] {
  const taken = new Set<string>(Object.values(ERROR_CODES));
  return Object.values(MFA_ERROR_CODES).filter((number) => taken.has(number));
}
