import { setTimeout as sleep } from "node:timers/promises";
import type { AppError } from "../../src/core/errors";
import { extensionsOf } from "../../src/graphql/errors";
import { SignInChallengeStore } from "../../src/mfa/sign-in-challenge.store";
import { buildMfaModules, createMfaHarness, insertUser, type MfaHarness } from "../support/mfa";
import { totpCode } from "../support/totp";
import { SoftwareAuthenticator } from "../support/webauthn-authenticator";

const STEP = 30_000;
const t0 = Math.floor(Date.now() / STEP) * STEP + STEP / 2;

let h: MfaHarness;
let mfa: ReturnType<typeof buildMfaModules>;
beforeAll(() => {
  h = createMfaHarness();
  mfa = buildMfaModules(h);
});
afterAll(() => h.close());

/** A user with a confirmed authenticator app (confirmed with the code of the step before t0). */
async function userWithTotp(modules = mfa) {
  const user = await insertUser(h.db);
  const { factorId, secret } = await modules.totp.enrol(h.db, {
    userId: user.id,
    accountName: user.email,
    friendlyName: "Phone",
  });
  await modules.totp.confirm(
    h.db,
    { userId: user.id, factorId, code: totpCode(secret, t0 - STEP) },
    t0 - STEP,
  );
  return { user, secret };
}

/** What a call threw, as the registry names it. */
async function refusal(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return extensionsOf(error as AppError);
  }
  throw new Error("expected a refusal");
}

describe("the sign-in challenge store", () => {
  it("is completed once: the first success wins, then the challenge is gone", async () => {
    const { token } = await mfa.challenges.issue({ userId: "u1", methods: ["totp"] });
    const claim = await mfa.challenges.claim(token);
    expect(claim).toMatchObject({ kind: "claimed", challenge: { userId: "u1", methods: ["totp"] } });
    if (claim.kind !== "claimed") throw new Error();
    expect(await mfa.challenges.settle(claim.challenge, true)).toBe("won");
    expect(await mfa.challenges.claim(token)).toEqual({ kind: "invalid" });
    expect(await mfa.challenges.claim("not-a-token")).toEqual({ kind: "invalid" });
  });

  it("dies after its last allowed attempt", async () => {
    const { token } = await mfa.challenges.issue({ userId: "u2", methods: ["totp"] });
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) {
      const claim = await mfa.challenges.claim(token);
      if (claim.kind !== "claimed") throw new Error(`attempt ${i + 1}: ${claim.kind}`);
      outcomes.push(await mfa.challenges.settle(claim.challenge, false));
    }
    expect(outcomes).toEqual(["failed", "failed", "exhausted"]);
    expect(await mfa.challenges.claim(token)).toEqual({ kind: "invalid" });
  });

  it("admits one attempt at a time; a lease whose process died lapses", async () => {
    const { token } = await mfa.challenges.issue({ userId: "u3", methods: ["totp"] });
    const now = Date.now();
    const first = await mfa.challenges.claim(token, now);
    expect(await mfa.challenges.claim(token, now + 100)).toEqual({ kind: "busy" });
    // The holder never settles: after the lease (10 s here) another attempt may claim it.
    const second = await mfa.challenges.claim(token, now + 10_001);
    expect(second.kind).toBe("claimed");
    if (first.kind !== "claimed" || second.kind !== "claimed") throw new Error();
    // The lapsed holder's failure does not free the lease the second attempt holds.
    expect(await mfa.challenges.settle(first.challenge, false)).toBe("failed");
    expect(await mfa.challenges.claim(token, now + 10_002)).toEqual({ kind: "busy" });
    expect(await mfa.challenges.settle(second.challenge, true)).toBe("won");
  });

  it("expires after its configured time to live", async () => {
    const store = new SignInChallengeStore({
      redis: h.redis,
      options: { ttlSeconds: 0.3, maxAttempts: 3, leaseMs: 1000 },
    });
    const { token, expiresAt } = await store.issue({ userId: "u4", methods: ["totp"] });
    expect(expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 300);
    await sleep(600);
    expect(await store.claim(token)).toEqual({ kind: "invalid" });
  });

  it("keeps only a digest of the token in Redis", async () => {
    const { token } = await mfa.challenges.issue({ userId: "u5", methods: ["totp"] });
    const keys = await h.redis.keys("*mfa:challenge:*");
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.join(" ")).not.toContain(token);
  });
});

