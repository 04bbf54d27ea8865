import { createDatabase } from "../../src/infra/prisma";
import { FactorNameTakenError, MfaFactorRepository } from "../../src/mfa/factor.repository";
import { SecretBox } from "../../src/mfa/secret-box";
import { TotpFactors } from "../../src/mfa/totp";
import { resealTotpSecrets } from "../../src/mfa/totp-secret-rotation";
import { createMfaHarness, insertUser, testKeys, type MfaHarness } from "../support/mfa";
import { createMigratedDatabase } from "../support/test-db";
import { secretOfUri, totpCode } from "../support/totp";

const STEP = 30_000;
/** The middle of a time step, so ±1 step is never a boundary away. */
const t0 = Math.floor(Date.now() / STEP) * STEP + STEP / 2;

let h: MfaHarness;
let factors: MfaFactorRepository;
let totp: TotpFactors;
beforeAll(() => {
  h = createMfaHarness();
  factors = new MfaFactorRepository({ db: h.db });
  totp = new TotpFactors({ factors, box: new SecretBox({ keys: testKeys("k1") }), issuer: "Aegis Test" });
});
afterAll(() => h.close());

/** A user with a confirmed TOTP factor (confirmed with the code of t0's step); its secret. */
async function enrolled() {
  const user = await insertUser(h.db);
  const enrolment = await totp.enrol(h.db, {
    userId: user.id,
    accountName: user.email,
    friendlyName: "Phone",
  });
  await totp.confirm(
    h.db,
    { userId: user.id, factorId: enrolment.factorId, code: totpCode(enrolment.secret, t0) },
    t0,
  );
  return { user, secret: enrolment.secret, factorId: enrolment.factorId };
}

describe("TOTP enrolment", () => {
  it("returns the secret, an otpauth URI for it and a QR code of the URI, and keeps the factor pending", async () => {
    const user = await insertUser(h.db);
    const enrolment = await totp.enrol(h.db, {
      userId: user.id,
      accountName: user.email,
      friendlyName: "Phone",
    });

    expect(enrolment.secret).toMatch(/^[A-Z2-7]{32}$/); // 160 bits
    const uri = new URL(enrolment.uri);
    expect(uri.protocol).toBe("otpauth:");
    expect(uri.host).toBe("totp");
    expect(decodeURIComponent(uri.pathname)).toBe(`/Aegis Test:${user.email}`);
    expect(Object.fromEntries(uri.searchParams)).toEqual({
      issuer: "Aegis Test",
      secret: enrolment.secret,
      algorithm: "SHA1",
      digits: "6",
      period: "30",
    });
    expect(enrolment.qrCode).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(enrolment.qrCode.split(",")[1]!, "base64").toString()).toMatch(
      /^<svg[\s\S]*<\/svg>\s*$/,
    );

    const [row] = await h.db.mfaFactor.findMany({ where: { userId: user.id } });
    expect(row).toMatchObject({ type: "TOTP", status: "UNVERIFIED", friendlyName: "Phone" });
    // At rest the secret is sealed: neither base32 nor its bytes are in the row.
    expect(row!.totpSecret).toMatch(/^v1:k1:/);
    expect(JSON.stringify(row)).not.toContain(enrolment.secret);
    // A pending factor signs nobody in.
    expect(await totp.verify(h.db, user.id, totpCode(enrolment.secret, t0), t0)).toBeNull();
  });

  it("becomes VERIFIED with the first valid code, which is then used up", async () => {
    const user = await insertUser(h.db);
    const enrolment = await totp.enrol(h.db, {
      userId: user.id,
      accountName: user.email,
      friendlyName: "Phone",
    });
    const confirm = (code: string) =>
      totp.confirm(h.db, { userId: user.id, factorId: enrolment.factorId, code }, t0);

    const wrong = String((Number(totpCode(enrolment.secret, t0)) + 1) % 1_000_000).padStart(6, "0");
    await expect(confirm(wrong)).rejects.toMatchObject({
      code: "INVALID_SECOND_FACTOR",
      details: { errorCode: "USER_1011" },
    });
    const code = totpCode(secretOfUri(enrolment.uri), t0);
    await confirm(`${code.slice(0, 3)} ${code.slice(3)}`); // as typed from the app, with a space
    expect(await h.db.mfaFactor.findUniqueOrThrow({ where: { id: enrolment.factorId } })).toMatchObject({
      status: "VERIFIED",
      totpLastUsedStep: Math.floor(t0 / STEP),
    });
    // Confirmed once: a second confirmation is refused, and the code does not sign in.
    await expect(confirm(code)).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    expect(await totp.verify(h.db, user.id, code, t0)).toBeNull();
  });

  it("keeps one unfinished enrolment per user and refuses a name the user already uses", async () => {
    const { user } = await enrolled();
    await totp.enrol(h.db, { userId: user.id, accountName: user.email, friendlyName: "Tablet" });
    const latest = await totp.enrol(h.db, {
      userId: user.id,
      accountName: user.email,
      friendlyName: "Tablet",
    });
    const rows = await h.db.mfaFactor.findMany({ where: { userId: user.id }, orderBy: { createdAt: "asc" } });
    expect(rows.map((r) => [r.friendlyName, r.status])).toEqual([
      ["Phone", "VERIFIED"],
      ["Tablet", "UNVERIFIED"],
    ]);
    expect(rows[1]!.id).toBe(latest.factorId);
    await expect(
      totp.enrol(h.db, { userId: user.id, accountName: user.email, friendlyName: "Phone" }),
    ).rejects.toBeInstanceOf(FactorNameTakenError);
  });
});

