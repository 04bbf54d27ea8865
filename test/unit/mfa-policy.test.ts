import { amrOf } from "../../src/mfa/amr";
import { MfaPolicy, parseRequiredRoles } from "../../src/mfa/mfa.policy";
import { assertRecentAuthentication, isRecentAuthentication } from "../../src/mfa/step-up";

describe("amr of a sign-in", () => {
  it.each([
    [["pwd"], {}, ["pwd"]],
    [["pwd", "totp"], {}, ["mfa", "otp", "pwd"]],
    [["pwd", "recovery_code"], {}, ["mfa", "otp", "pwd"]],
    [["pwd", "webauthn"], { userVerified: false }, ["hwk", "mfa", "pwd"]],
    [["webauthn"], { userVerified: true }, ["hwk", "mfa"]],
    [["webauthn"], { userVerified: false }, ["hwk"]],
  ] as const)("%j %j → %j", (methods, options, amr) => {
    expect(amrOf(methods, options)).toEqual(amr);
  });
});

describe("step-up recency", () => {
  const now = 1_800_000_000;
  it("accepts a sign-in within the maximum age and refuses an older one or none", () => {
    expect(isRecentAuthentication(now - 600, 600, now)).toBe(true);
    expect(isRecentAuthentication(now - 601, 600, now)).toBe(false);
    expect(isRecentAuthentication(undefined, 600, now)).toBe(false);
    expect(isRecentAuthentication(Number.NaN, 600, now)).toBe(false);
    // A time ahead of this clock counts as now: recent, but not for ever.
    expect(isRecentAuthentication(now + 10_000, 600, now)).toBe(true);
    expect(() => assertRecentAuthentication(now - 601, 600, now)).toThrow(
      expect.objectContaining({
        code: "REAUTHENTICATION_REQUIRED",
        details: expect.objectContaining({ maxAgeSeconds: 600 }),
      }),
    );
  });
});

describe("the MFA role policy", () => {
  it("reads MFA_REQUIRED_ROLES and refuses an unknown role", () => {
    expect(parseRequiredRoles("")).toEqual([]);
    expect(parseRequiredRoles(" admin, MODERATOR ,admin")).toEqual(["ADMIN", "MODERATOR"]);
    expect(() => parseRequiredRoles("ADMIN,ROOT")).toThrow(/unknown role "ROOT"/);
  });

  it("makes a user of a required role without a factor enrol first, and no one else", () => {
    const policy = new MfaPolicy({ requiredRoles: ["ADMIN"] });
    expect(policy.mustEnrol("ADMIN", 0)).toBe(true);
    expect(policy.mustEnrol("ADMIN", 1)).toBe(false);
    expect(policy.mustEnrol("USER", 0)).toBe(false);
    expect(() => policy.assertEnrolled("ADMIN", 0)).toThrow(
      expect.objectContaining({
        code: "MFA_ENROLLMENT_REQUIRED",
        details: expect.objectContaining({ errorCode: "USER_1013", roles: ["ADMIN"] }),
      }),
    );
    expect(() => policy.assertEnrolled("MODERATOR", 0)).not.toThrow();
  });
});
