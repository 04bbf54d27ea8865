import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { Lockout } from "../../src/auth/lockout";
import { loadConfig } from "../../src/config";
import { createLogger, type Logger } from "../../src/infra/logger";
import { createDatabase, type Database } from "../../src/infra/prisma";
import { closeRedis, createRedis, type RedisClient } from "../../src/infra/redis";
import { RateLimits } from "../../src/limits/rate-limits";
import { MfaFactorRepository } from "../../src/mfa/factor.repository";
import { MfaSignIn } from "../../src/mfa/mfa-sign-in";
import { RecoveryCodeRepository } from "../../src/mfa/recovery-code.repository";
import { RecoveryCodes } from "../../src/mfa/recovery-codes";
import { SecondFactorCheck } from "../../src/mfa/second-factor.check";
import { SecondFactorVerifier } from "../../src/mfa/second-factor.verifier";
import { SecretBox } from "../../src/mfa/secret-box";
import { parseSecretKeys, type SecretKey } from "../../src/mfa/secret-key-ring";
import { SignInChallengeStore } from "../../src/mfa/sign-in-challenge.store";
import { TotpFactors } from "../../src/mfa/totp";
import { PasskeyAuthentication } from "../../src/mfa/webauthn.authentication";
import { WebAuthnCeremonyStore } from "../../src/mfa/webauthn-ceremony.store";
import { PasskeyRegistration } from "../../src/mfa/webauthn.registration";
import { relyingParty } from "../../src/mfa/webauthn.relying-party";
import { uniqueEmail } from "./factories";
import { testEnv } from "./test-server";

/**
 * What the multi-factor modules' tests build them from: the run's Postgres database and Redis
 * (or the in-process Redis under TEST_REDIS=in-process, as the test server does), keys made for
 * the test, a logger whose lines the test can read, and users inserted as rows (these tests are
 * about the modules; the flows over the wire come when the modules are wired into the API).
 */
export interface MfaHarness {
  db: Database;
  redis: RedisClient;
  logger: Logger;
  logs(): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export function createMfaHarness(): MfaHarness {
  const db = createDatabase(process.env.TEST_DATABASE_URL!);
  const config = loadConfig(testEnv()).redis;
  const redis = createRedis(config, { name: "mfa-test" });
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    db,
    redis,
    logger: createLogger("debug", sink),
    logs: () =>
      chunks
        .join("")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line)),
    async close() {
      await db.$disconnect();
      // The in-process Redis is shared by the whole test process: leave it open.
      if (config.topology.kind !== "in-process") await closeRedis(redis);
    },
  };
}

/** A key ring of fresh random keys, named by `ids`, the first current. */
export function testKeys(...ids: string[]): SecretKey[] {
  return parseSecretKeys(ids.map((id) => `${id}:${randomBytes(32).toString("base64")}`).join(","));
}

/** A user row (as registration leaves it), for tests of modules that hang off a user. */
export async function insertUser(db: Database, role: "USER" | "MODERATOR" | "ADMIN" = "USER") {
  return db.user.create({
    data: {
      email: uniqueEmail("mfa"),
      name: "MFA Test",
      passwordHash: "$2b$04$unusedunusedunusedunuseduOj2m2bL2cC6rI5r4U4qH1z2lYw3xqK",
      role,
    },
    select: { id: true, email: true, role: true },
  });
}

/** Options of the modules a test may change (short windows, few attempts). */
export interface MfaModuleOptions {
  challengeTtlSeconds?: number;
  maxAttempts?: number;
  leaseMs?: number;
  lockoutMaxAttempts?: number;
  origin?: string;
}

export const TEST_ORIGIN = "https://app.example.test";

/**
 * Every multi-factor module, wired the way the gateway will wire them, on the harness's database
 * and Redis, with the lockout and rate limits of auth/ (limits off, as in every test server).
 */
export function buildMfaModules(h: MfaHarness, options: MfaModuleOptions = {}) {
  const keys = testKeys("k1");
  const factors = new MfaFactorRepository({ db: h.db });
  const ceremonies = new WebAuthnCeremonyStore({ redis: h.redis, ttlSeconds: 60 });
  const rp = relyingParty({
    id: "example.test",
    name: "Aegis Test",
    origins: [options.origin ?? TEST_ORIGIN],
  });
  const totp = new TotpFactors({ factors, box: new SecretBox({ keys }), issuer: "Aegis Test" });
  const recoveryCodes = new RecoveryCodes({ codes: new RecoveryCodeRepository({ db: h.db }), keys });
  const passkeys = new PasskeyAuthentication({ factors, ceremonies, rp });
  const registration = new PasskeyRegistration({ factors, ceremonies, rp });
  const lockout = new Lockout({
    redis: h.redis,
    policy: {
      maxAttempts: options.lockoutMaxAttempts ?? 5,
      lockoutSeconds: 900,
      memorySeconds: 3600,
      inFlightSeconds: 60,
    },
  });
  const limits = new RateLimits({
    redis: h.redis,
    config: loadConfig(testEnv()).rateLimits,
    logger: h.logger,
  });
  const verifier = new SecondFactorVerifier({ totp, recoveryCodes, passkeys });
  const check = new SecondFactorCheck({ verifier, lockout, limits });
  const challenges = new SignInChallengeStore({
    redis: h.redis,
    options: {
      ttlSeconds: options.challengeTtlSeconds ?? 300,
      maxAttempts: options.maxAttempts ?? 3,
      leaseMs: options.leaseMs ?? 10_000,
    },
  });
  const emailOf = async (userId: string) =>
    (await h.db.user.findFirst({ where: { id: userId, deletedAt: null }, select: { email: true } }))?.email ??
    null;
  const signIn = new MfaSignIn({ challenges, factors, recoveryCodes, passkeys, check, emailOf });
  return {
    factors,
    ceremonies,
    totp,
    recoveryCodes,
    passkeys,
    registration,
    lockout,
    verifier,
    check,
    challenges,
    signIn,
  };
}
