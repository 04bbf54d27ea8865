import { randomBytes } from "node:crypto";
import os from "node:os";
import { z } from "zod";

/**
 * The gateway's whole configuration, validated once at start-up. This is the only module that
 * reads `process.env`; everything else receives a `Config`.
 */

/** Unset or empty (as `${VAR:-}` in a compose file gives) both mean "take the default". */
const blankAsUnset = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const int = (fallback: number, min = 0) =>
  z.preprocess(blankAsUnset, z.coerce.number().int().min(min).default(fallback));
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v));
/** "true"/"false" (or 1/0, yes/no); unset or empty takes `fallback`. */
const bool = (fallback?: boolean) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return fallback;
      const value = v.trim().toLowerCase();
      if (["true", "1", "yes"].includes(value)) return true;
      if (["false", "0", "no"].includes(value)) return false;
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: "expected true or false" });
      return z.NEVER;
    });

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: int(4000),
  HOST: z.string().default("0.0.0.0"),
  DATABASE_URL: z.string().url(),
  REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
  REDIS_KEY_PREFIX: z.string().default(""),

  JWT_SECRET_KEY: optionalString,
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

  // Operating the gateway: deadlines, shutdown, limits, metrics, tracing (README "Operating").
  REQUEST_TIMEOUT_MS: int(10_000, 100),
  SHUTDOWN_TIMEOUT_MS: int(10_000, 100),
  SHUTDOWN_READINESS_DELAY_MS: int(0),
  HTTP_BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)?$/i, "a size such as 100kb or 1mb")
    .default("100kb"),
  CORS_ORIGINS: z.string().default(""),
  GRAPHQL_INTROSPECTION: bool(),
  GRAPHQL_ALLOW_BATCHING: bool(false),
  GRAPHQL_MAX_DEPTH: int(10, 1),
  GRAPHQL_MAX_ALIASES: int(15, 0),
  GRAPHQL_MAX_TOKENS: int(1000, 1),
  GRAPHQL_MAX_COST: int(5000, 1),
  GRAPHQL_MAX_DIRECTIVES: int(50, 0),
  GRAPHQL_MAX_LIST_SIZE: int(100, 1),
  METRICS_TOKEN: optionalString,
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalString.pipe(z.string().url().optional()),
  OTEL_SERVICE_NAME: z.string().min(1).default("aegis-identity-gateway"),
  TRACING_SAMPLE_RATIO: z.preprocess(blankAsUnset, z.coerce.number().min(0).max(1).default(1)),
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
    ...operations(env),
    /** Set when no JWT secret was configured and a throw-away one was generated (development). */
    generatedJwtSecret: secret !== env.JWT_SECRET_KEY,
  };
}

/** Deadlines, shutdown, GraphQL hardening, metrics and tracing. */
function operations(env: z.infer<typeof schema>) {
  const production = env.NODE_ENV === "production";
  return {
    requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
    shutdown: {
      timeoutMs: env.SHUTDOWN_TIMEOUT_MS,
      readinessDelayMs: env.SHUTDOWN_READINESS_DELAY_MS,
    },
    hardening: {
      bodyLimit: env.HTTP_BODY_LIMIT,
      /** Origins allowed to call from a browser; `["*"]` is any; empty is none. */
      corsOrigins: env.CORS_ORIGINS.split(",")
        .map((origin) => origin.trim())
        .filter(Boolean),
      /** Off in production unless asked for; field suggestions follow it. */
      introspection: env.GRAPHQL_INTROSPECTION ?? !production,
      allowBatching: env.GRAPHQL_ALLOW_BATCHING ?? false,
      limits: {
        maxDepth: env.GRAPHQL_MAX_DEPTH,
        maxAliases: env.GRAPHQL_MAX_ALIASES,
        maxTokens: env.GRAPHQL_MAX_TOKENS,
        maxCost: env.GRAPHQL_MAX_COST,
        maxDirectives: env.GRAPHQL_MAX_DIRECTIVES,
        maxListSize: env.GRAPHQL_MAX_LIST_SIZE,
      },
    },
    metrics: { token: env.METRICS_TOKEN },
    tracing: {
      /** OTLP/HTTP base URL; tracing is off (and its SDK never loaded) without it. */
      endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
      serviceName: env.OTEL_SERVICE_NAME,
      sampleRatio: env.TRACING_SAMPLE_RATIO,
    },
  };
}

/** Every variable the gateway reads, for checks that the docs and the compose file keep up. */
export const CONFIG_VARIABLES = Object.keys(schema.shape);

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
  const problems: string[] = [];
  let secret = env.JWT_SECRET_KEY;
  if (secret !== undefined && Buffer.byteLength(secret) < 32) {
    problems.push("JWT_SECRET_KEY: must be at least 32 bytes");
  }
  if (secret === undefined) {
    if (env.NODE_ENV === "production") problems.push("JWT_SECRET_KEY: required in production");
    secret = randomBytes(48).toString("base64url");
  }
  if (env.SHUTDOWN_READINESS_DELAY_MS >= env.SHUTDOWN_TIMEOUT_MS) {
    problems.push("SHUTDOWN_READINESS_DELAY_MS: must be less than SHUTDOWN_TIMEOUT_MS");
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return toConfig(env, secret);
}
