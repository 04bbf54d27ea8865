import { FactorNameTakenError } from "../../src/mfa/factor.repository";
import { buildMfaModules, createMfaHarness, insertUser, type MfaHarness } from "../support/mfa";
import { totpCode } from "../support/totp";
import { SoftwareAuthenticator } from "../support/webauthn-authenticator";

let h: MfaHarness;
let mfa: ReturnType<typeof buildMfaModules>;
beforeAll(() => {
  h = createMfaHarness();
  mfa = buildMfaModules(h);
});
afterAll(() => h.close());

/** A user with a confirmed app ("Phone") and a passkey ("Laptop"); the app's secret. */
async function userWithTwoFactors() {
  const user = await insertUser(h.db, "ADMIN");
  const enrolment = await mfa.totp.enrol(h.db, {
    userId: user.id,
    accountName: user.email,
    friendlyName: "Phone",
  });
  await mfa.totp.confirm(h.db, {
    userId: user.id,
    factorId: enrolment.factorId,
    code: totpCode(enrolment.secret),
  });
  const creation = await mfa.registration.options({ id: user.id, name: user.email, displayName: "x" });
  const authenticator = new SoftwareAuthenticator({ origin: "https://app.example.test" });
  await mfa.registration.verify(h.db, {
    userId: user.id,
    friendlyName: "Laptop",
    response: authenticator.register(creation),
  });
  return { user, secret: enrolment.secret };
}

describe("a user's factors", () => {
  it("are listed without any secret or key", async () => {
    const { user, secret } = await userWithTwoFactors();
    const list = await mfa.factors.list(user.id);
    expect(list.map((f) => [f.type, f.status, f.friendlyName])).toEqual([
      ["TOTP", "VERIFIED", "Phone"],
      ["WEBAUTHN", "VERIFIED", "Laptop"],
    ]);
    expect(Object.keys(list[0]!).sort()).toEqual(
      [
        "backedUp",
        "createdAt",
        "deviceType",
        "friendlyName",
        "id",
        "lastUsedAt",
        "status",
        "transports",
        "type",
      ].sort(),
    );
    expect(JSON.stringify(list)).not.toContain(secret);
    expect(await mfa.factors.countVerified(user.id)).toBe(2);
    expect((await mfa.factors.verifiedTypes(user.id)).sort()).toEqual(["TOTP", "WEBAUTHN"]);
  });

  it("can be renamed, but not to a name the user already uses", async () => {
    const { user } = await userWithTwoFactors();
    const [phone] = await mfa.factors.list(user.id);
    expect(await mfa.factors.rename(h.db, user.id, phone!.id, "Old phone")).toBe(true);
    await expect(mfa.factors.rename(h.db, user.id, phone!.id, "Laptop")).rejects.toBeInstanceOf(
      FactorNameTakenError,
    );
    const stranger = await insertUser(h.db);
    expect(await mfa.factors.rename(h.db, stranger.id, phone!.id, "Mine")).toBe(false);
  });

  it("keep their last one when the role requires it, even against concurrent removals", async () => {
    const { user } = await userWithTwoFactors();
    const [phone, laptop] = await mfa.factors.list(user.id);
    const results = await Promise.all([
      mfa.factors.remove(h.db, user.id, phone!.id, { keepOne: true }),
      mfa.factors.remove(h.db, user.id, laptop!.id, { keepOne: true }),
    ]);
    expect(results.filter((r) => r === "last-factor")).toHaveLength(1);
    expect(results.filter((r) => r !== null && typeof r === "object")).toHaveLength(1);
    expect(await mfa.factors.countVerified(user.id)).toBe(1);
    const [left] = await mfa.factors.list(user.id);
    expect(await mfa.factors.remove(h.db, user.id, left!.id, { keepOne: false })).toMatchObject({
      id: left!.id,
    });
    expect(await mfa.factors.remove(h.db, user.id, left!.id, { keepOne: false })).toBeNull();
  });

  it("are only removed by their owner, and all go with an admin reset or the account", async () => {
    const { user } = await userWithTwoFactors();
    const stranger = await insertUser(h.db);
    const [phone] = await mfa.factors.list(user.id);
    expect(await mfa.factors.remove(h.db, stranger.id, phone!.id, { keepOne: false })).toBeNull();
    expect(await mfa.factors.removeAll(h.db, user.id)).toBe(2);

    const other = await userWithTwoFactors();
    await h.db.user.delete({ where: { id: other.user.id } });
    expect(await h.db.mfaFactor.count({ where: { userId: other.user.id } })).toBe(0);
  });

  it("drop enrolments that were never confirmed", async () => {
    const user = await insertUser(h.db);
    await mfa.totp.enrol(h.db, { userId: user.id, accountName: user.email, friendlyName: "Abandoned" });
    await h.db.mfaFactor.updateMany({
      where: { userId: user.id },
      data: { createdAt: new Date(Date.now() - 2 * 86_400_000) },
    });
    expect(await mfa.factors.removeAbandoned(new Date(Date.now() - 86_400_000))).toBeGreaterThanOrEqual(1);
    expect(await mfa.factors.list(user.id)).toEqual([]);
  });
});