describe("completing a sign-in with a second factor", () => {
  it("offers nothing to an account without a factor: it signs in as before", async () => {
    const user = await insertUser(h.db);
    expect(await mfa.signIn.start(user.id)).toBeNull();
    // A pending enrolment is no factor yet.
    await mfa.totp.enrol(h.db, { userId: user.id, accountName: user.email, friendlyName: "Phone" });
    expect(await mfa.signIn.start(user.id)).toBeNull();
  });

  it("offers the user's methods and completes with a TOTP code, saying how in amr", async () => {
    const { user, secret } = await userWithTotp();
    await mfa.recoveryCodes.regenerate(h.db, user.id);
    const pending = await mfa.signIn.start(user.id);
    expect(pending).toMatchObject({ methods: ["totp", "recovery_code"] });
    expect(pending!.webauthn).toBeUndefined();
    const done = await mfa.signIn.complete(h.db, pending!.token, { method: "totp", code: totpCode(secret) });
    expect(done).toMatchObject({ userId: user.id, method: "totp", amr: ["mfa", "otp", "pwd"] });
    // Used: the same challenge never completes twice.
    expect(
      await refusal(
        mfa.signIn.complete(h.db, pending!.token, {
          method: "totp",
          code: totpCode(secret, Date.now() + STEP),
        }),
      ),
    ).toMatchObject({
      code: "MFA_CHALLENGE_INVALID",
      errorCode: "USER_1012",
    });
  });

  it("counts wrong factors toward the address's lockout and ends the challenge after its attempts", async () => {
    const { user } = await userWithTotp();
    const pending = await mfa.signIn.start(user.id);
    for (let i = 0; i < 3; i++) {
      expect(
        await refusal(mfa.signIn.complete(h.db, pending!.token, { method: "totp", code: "000000" })),
      ).toMatchObject({
        code: "INVALID_SECOND_FACTOR",
        errorCode: "USER_1011",
      });
    }
    expect(await mfa.lockout.state(user.email)).toMatchObject({ failedAttempts: 3, lockedUntil: null });
    expect(
      await refusal(mfa.signIn.complete(h.db, pending!.token, { method: "totp", code: "000000" })),
    ).toMatchObject({
      code: "MFA_CHALLENGE_INVALID",
    });
    // Two more wrong codes on a new challenge reach the limit of 5: the address locks.
    const next = await mfa.signIn.start(user.id);
    await refusal(mfa.signIn.complete(h.db, next!.token, { method: "totp", code: "000001" }));
    expect(
      await refusal(mfa.signIn.complete(h.db, next!.token, { method: "totp", code: "000000" })),
    ).toMatchObject({
      code: "ACCOUNT_LOCKED",
    });
  });

  it("refuses every factor, even a right one, while the address is locked", async () => {
    const { user, secret } = await userWithTotp();
    for (let i = 0; i < 5; i++) {
      const reservation = await mfa.lockout.reserve(user.email);
      if (reservation.kind !== "reserved") throw new Error(reservation.kind);
      await mfa.lockout.settle(user.email, reservation.id, false);
    }
    const pending = await mfa.signIn.start(user.id);
    expect(
      await refusal(mfa.signIn.complete(h.db, pending!.token, { method: "totp", code: totpCode(secret) })),
    ).toMatchObject({
      code: "ACCOUNT_LOCKED",
    });
  });

  it("refuses a method the challenge did not offer", async () => {
    const { user } = await userWithTotp();
    const pending = await mfa.signIn.start(user.id); // no recovery codes: not offered
    expect(pending!.methods).toEqual(["totp"]);
    expect(
      await refusal(
        mfa.signIn.complete(h.db, pending!.token, { method: "recovery_code", code: "AAAAA-AAAAA" }),
      ),
    ).toMatchObject({
      code: "INVALID_SECOND_FACTOR",
      field: "method",
    });
  });

  it("has exactly one winner among concurrent completions, and the losers use up no recovery code", async () => {
    const { user } = await userWithTotp();
    const codes = await mfa.recoveryCodes.regenerate(h.db, user.id);
    const pending = await mfa.signIn.start(user.id);
    const settled = await Promise.allSettled(
      codes.map((code) => mfa.signIn.complete(h.db, pending!.token, { method: "recovery_code", code })),
    );
    const winners = settled.filter((s) => s.status === "fulfilled");
    expect(winners).toHaveLength(1);
    expect((winners[0] as PromiseFulfilledResult<{ userId: string }>).value.userId).toBe(user.id);
    for (const loser of settled.filter((s) => s.status === "rejected")) {
      expect(["RATE_LIMITED", "MFA_CHALLENGE_INVALID"]).toContain(
        ((loser as PromiseRejectedResult).reason as AppError).code,
      );
    }
    expect(await mfa.recoveryCodes.remaining(user.id)).toBe(9);
  });

  it("completes with a passkey answering the challenge's own WebAuthn options, and no others", async () => {
    const user = await insertUser(h.db);
    const authenticator = new SoftwareAuthenticator({ origin: "https://app.example.test" });
    const creation = await mfa.registration.options({ id: user.id, name: user.email, displayName: "x" });
    await mfa.registration.verify(h.db, {
      userId: user.id,
      friendlyName: "Key",
      response: authenticator.register(creation),
    });

    const pending = await mfa.signIn.start(user.id);
    expect(pending!.methods).toEqual(["webauthn"]);
    expect(pending!.webauthn).toMatchObject({ rpId: "example.test", userVerification: "discouraged" });
    // An assertion to other options of the same user (another sign-in's, say) does not complete this one.
    const other = await mfa.passkeys.options({ purpose: "second-factor", userId: user.id });
    expect(
      await refusal(
        mfa.signIn.complete(h.db, pending!.token, {
          method: "webauthn",
          response: authenticator.assert(other!),
        }),
      ),
    ).toMatchObject({
      code: "INVALID_SECOND_FACTOR",
    });
    const done = await mfa.signIn.complete(h.db, pending!.token, {
      method: "webauthn",
      response: authenticator.assert(pending!.webauthn!),
    });
    expect(done).toMatchObject({ userId: user.id, method: "webauthn", amr: ["hwk", "mfa", "pwd"] });
  });

  it("refuses a challenge whose account was erased meanwhile", async () => {
    const { user, secret } = await userWithTotp();
    const pending = await mfa.signIn.start(user.id);
    await h.db.user.update({ where: { id: user.id }, data: { deletedAt: new Date() } });
    expect(
      await refusal(mfa.signIn.complete(h.db, pending!.token, { method: "totp", code: totpCode(secret) })),
    ).toMatchObject({
      code: "MFA_CHALLENGE_INVALID",
    });
  });
});
