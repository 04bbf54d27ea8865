import { randomBytes } from "node:crypto";
import os from "node:os";
import { z } from "zod";

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
  JWT_ISSUER: z.string().min(1).default("aegis-identity-gateway"),
  JWT_AUDIENCE: z.string().min(1).default("aegis"),
  JWT_ACCESS_TOKEN_EXPIRE_MINUTES: int(30, 1),
  JWT_REFRESH_TOKEN_EXPIRE_DAYS: int(7, 1),
  REFRESH_TOKEN_REUSE_GRACE_SECONDS: int(10),

  BCRYPT_ROUNDS: int(12, 4).pipe(z.number().max(15)),
  BCRYPT_CONCURRENCY: int(os.availableParallelism(), 1),
  BCRYPT_NICE: int(19).pipe(z.number().max(19)),

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

function toConfig(env: z.infer<typeof schema>, secret: string) {
  return {
    env: env.NODE_ENV,
    isProduction: env.NODE_ENV === "production",
    http: { port: env.PORT, host: env.HOST, trustProxy: parseTrustProxy(env.TRUST_PROXY) },
    databaseUrl: env.DATABASE_URL,
    redis: { url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX },
    jwt: {
      secret,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      accessTtlSeconds: env.JWT_ACCESS_TOKEN_EXPIRE_MINUTES * 60,
      refreshTtlSeconds: env.JWT_REFRESH_TOKEN_EXPIRE_DAYS * 24 * 3600,
      reuseGraceSeconds: env.REFRESH_TOKEN_REUSE_GRACE_SECONDS,
    },
    passwords: {
      bcryptRounds: env.BCRYPT_ROUNDS,
      hashConcurrency: env.BCRYPT_CONCURRENCY,
      hashNice: env.BCRYPT_NICE,
    },
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
    /** Set when no JWT secret was configured and a throw-away one was generated (development). */
    generatedJwtSecret: secret !== env.JWT_SECRET_KEY,
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
  if (env.JWT_SECRET_KEY === undefined && env.NODE_ENV === "production") {
    throw new ConfigError(["JWT_SECRET_KEY: required in production"]);
  }
  return toConfig(env, env.JWT_SECRET_KEY ?? randomBytes(48).toString("base64url"));
}
