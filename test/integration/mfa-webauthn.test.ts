import { MfaFactorRepository } from "../../src/mfa/factor.repository";
import { PasskeyAuthentication } from "../../src/mfa/webauthn.authentication";
import { WebAuthnCeremonyStore } from "../../src/mfa/webauthn-ceremony.store";
import { PasskeyRegistration } from "../../src/mfa/webauthn.registration";
import { relyingParty } from "../../src/mfa/webauthn.relying-party";
import { createMfaHarness, insertUser, type MfaHarness } from "../support/mfa";
import { SoftwareAuthenticator } from "../support/webauthn-authenticator";

const ORIGIN = "https://app.example.test";
const rp = relyingParty({
  id: "example.test",
  name: "Aegis Test",
  origins: [ORIGIN, "https://admin.example.test"],
});

let h: MfaHarness;
let factors: MfaFactorRepository;
let registration: PasskeyRegistration;
let authentication: PasskeyAuthentication;
beforeAll(() => {
  h = createMfaHarness();
  factors = new MfaFactorRepository({ db: h.db });
  const ceremonies = new WebAuthnCeremonyStore({ redis: h.redis, ttlSeconds: 60 });
  registration = new PasskeyRegistration({ factors, ceremonies, rp });
  authentication = new PasskeyAuthentication({ factors, ceremonies, rp });
});
afterAll(() => h.close());

/** A user and an authenticator holding one registered passkey of theirs. */
async function withPasskey(options: { counter?: boolean } = {}) {
  const user = await insertUser(h.db);
  const authenticator = new SoftwareAuthenticator({ origin: ORIGIN, ...options });
  const creation = await registration.options({ id: user.id, name: user.email, displayName: "MFA Test" });
  const result = await registration.verify(h.db, {
    userId: user.id,
    friendlyName: "Laptop",
    response: authenticator.register(creation),
  });
  if (!result.ok) throw new Error(`registration failed: ${result.reason}`);
  return { user, authenticator, factorId: result.factor.id, credentialId: authenticator.credentialIds[0]! };
}

const secondFactor = (userId: string) => ({ purpose: "second-factor" as const, userId });

describe("passkey registration", () => {
  it("offers creation options for the rp, stores the credential, and names several per user", async () => {
    const user = await insertUser(h.db);
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN, backedUp: true });
    const first = await registration.options({ id: user.id, name: user.email, displayName: "MFA Test" });
    expect(first).toMatchObject({
      rp: { id: "example.test", name: "Aegis Test" },
      user: { name: user.email, displayName: "MFA Test" },
      attestation: "none",
      excludeCredentials: [],
      authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" },
    });
    expect(first.user.id).not.toContain(user.id); // a random handle, not the account id
    const laptop = await registration.verify(h.db, {
      userId: user.id,
      friendlyName: "Laptop",
      response: authenticator.register(first),
    });
    expect(laptop).toMatchObject({
      ok: true,
      factor: {
        type: "WEBAUTHN",
        status: "VERIFIED",
        friendlyName: "Laptop",
        deviceType: "multiDevice",
        backedUp: true,
      },
    });

    const second = await registration.options({ id: user.id, name: user.email, displayName: "MFA Test" });
    expect(second.user.id).toBe(first.user.id); // one handle per user
    expect(second.excludeCredentials).toEqual([
      { id: authenticator.credentialIds[0], type: "public-key", transports: ["internal", "hybrid"] },
    ]);
    const key = new SoftwareAuthenticator({ origin: ORIGIN });
    expect(
      await registration.verify(h.db, {
        userId: user.id,
        friendlyName: "Key",
        response: key.register(second),
      }),
    ).toMatchObject({ ok: true });

    const rows = await h.db.mfaFactor.findMany({ where: { userId: user.id }, orderBy: { createdAt: "asc" } });
    expect(rows.map((r) => [r.friendlyName, r.credentialId, Number(r.signCount), r.userHandle])).toEqual([
      ["Laptop", authenticator.credentialIds[0], 0, first.user.id],
      ["Key", key.credentialIds[0], 0, first.user.id],
    ]);
    expect(rows[0]!.credentialPublicKey!.length).toBeGreaterThan(60);
    expect(rows[0]!.transports).toEqual(["internal", "hybrid"]);
  });

  it("refuses an answer from another origin or for another rp id, and a challenge used twice", async () => {
    const user = await insertUser(h.db);
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
    const attempt = async (overrides: Parameters<SoftwareAuthenticator["register"]>[1]) => {
      const options = await registration.options({ id: user.id, name: user.email, displayName: "x" });
      return registration.verify(h.db, {
        userId: user.id,
        friendlyName: "Phish",
        response: authenticator.register(options, overrides),
      });
    };
    expect(await attempt({ origin: "https://app.example.test.evil.example" })).toEqual({
      ok: false,
      reason: "verification",
    });
    expect(await attempt({ origin: "http://app.example.test" })).toEqual({
      ok: false,
      reason: "verification",
    });
    expect(await attempt({ rpId: "evil.example" })).toEqual({ ok: false, reason: "verification" });
    expect(await attempt({ type: "webauthn.get" })).toEqual({ ok: false, reason: "verification" });
    expect(await attempt({ userPresent: false })).toEqual({ ok: false, reason: "verification" });

    const options = await registration.options({ id: user.id, name: user.email, displayName: "x" });
    const response = authenticator.register(options, { origin: "https://admin.example.test" }); // a configured origin
    expect(
      await registration.verify(h.db, { userId: user.id, friendlyName: "Admin", response }),
    ).toMatchObject({ ok: true });
    expect(await registration.verify(h.db, { userId: user.id, friendlyName: "Again", response })).toEqual({
      ok: false,
      reason: "challenge",
    });

    const other = await insertUser(h.db);
    const forOther = await registration.options({ id: other.id, name: other.email, displayName: "x" });
    const stolen = new SoftwareAuthenticator({ origin: ORIGIN }).register(forOther);
    expect(
      await registration.verify(h.db, { userId: user.id, friendlyName: "Stolen", response: stolen }),
    ).toEqual({ ok: false, reason: "challenge" });
    expect(await h.db.mfaFactor.count({ where: { userId: user.id } })).toBe(1);
  });
});