describe("TOTP verification", () => {
  it("accepts the codes of the previous and the next step, not two steps away", async () => {
    const { user, secret, factorId } = await enrolled();
    const now = t0 + 10 * STEP;
    expect(await totp.verify(h.db, user.id, totpCode(secret, now - 2 * STEP), now)).toBeNull();
    expect(await totp.verify(h.db, user.id, totpCode(secret, now + 2 * STEP), now)).toBeNull();
    expect(await totp.verify(h.db, user.id, totpCode(secret, now - STEP), now)).toBe(factorId);
    expect(await totp.verify(h.db, user.id, totpCode(secret, now + STEP), now)).toBe(factorId);
  });

  it("refuses a code already used in its step, and any code of an earlier step after it", async () => {
    const { user, secret, factorId } = await enrolled();
    const now = t0 + 20 * STEP;
    const code = totpCode(secret, now);
    expect(await totp.verify(h.db, user.id, code, now)).toBe(factorId);
    expect(await totp.verify(h.db, user.id, code, now)).toBeNull();
    expect(await totp.verify(h.db, user.id, code, now + STEP)).toBeNull(); // still in the window
    expect(await totp.verify(h.db, user.id, totpCode(secret, now - STEP), now)).toBeNull();
    expect(await totp.verify(h.db, user.id, totpCode(secret, now + STEP), now + STEP)).toBe(factorId);
    const row = await h.db.mfaFactor.findUniqueOrThrow({ where: { id: factorId } });
    expect(row.lastUsedAt?.getTime()).toBe(now + STEP);
  });

  it("lets exactly one of many concurrent requests with the same code through", async () => {
    const { user, secret, factorId } = await enrolled();
    const now = t0 + 30 * STEP;
    const code = totpCode(secret, now);
    const results = await Promise.all(
      Array.from({ length: 12 }, () => totp.verify(h.db, user.id, code, now)),
    );
    expect(results.filter((r) => r === factorId)).toHaveLength(1);
    expect(results.filter((r) => r === null)).toHaveLength(11);
  });

  it("checks every verified factor of the user and no one else's", async () => {
    const { user, secret } = await enrolled();
    const other = await enrolled();
    const second = await totp.enrol(h.db, {
      userId: user.id,
      accountName: user.email,
      friendlyName: "Tablet",
    });
    await totp.confirm(
      h.db,
      { userId: user.id, factorId: second.factorId, code: totpCode(second.secret, t0) },
      t0,
    );
    const now = t0 + 40 * STEP;
    expect(await totp.verify(h.db, user.id, totpCode(second.secret, now), now)).toBe(second.factorId);
    expect(await totp.verify(h.db, user.id, totpCode(other.secret, now), now)).toBeNull();
    expect(await totp.verify(h.db, other.user.id, totpCode(secret, now), now)).toBeNull();
    for (const malformed of ["", "12345", "1234567", "abcdef", "12 34 5x"]) {
      expect(await totp.verify(h.db, user.id, malformed, now)).toBeNull();
    }
  });
});

describe("TOTP secrets and key rotation", () => {
  it("re-seals every secret under the new key, after which the old key can go and codes still verify", async () => {
    // A database of its own: the re-sealing walks every TOTP factor there is.
    const isolated = await createMigratedDatabase("identity_mfa_rotation");
    const db = createDatabase(isolated.url);
    try {
      const [k2, k1] = testKeys("k2", "k1");
      const repo = new MfaFactorRepository({ db });
      const before = new TotpFactors({
        factors: repo,
        box: new SecretBox({ keys: [k1!] }),
        issuer: "Aegis Test",
      });
      const users = await Promise.all([insertUser(db), insertUser(db), insertUser(db)]);
      const secrets = new Map<string, string>();
      for (const user of users) {
        const e = await before.enrol(db, { userId: user.id, accountName: user.email, friendlyName: "Phone" });
        await before.confirm(db, { userId: user.id, factorId: e.factorId, code: totpCode(e.secret, t0) }, t0);
        secrets.set(user.id, e.secret);
      }

      const during = new SecretBox({ keys: [k2!, k1!] });
      expect(await resealTotpSecrets({ factors: repo, box: during, currentKeyId: "k2" }, 2)).toBe(3);
      expect(await resealTotpSecrets({ factors: repo, box: during, currentKeyId: "k2" }, 2)).toBe(0);
      const rows = await db.mfaFactor.findMany({ where: { type: "TOTP" } });
      expect(rows.map((r) => r.totpSecret!.slice(0, 6))).toEqual(["v1:k2:", "v1:k2:", "v1:k2:"]);

      const after = new TotpFactors({
        factors: repo,
        box: new SecretBox({ keys: [k2!] }),
        issuer: "Aegis Test",
      });
      const now = t0 + 5 * STEP;
      for (const user of users) {
        expect(await after.verify(db, user.id, totpCode(secrets.get(user.id)!, now), now)).not.toBeNull();
      }
    } finally {
      await db.$disconnect();
      await isolated.drop();
    }
  });
});
