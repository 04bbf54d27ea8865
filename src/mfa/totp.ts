import { randomUUID } from "node:crypto";
import { Secret, TOTP } from "otpauth";
import { errors } from "../core/errors";
import type { Db, MfaFactorRepository, TotpFactorRecord } from "./factor.repository";
import { mfaErrors } from "./mfa.errors";
import { qrCodeDataUri } from "./qr-code";
import type { SecretBox } from "./secret-box";

/**
 * RFC 6238 parameters every authenticator app understands (Google Authenticator ignores others):
 * HMAC-SHA-1, 6 digits, 30-second steps, a 160-bit secret (RFC 4226's recommendation).
 */
export const TOTP_PARAMETERS = { algorithm: "SHA1", digits: 6, period: 30, secretBytes: 20 } as const;
/** Codes of the previous and the next step are accepted too (clock drift, typing time). */
const WINDOW = 1;
const CODE = /^\d{6}$/;

/** What enrolment shows the user once: the secret to type, or the URI/QR code to scan. */
export interface TotpEnrolment {
  factorId: string;
  /** Base32, for typing into an app by hand. */
  secret: string;
  /** otpauth://totp/… (Key Uri Format). */
  uri: string;
  /** The URI as an SVG QR code, a data URI. */
  qrCode: string;
}

/** The associated data a factor's sealed secret is bound to (see SecretBox). */
export const totpSecretContext = (factorId: string) => `totp:${factorId}`;

/** Removes the spaces and dashes people type or paste inside a code. */
function normalise(code: string): string {
  return code.replace(/[\s-]/g, "");
}

/**
 * TOTP factors: enrolment (pending until the first valid code), and verification of a code
 * against a user's verified factors, each code accepted once. A code is accepted only for a time
 * step later than the last one accepted for that factor (RFC 6238 §5.2: a verifier must not
 * accept a second use of an OTP), which one conditional UPDATE decides (MfaFactorRepository
 * .useTotpStep), so two requests with the same code cannot both pass.
 */
export class TotpFactors {
  private readonly factors: MfaFactorRepository;
  private readonly box: SecretBox;
  private readonly issuer: string;

  constructor(deps: { factors: MfaFactorRepository; box: SecretBox; issuer: string }) {
    this.factors = deps.factors;
    this.box = deps.box;
    this.issuer = deps.issuer;
  }

  /**
   * Starts an enrolment: a new secret, sealed at rest, in an UNVERIFIED factor (replacing an
   * earlier unfinished one). `accountName` labels the entry in the app (the e-mail address).
   * Throws FactorNameTakenError when the user already has a factor of that name.
   */
  async enrol(
    db: Db,
    input: { userId: string; accountName: string; friendlyName: string },
  ): Promise<TotpEnrolment> {
    const factorId = randomUUID();
    const secret = new Secret({ size: TOTP_PARAMETERS.secretBytes });
    await this.factors.createPendingTotp(db, {
      id: factorId,
      userId: input.userId,
      friendlyName: input.friendlyName,
      sealedSecret: this.box.seal(secret.base32, totpSecretContext(factorId)),
    });
    const uri = new TOTP({
      issuer: this.issuer,
      label: input.accountName,
      algorithm: TOTP_PARAMETERS.algorithm,
      digits: TOTP_PARAMETERS.digits,
      period: TOTP_PARAMETERS.period,
      secret,
    }).toString();
    return { factorId, secret: secret.base32, uri, qrCode: await qrCodeDataUri(uri) };
  }

  /**
   * Finishes an enrolment with the first code from the app: the factor becomes VERIFIED and that
   * code is used up. INVALID_SECOND_FACTOR for a wrong code; BAD_USER_INPUT when `factorId` is not
   * a pending TOTP enrolment of the user.
   */
  async confirm(
    db: Db,
    input: { userId: string; factorId: string; code: string },
    now = Date.now(),
  ): Promise<void> {
    const factor = await this.factors.findTotp(input.userId, input.factorId);
    if (!factor || factor.status !== "UNVERIFIED") {
      throw errors.badUserInput({ factorId: "is not a pending authenticator app enrolment" });
    }
    const step = this.matchingStep(factor, input.code, now);
    if (
      step === null ||
      !(await this.factors.useTotpStep(db, factor.id, step, { confirm: true, now: new Date(now) }))
    ) {
      throw mfaErrors.invalidSecondFactor("code");
    }
  }

  /**
   * Whether `code` proves one of the user's verified TOTP factors, using it up: the id of the
   * factor it proved, or null (wrong, too old, too new, or already used).
   */
  async verify(db: Db, userId: string, code: string, now = Date.now()): Promise<string | null> {
    for (const factor of await this.factors.verifiedTotps(userId)) {
      const step = this.matchingStep(factor, code, now);
      if (step === null) continue;
      if (await this.factors.useTotpStep(db, factor.id, step, { confirm: false, now: new Date(now) })) {
        return factor.id;
      }
    }
    return null;
  }

  /** The time step whose code `code` is, within the window, or null. */
  private matchingStep(factor: TotpFactorRecord, code: string, now: number): number | null {
    const token = normalise(code);
    if (!CODE.test(token)) return null;
    const secret = Secret.fromBase32(this.box.open(factor.sealedSecret, totpSecretContext(factor.id)));
    const delta = TOTP.validate({
      token,
      secret,
      algorithm: TOTP_PARAMETERS.algorithm,
      digits: TOTP_PARAMETERS.digits,
      period: TOTP_PARAMETERS.period,
      timestamp: now,
      window: WINDOW,
    });
    if (delta === null) return null;
    const step = TOTP.counter({ period: TOTP_PARAMETERS.period, timestamp: now }) + delta;
    // Used already (or an earlier step): refused here without a write; the UPDATE decides races.
    if (factor.lastUsedStep !== null && step <= factor.lastUsedStep) return null;
    return step;
  }
}