describe("passkey as a second factor", () => {
  it("verifies an assertion of the user's credential and moves its counter forward", async () => {
    const { user, authenticator, factorId } = await withPasskey();
    const options = await authentication.options(secondFactor(user.id));
    expect(options).toMatchObject({
      rpId: "example.test",
      userVerification: "discouraged",
      allowCredentials: [{ id: authenticator.credentialIds[0], type: "public-key" }],
    });
    const result = await authentication.verify(h.db, authenticator.assert(options!), secondFactor(user.id));
    expect(result).toEqual({ ok: true, userId: user.id, factorId, userVerified: true });
    const row = await h.db.mfaFactor.findUniqueOrThrow({ where: { id: factorId } });
    expect(Number(row.signCount)).toBe(1);
    expect(row.lastUsedAt).not.toBeNull();
  });

  it("refuses a counter that goes backwards (a cloned authenticator) and a replayed assertion", async () => {
    const { user, authenticator, credentialId } = await withPasskey();
    const use = async (overrides = {}) => {
      const options = await authentication.options(secondFactor(user.id));
      return authentication.verify(h.db, authenticator.assert(options!, overrides), secondFactor(user.id));
    };
    expect(await use()).toMatchObject({ ok: true }); // counter 1
    expect(await use()).toMatchObject({ ok: true }); // counter 2
    authenticator.setSignCount(credentialId, 0); // the clone reports 1 next
    expect(await use()).toEqual({ ok: false, reason: "counter" });
    authenticator.setSignCount(credentialId, 1); // reports 2: equal is not forward either
    expect(await use()).toEqual({ ok: false, reason: "counter" });
    authenticator.setSignCount(credentialId, 6); // reports 7: forward again
    expect(await use()).toMatchObject({ ok: true });

    const options = await authentication.options(secondFactor(user.id));
    const assertion = authenticator.assert(options!);
    expect(await authentication.verify(h.db, assertion, secondFactor(user.id))).toMatchObject({ ok: true });
    expect(await authentication.verify(h.db, assertion, secondFactor(user.id))).toEqual({
      ok: false,
      reason: "challenge",
    });

    // Two answers to two challenges with the same counter (a clone used at the same moment): both
    // pass the signature check against the stored counter, the conditional UPDATE lets one through.
    const [a, b] = await Promise.all([
      authentication.options(secondFactor(user.id)),
      authentication.options(secondFactor(user.id)),
    ]);
    const results = await Promise.all([
      authentication.verify(h.db, authenticator.assert(a!, { signCount: 20 }), secondFactor(user.id)),
      authentication.verify(h.db, authenticator.assert(b!, { signCount: 20 }), secondFactor(user.id)),
    ]);
    expect(results.map((r) => r.ok).sort()).toEqual([false, true]);
    expect(results.find((r) => !r.ok)).toEqual({ ok: false, reason: "counter" });
  });

  it("accepts a counter that stays 0 where the authenticator keeps none; one of concurrent answers wins", async () => {
    const { user, authenticator } = await withPasskey({ counter: false });
    for (let i = 0; i < 2; i++) {
      const options = await authentication.options(secondFactor(user.id));
      expect(
        await authentication.verify(h.db, authenticator.assert(options!), secondFactor(user.id)),
      ).toMatchObject({ ok: true });
    }
    const options = await authentication.options(secondFactor(user.id));
    const assertion = authenticator.assert(options!);
    const results = await Promise.all(
      Array.from({ length: 8 }, () => authentication.verify(h.db, assertion, secondFactor(user.id))),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
  });

  it("refuses another origin or rp id, another user's credential, and options issued for another purpose", async () => {
    const { user, authenticator } = await withPasskey();
    const other = await withPasskey();
    const attempt = async (overrides = {}) => {
      const options = await authentication.options(secondFactor(user.id));
      return authentication.verify(h.db, authenticator.assert(options!, overrides), secondFactor(user.id));
    };
    expect(await attempt({ origin: "https://evil.example" })).toEqual({ ok: false, reason: "verification" });
    expect(await attempt({ rpId: "evil.example" })).toEqual({ ok: false, reason: "verification" });
    expect(await attempt({ userPresent: false })).toEqual({ ok: false, reason: "verification" });

    // The other user's own valid assertion, answered to options issued to this user.
    const options = await authentication.options(secondFactor(user.id));
    const foreign = other.authenticator.assert({ ...options!, allowCredentials: [] });
    expect(await authentication.verify(h.db, foreign, secondFactor(user.id))).toEqual({
      ok: false,
      reason: "other-user",
    });
    // Options for passwordless sign-in do not complete a second factor, nor the reverse.
    const passwordless = await authentication.options({ purpose: "passwordless" });
    expect(
      await authentication.verify(h.db, authenticator.assert(passwordless!), secondFactor(user.id)),
    ).toEqual({ ok: false, reason: "challenge" });
    expect(await authentication.options(secondFactor((await insertUser(h.db)).id))).toBeNull(); // no passkey
  });
});

describe("passwordless sign-in with a discoverable credential", () => {
  it("finds the user from the credential, checks the user handle, and says whether the user was verified", async () => {
    const { user, authenticator, factorId } = await withPasskey();
    const options = await authentication.options({ purpose: "passwordless" });
    expect(options).toMatchObject({
      rpId: "example.test",
      userVerification: "preferred",
      allowCredentials: [],
    });
    expect(
      await authentication.verify(h.db, authenticator.assert(options!), { purpose: "passwordless" }),
    ).toEqual({
      ok: true,
      userId: user.id,
      factorId,
      userVerified: true,
    });
    const again = await authentication.options({ purpose: "passwordless" });
    expect(
      await authentication.verify(h.db, authenticator.assert(again!, { userVerified: false }), {
        purpose: "passwordless",
      }),
    ).toMatchObject({
      ok: true,
      userVerified: false,
    });
    const wrongHandle = await authentication.options({ purpose: "passwordless" });
    const forged = authenticator.assert(wrongHandle!, { userHandle: "c29tZW9uZS1lbHNl" });
    expect(await authentication.verify(h.db, forged, { purpose: "passwordless" })).toEqual({
      ok: false,
      reason: "user-handle",
    });
  });

  it("refuses a credential nobody registered", async () => {
    const stranger = new SoftwareAuthenticator({ origin: ORIGIN });
    const creation = await registration.options({
      id: (await insertUser(h.db)).id,
      name: "x",
      displayName: "x",
    });
    stranger.register(creation); // never sent to the server
    const options = await authentication.options({ purpose: "passwordless" });
    expect(await authentication.verify(h.db, stranger.assert(options!), { purpose: "passwordless" })).toEqual(
      {
        ok: false,
        reason: "unknown-credential",
      },
    );
  });
});

describe("the relying party from configuration", () => {
  it("accepts https origins on the rp id or below it, and localhost over http", () => {
    expect(
      relyingParty({
        id: "Example.com",
        name: " Aegis ",
        origins: ["https://example.com", "https://app.example.com:8443/"],
      }),
    ).toEqual({
      id: "example.com",
      name: "Aegis",
      origins: ["https://example.com", "https://app.example.com:8443"],
    });
    expect(
      relyingParty({ id: "localhost", name: "Dev", origins: ["http://localhost:5173"] }).origins,
    ).toEqual(["http://localhost:5173"]);
  });

  it.each([
    [{ id: "https://example.com", origins: ["https://example.com"] }, /must be a domain name/],
    [{ id: "10.0.0.1", origins: ["https://10.0.0.1"] }, /must be a domain name/],
    [{ id: "example.com", origins: [] }, /at least one origin/],
    [{ id: "example.com", origins: ["http://example.com"] }, /must use https/],
    [{ id: "example.com", origins: ["https://example.com.evil.net"] }, /not on the rp id/],
    [{ id: "example.com", origins: ["https://notexample.com"] }, /not on the rp id/],
    [{ id: "example.com", origins: ["https://example.com/login"] }, /scheme:\/\/host\[:port\] only/],
    [{ id: "example.com", origins: ["example.com"] }, /not a URL/],
  ])("refuses %j", (input, problem) => {
    expect(() => relyingParty({ name: "Aegis", ...input })).toThrow(problem);
  });
});
