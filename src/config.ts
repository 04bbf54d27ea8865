import { randomBytes } from "node:crypto";
import os from "node:os";
import { z } from "zod";
import { readSigningKeys, type SigningKeys } from "./auth/key.reader";

/**
 * The gateway's whole configuration, validated once at start-up. This is the only module that
 * reads `process.env`; everything else receives a `Config`.
 */

const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v));

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: int(4000),
  HOST: z.string().default("0.0.0.0"),
  DATABASE_URL: z.string().url(),
  REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
  REDIS_KEY_PREFIX: z.string().default(""),

  JWT_SECRET_KEY: optionalString.refine(
    (v) => v === undefined || Buffer.byteLength(v) >= 32,
    "must be at least 32 bytes",
  ),
  JWT_ALGORITHM: z.enum(["HS256", "RS256", "ES256"]).default("HS256"),
  JWT_PRIVATE_KEY: optionalString,
  JWT_PRIVATE_KEY_FILE: optionalString,
  JWT_PREVIOUS_PUBLIC_KEYS: optionalString,
  JWT_ISSUER: z.string().min(1).default("aegis-identity-gateway"),
  JWT_AUDIENCE: z.string().min(1).default("aegis"),
  JWT_ACCESS_TOKEN_EXPIRE_MINUTES: int(30, 1),
  JWT_REFRESH_TOKEN_EXPIRE_DAYS: int(7, 1),
  REFRESH_TOKEN_REUSE_GRACE_SECONDS: int(10),

  BCRYPT_ROUNDS: int(12, 4).pipe(z.number().max(15)),
  BCRYPT_CONCURRENCY: int(os.availableParallelism(), 1),

  MAX_LOGIN_ATTEMPTS: int(5, 1),
  ACCOUNT_LOCKOUT_DURATION_MINUTES: int(15, 1),
  MAX_SESSIONS_PER_USER: int(5, 1),
  SESSION_TOUCH_INTERVAL_SECONDS: int(60),
  PROFILE_CACHE_TTL_SECONDS: int(300, 1),

  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  TRUST_PROXY: optionalString,
});

export type Config = ReturnType<typeof toConfig>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/** Express's `trust proxy` setting: a hop count, a boolean, or a list of addresses/subnets. */
function parseTrustProxy(value: string | undefined): boolean | number | string | undefined {
  if (value === undefined) return undefined;
  if (value === "true") return true;
  if (value === "false") return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

function toConfig(env: z.infer<typeof schema>, secret: string | undefined, keys: SigningKeys) {
  return {
    env: env.NODE_ENV,
    isProduction: env.NODE_ENV === "production",
    http: { port: env.PORT, host: env.HOST, trustProxy: parseTrustProxy(env.TRUST_PROXY) },
    databaseUrl: env.DATABASE_URL,
    redis: { url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX },
    jwt: {
      algorithm: env.JWT_ALGORITHM,
      /** HS256: the signing secret. RS256/ES256: an old HS256 secret that only verifies, if set. */
      secret,
      /** RS256/ES256: the key that signs new tokens. */
      privateKey: keys.privateKey,
      /** Keys that signed before the last rotation: they verify and stay in the JWKS. */
      previousPublicKeys: keys.previousPublicKeys,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      accessTtlSeconds: env.JWT_ACCESS_TOKEN_EXPIRE_MINUTES * 60,
      refreshTtlSeconds: env.JWT_REFRESH_TOKEN_EXPIRE_DAYS * 24 * 3600,
      reuseGraceSeconds: env.REFRESH_TOKEN_REUSE_GRACE_SECONDS,
    },
    passwords: { bcryptRounds: env.BCRYPT_ROUNDS, hashConcurrency: env.BCRYPT_CONCURRENCY },
    lockout: {
      maxAttempts: env.MAX_LOGIN_ATTEMPTS,
      durationSeconds: env.ACCOUNT_LOCKOUT_DURATION_MINUTES * 60,
    },
    sessions: {
      maxPerUser: env.MAX_SESSIONS_PER_USER,
      touchIntervalSeconds: env.SESSION_TOUCH_INTERVAL_SECONDS,
    },
    profileCacheTtlSeconds: env.PROFILE_CACHE_TTL_SECONDS,
    logLevel: env.LOG_LEVEL,
    /**
     * Set when no signing secret or key was configured and a throw-away one was generated
     * (development and test only).
     */
    generatedJwtSecret: keys.generated || secret !== env.JWT_SECRET_KEY,
  };
}

/**
 * Validates the environment. Throws a `ConfigError` listing every bad variable, one per line.
 */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`),
    );
  }
  const env = parsed.data;
  const production = env.NODE_ENV === "production";
  const symmetric = env.JWT_ALGORITHM === "HS256";
  if (symmetric && env.JWT_SECRET_KEY === undefined && production) {
    throw new ConfigError(["JWT_SECRET_KEY: required in production"]);
  }
  const keys = readSigningKeys(env.JWT_ALGORITHM, {
    privateKey: env.JWT_PRIVATE_KEY,
    privateKeyFile: env.JWT_PRIVATE_KEY_FILE,
    previousPublicKeys: env.JWT_PREVIOUS_PUBLIC_KEYS,
    generateIfMissing: !production,
  });
  if (keys.problems.length > 0) throw new ConfigError(keys.problems);
  const secret = symmetric
    ? (env.JWT_SECRET_KEY ?? randomBytes(48).toString("base64url"))
    : env.JWT_SECRET_KEY;
  return toConfig(env, secret, keys);
}
