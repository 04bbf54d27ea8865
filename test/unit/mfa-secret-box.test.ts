import { randomBytes } from "node:crypto";
import { ERROR_CODES } from "../../src/core/errors";
import { extensionsOf } from "../../src/graphql/errors";
import { clashingErrorNumbers, MFA_ERROR_CODES, mfaErrors } from "../../src/mfa/mfa.errors";
import { SecretBox } from "../../src/mfa/secret-box";
import { deriveKeys, parseSecretKeys } from "../../src/mfa/secret-key-ring";

const key = () => randomBytes(32).toString("base64");

describe("the MFA key ring", () => {
  it("reads id:base64 entries, newest first, and names the problem of a bad one without the key", () => {
    const k1 = key();
    const keys = parseSecretKeys(`k2:${key()}, k1:${k1}`);
    expect(keys.map((k) => k.id)).toEqual(["k2", "k1"]);
    expect(keys[1]!.key.equals(Buffer.from(k1, "base64"))).toBe(true);

    const short = randomBytes(16).toString("base64");
    expect(() => parseSecretKeys(`k1:${short}`)).toThrow(/k1: must be 32 random bytes/);
    expect(() => parseSecretKeys(`k1:${short}`)).not.toThrow(short);
    expect(() => parseSecretKeys(key())).toThrow(/expected <id>:<base64 key>/);
    expect(() => parseSecretKeys(`a b:${key()}`)).toThrow(/expected <id>/);
    expect(() => parseSecretKeys(`k1:${key()},k1:${key()}`)).toThrow(/share an id/);
    expect(() => parseSecretKeys(" , ")).toThrow(/no key/);
  });

  it("derives a different key per purpose from one configured key", () => {
    const keys = parseSecretKeys(`k1:${key()}`);
    const [totp] = deriveKeys(keys, "totp-secret");
    const [codes] = deriveKeys(keys, "recovery-code");
    expect(totp!.key.equals(codes!.key)).toBe(false);
    expect(totp!.key.equals(keys[0]!.key)).toBe(false);
    expect(deriveKeys(keys, "totp-secret")[0]!.key.equals(totp!.key)).toBe(true);
  });
});

describe("SecretBox (AES-256-GCM)", () => {
  const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

  it("opens what it sealed, and seals the same text differently each time", () => {
    const box = new SecretBox({ keys: parseSecretKeys(`k1:${key()}`) });
    const a = box.seal(secret, "totp:f1");
    const b = box.seal(secret, "totp:f1");
    expect(a).toMatch(/^v1:k1:[\w-]{16}:[\w-]+:[\w-]{22}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain(secret);
    expect(box.open(a, "totp:f1")).toBe(secret);
    expect(box.open(b, "totp:f1")).toBe(secret);
  });

  it("refuses a sealed text moved to another context, tampered with, or of a foreign key", () => {
    const box = new SecretBox({ keys: parseSecretKeys(`k1:${key()}`) });
    const sealed = box.seal(secret, "totp:f1");
    expect(() => box.open(sealed, "totp:f2")).toThrow();
    const parts = sealed.split(":");
    const ciphertext = Buffer.from(parts[3]!, "base64url");
    ciphertext[0]! ^= 1;
    parts[3] = ciphertext.toString("base64url");
    expect(() => box.open(parts.join(":"), "totp:f1")).toThrow();
    expect(() => box.open(sealed.replace("v1:", "v9:"), "totp:f1")).toThrow(/unknown format/);
    const stranger = new SecretBox({ keys: parseSecretKeys(`k1:${key()}`) });
    expect(() => stranger.open(sealed, "totp:f1")).toThrow(); // same id, another key
  });

  it("rotates: the new key seals, the old one still opens, reseal moves a text to the new key", () => {
    const k1 = `k1:${key()}`;
    const k2 = `k2:${key()}`;
    const before = new SecretBox({ keys: parseSecretKeys(k1) });
    const sealedWithK1 = before.seal(secret, "totp:f1");

    const during = new SecretBox({ keys: parseSecretKeys(`${k2},${k1}`) });
    expect(during.open(sealedWithK1, "totp:f1")).toBe(secret);
    expect(during.keyIdOf(during.seal(secret, "totp:f1"))).toBe("k2");
    const resealed = during.reseal(sealedWithK1, "totp:f1")!;
    expect(during.keyIdOf(resealed)).toBe("k2");
    expect(during.reseal(resealed, "totp:f1")).toBeNull();

    const after = new SecretBox({ keys: parseSecretKeys(k2) });
    expect(after.open(resealed, "totp:f1")).toBe(secret);
    expect(() => after.open(sealedWithK1, "totp:f1")).toThrow(/key k1 is not configured/);
  });
});

describe("the MFA error codes", () => {
  it("take numbers no registry code has, and speak the registry's shape", () => {
    expect(clashingErrorNumbers()).toEqual([]);
    const numbers = [...Object.values(ERROR_CODES), ...Object.values(MFA_ERROR_CODES)];
    expect(new Set(numbers).size).toBe(numbers.length);
    const error = mfaErrors.mfaRequired({
      token: "t",
      methods: ["totp", "recovery_code"],
      expiresAt: new Date("2030-01-01T00:00:00Z"),
    });
    expect(extensionsOf(error)).toEqual({
      code: "MFA_REQUIRED",
      errorCode: "USER_1009",
      challenge: "t",
      methods: ["totp", "recovery_code"],
      expiresAt: "2030-01-01T00:00:00.000Z",
    });
    expect(extensionsOf(mfaErrors.reauthenticationRequired(600))).toMatchObject({
      code: "REAUTHENTICATION_REQUIRED",
      errorCode: "USER_1010",
      maxAgeSeconds: 600,
    });
  });
});
