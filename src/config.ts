import { createHash, randomBytes } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { readSigningKeys, type SigningKeys } from "./auth/key.reader";

/**
 * The gateway's whole configuration, validated once at start-up. This is the only module that
 * reads `process.env`; everything else receives a `Config`.
 */

/** An empty value (`VAR=` in an env file) means "not set": the default applies. */
const emptyAsUnset = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const int = (fallback: number, min = 0) =>
  z.preprocess(emptyAsUnset, z.coerce.number().int().min(min).default(fallback));
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v));
/** "true"/"false" (or 1/0, yes/no); unset or empty is undefined. */
const optionalBool = () =>
  z
    .string()
    .optional()
    .transform((v, ctx): boolean | undefined => {
      if (v === undefined || v.trim() === "") return undefined;
      const value = v.trim().toLowerCase();
      if (["true", "1", "yes"].includes(value)) return true;
      if (["false", "0", "no"].includes(value)) return false;
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: "expected true or false" });
      return z.NEVER;
    });
/** As optionalBool, with `fallback` when unset or empty. */
const bool = (fallback: boolean) => optionalBool().transform((v) => v ?? fallback);
const csv = optionalString.transform((v) =>
  v
    ?.split(",")
    .map((item) => item.trim())
    .filter(Boolean),
);

const DURATION_UNITS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/** A rate limit written `points/duration`, e.g. `5/1m`, `3/1h`, `100/30s`. */
const rate = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const match = /^\s*(\d+)\s*\/\s*(\d+)\s*([smhd])\s*$/.exec(value);
      const points = Number(match?.[1]);
      const durationSeconds = Number(match?.[2]) * DURATION_UNITS[(match?.[3] ?? "s") as "s"];
      if (!match || points < 1 || durationSeconds < 1) {
        ctx.addIssue({ code: "custom", message: "expected points/duration, e.g. 5/1m or 3/1h" });
        return z.NEVER;
      }
      return { points, durationSeconds };
    });

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: int(4000),
  HOST: z.string().default("0.0.0.0"),
  // Unset: embedded PGlite and in-process Redis (development only; see `embedded` below).
  DATABASE_URL: optionalString.pipe(z.string().url().optional()),
  REDIS_URL: optionalString.pipe(z.string().url().optional()),
  REDIS_KEY_PREFIX: z.string().default(""),
  EMBEDDED_DATA_DIR: z.string().min(1).default(".data"),

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
  BCRYPT_NICE: int(19).pipe(z.number().max(19)),

  MAX_LOGIN_ATTEMPTS: int(5, 1),
  ACCOUNT_LOCKOUT_DURATION_MINUTES: int(15, 1),
  MAX_SESSIONS_PER_USER: int(5, 1),
  SESSION_TOUCH_INTERVAL_SECONDS: int(60),
  PROFILE_CACHE_TTL_SECONDS: int(300, 1),

  KAFKA_BOOTSTRAP_SERVERS: csv,
  KAFKA_CLIENT_ID: z.string().min(1).default("identity-gateway"),
  KAFKA_TOPIC_USER_EVENTS: z.string().min(1).default("user-events"),
  KAFKA_TOPIC_NOTIFICATIONS: z.string().min(1).default("aegis.notification.requested.v1"),
  KAFKA_IDEMPOTENT_PRODUCER: bool(false),
  KAFKA_REQUEST_TIMEOUT_MS: int(10000, 100),
  KAFKA_RELAY_BATCH_SIZE: int(100, 1).pipe(z.number().max(10000)),
  KAFKA_RELAY_POLL_INTERVAL_MS: int(1000, 10),
  KAFKA_RELAY_BACKOFF_MS: int(1000, 10),
  KAFKA_RELAY_MAX_BACKOFF_MS: int(60000, 10),
  KAFKA_RELAY_HOUSEKEEPING_SECONDS: int(60, 1),
  KAFKA_OUTBOX_RETENTION_HOURS: int(168),

  FRONTEND_URL: z.string().url().default("http://localhost:3000"),
  EMAIL_VERIFICATION_TOKEN_TTL_HOURS: int(24, 1),
  PASSWORD_RESET_TOKEN_TTL_MINUTES: int(60, 1),
  REQUIRE_EMAIL_VERIFICATION: bool(false),
  ONE_TIME_LINK_SECRET: optionalString.refine(
    (v) => v === undefined || Buffer.byteLength(v) >= 32,
    "must be at least 32 bytes",
  ),

  RATE_LIMIT_ENABLED: bool(true),
  RATE_LIMIT_LOGIN_PER_IP: rate("5/1m"),
  RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT: rate("10/1h"),
  RATE_LIMIT_REGISTER_PER_IP: rate("3/1h"),
  RATE_LIMIT_PASSWORD_RESET_PER_EMAIL: rate("3/1h"),
  RATE_LIMIT_PASSWORD_RESET_PER_IP: rate("10/1h"),
  RATE_LIMIT_VERIFICATION_PER_EMAIL: rate("3/1h"),
  RATE_LIMIT_VERIFICATION_PER_IP: rate("10/1h"),
  RATE_LIMIT_TOKEN_PER_IP: rate("20/1h"),
  RATE_LIMIT_REFRESH_PER_SESSION: rate("60/1h"),

  BUSINESS_REGISTRY_URL: optionalString.pipe(z.string().url().optional()),
  BUSINESS_REGISTRY_API_KEY: optionalString,
  BUSINESS_REGISTRY_TIMEOUT_MS: int(3000, 50),
  BUSINESS_REGISTRY_BREAKER_VOLUME: int(5, 1),
  BUSINESS_REGISTRY_BREAKER_ERROR_PERCENT: int(50, 1).pipe(z.number().max(100)),
  BUSINESS_REGISTRY_BREAKER_RESET_SECONDS: int(30, 1),

  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  TRUST_PROXY: optionalString,

  GRAPHQL_INTROSPECTION: optionalBool(),
  PLAYGROUND_ENABLED: optionalBool(),
  // Operating the gateway: deadlines, shutdown, limits, metrics, tracing (README "Operating").
  REQUEST_TIMEOUT_MS: int(10_000, 100),
  SHUTDOWN_TIMEOUT_MS: int(10_000, 100),
  SHUTDOWN_READINESS_DELAY_MS: int(0),
  HTTP_BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)?$/i, "a size such as 100kb or 1mb")
    .default("100kb"),
  CORS_ORIGINS: z.string().default(""),
  GRAPHQL_ALLOW_BATCHING: bool(false),
  GRAPHQL_MAX_DEPTH: int(10, 1),
  GRAPHQL_MAX_ALIASES: int(15, 0),
  GRAPHQL_MAX_TOKENS: int(1000, 1),
  GRAPHQL_MAX_COST: int(5000, 1),
  GRAPHQL_MAX_DIRECTIVES: int(50, 0),
  GRAPHQL_MAX_LIST_SIZE: int(100, 1),
  GRAPHQL_WS_MAX_SUBSCRIPTIONS: int(20, 1),
  GRAPHQL_WS_MAX_CONNECTIONS_PER_USER: int(10, 1),
  METRICS_TOKEN: optionalString,
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalString.pipe(z.string().url().optional()),
  OTEL_SERVICE_NAME: z.string().min(1).default("aegis-identity-gateway"),
  TRACING_SAMPLE_RATIO: z.preprocess(emptyAsUnset, z.coerce.number().min(0).max(1).default(1)),
});

/** Every variable the gateway reads (`.env.example` must list each; a test checks it). */
export const CONFIG_VARIABLES = Object.keys(schema.shape);

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

/**
 * Where the embedded PostgreSQL (PGlite) keeps its files and where it listens: a Unix socket in
 * the data folder, so every process of this checkout (the gateway, `admin:create`) derives the
 * same `DATABASE_URL` without a port to agree on. A socket path longer than the OS allows (about
 * 100 bytes) moves to a folder in the temp directory named after the data folder.
 */
export function embeddedDatabase(dataDir: string) {
  const root = path.resolve(dataDir);
  let socketDir = root;
  if (Buffer.byteLength(path.join(root, ".s.PGSQL.5432")) > 100) {
    const id = createHash("sha256").update(root).digest("hex").slice(0, 12);
    socketDir = path.join(os.tmpdir(), `aegis-pglite-${id}`);
  }
  return {
    dataDir: root,
    pgliteDir: path.join(root, "pglite"),
    socketDir,
    socketPath: path.join(socketDir, ".s.PGSQL.5432"),
    url: `postgresql://postgres@localhost:5432/postgres?host=${encodeURIComponent(socketDir)}`,
  };
}

function toConfig(env: z.infer<typeof schema>, secret: string | undefined, keys: SigningKeys) {
  const production = env.NODE_ENV === "production";
  const embedded = embeddedDatabase(env.EMBEDDED_DATA_DIR);
  const introspection = env.GRAPHQL_INTROSPECTION ?? !production;
  return {
    env: env.NODE_ENV,
    isProduction: production,
    http: { port: env.PORT, host: env.HOST, trustProxy: parseTrustProxy(env.TRUST_PROXY) },
    /** The configured database, or the embedded one's socket URL when DATABASE_URL is unset. */
    databaseUrl: env.DATABASE_URL ?? embedded.url,
    redis: {
      /** Unset: an in-process Redis (see infra/redis.ts). */
      url: env.REDIS_URL,
      // A prefix shares one Redis between deployments; in-process there is nothing to share.
      keyPrefix: env.REDIS_URL === undefined ? "" : env.REDIS_KEY_PREFIX,
    },
    /** What runs in-process because its variable is unset (development and tests only). */
    embedded: {
      database: env.DATABASE_URL === undefined ? embedded : undefined,
      redis: env.REDIS_URL === undefined,
    },
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
    kafka: {
      /** Unset: the relay is off and events wait in the outbox. */
      brokers: env.KAFKA_BOOTSTRAP_SERVERS?.length ? env.KAFKA_BOOTSTRAP_SERVERS : undefined,
      clientId: env.KAFKA_CLIENT_ID,
      topics: {
        userEvents: env.KAFKA_TOPIC_USER_EVENTS,
        notifications: env.KAFKA_TOPIC_NOTIFICATIONS,
      },
      idempotent: env.KAFKA_IDEMPOTENT_PRODUCER,
      requestTimeoutMs: env.KAFKA_REQUEST_TIMEOUT_MS,
    },
    relay: {
      batchSize: env.KAFKA_RELAY_BATCH_SIZE,
      pollIntervalMs: env.KAFKA_RELAY_POLL_INTERVAL_MS,
      backoffMs: env.KAFKA_RELAY_BACKOFF_MS,
      maxBackoffMs: Math.max(env.KAFKA_RELAY_MAX_BACKOFF_MS, env.KAFKA_RELAY_BACKOFF_MS),
      housekeepingMs: env.KAFKA_RELAY_HOUSEKEEPING_SECONDS * 1000,
      retentionMs: env.KAFKA_OUTBOX_RETENTION_HOURS * 3600 * 1000,
    },
    recovery: {
      frontendUrl: env.FRONTEND_URL,
      verificationTtlSeconds: env.EMAIL_VERIFICATION_TOKEN_TTL_HOURS * 3600,
      resetTtlSeconds: env.PASSWORD_RESET_TOKEN_TTL_MINUTES * 60,
      requireVerifiedEmail: env.REQUIRE_EMAIL_VERIFICATION,
      /** Links go to the debug log in development only, never in production. */
      logLinks: env.NODE_ENV === "development",
      /**
       * Derives one-time tokens from the references the outbox stores (recovery/link-tokens.ts);
       * random per process outside production (pending links then die with the process).
       */
      linkSecret: env.ONE_TIME_LINK_SECRET ?? randomBytes(48).toString("base64url"),
    },
    rateLimits: {
      enabled: env.RATE_LIMIT_ENABLED,
      limits: {
        loginPerIp: env.RATE_LIMIT_LOGIN_PER_IP,
        loginFailuresPerAccount: env.RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT,
        registerPerIp: env.RATE_LIMIT_REGISTER_PER_IP,
        passwordResetPerEmail: env.RATE_LIMIT_PASSWORD_RESET_PER_EMAIL,
        passwordResetPerIp: env.RATE_LIMIT_PASSWORD_RESET_PER_IP,
        verificationPerEmail: env.RATE_LIMIT_VERIFICATION_PER_EMAIL,
        verificationPerIp: env.RATE_LIMIT_VERIFICATION_PER_IP,
        tokenPerIp: env.RATE_LIMIT_TOKEN_PER_IP,
        refreshPerSession: env.RATE_LIMIT_REFRESH_PER_SESSION,
      },
    },
    businessRegistry: env.BUSINESS_REGISTRY_URL
      ? {
          url: env.BUSINESS_REGISTRY_URL,
          apiKey: env.BUSINESS_REGISTRY_API_KEY,
          timeoutMs: env.BUSINESS_REGISTRY_TIMEOUT_MS,
          breaker: {
            volumeThreshold: env.BUSINESS_REGISTRY_BREAKER_VOLUME,
            errorThresholdPercentage: env.BUSINESS_REGISTRY_BREAKER_ERROR_PERCENT,
            resetTimeoutMs: env.BUSINESS_REGISTRY_BREAKER_RESET_SECONDS * 1000,
          },
        }
      : undefined,
    logLevel: env.LOG_LEVEL,
    ...operations(env),
    /** GraphiQL at GET /graphql for browsers: on in development, opt-in in production. */
    playground: { enabled: env.PLAYGROUND_ENABLED ?? (!production && introspection) },
    /**
     * Set when no signing secret or key was configured and a throw-away one was generated
     * (development and test only).
     */
    generatedJwtSecret: keys.generated || secret !== env.JWT_SECRET_KEY,
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
      /** graphql-ws: subscriptions one socket may hold, sockets one user may hold (all processes). */
      webSocket: {
        maxSubscriptions: env.GRAPHQL_WS_MAX_SUBSCRIPTIONS,
        maxConnectionsPerUser: env.GRAPHQL_WS_MAX_CONNECTIONS_PER_USER,
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
  const problems: string[] = [];
  if (production) {
    if (symmetric && env.JWT_SECRET_KEY === undefined) {
      problems.push("JWT_SECRET_KEY: required in production");
    }
    if (env.ONE_TIME_LINK_SECRET === undefined) {
      problems.push("ONE_TIME_LINK_SECRET: required in production (derives e-mail verification and reset tokens)");
    }
    // Embedded backends are for trying the gateway out: refuse them rather than start on them.
    if (env.DATABASE_URL === undefined) {
      problems.push(
        "DATABASE_URL: required in production (unset means the embedded database, for development only)",
      );
    }
    if (env.REDIS_URL === undefined) {
      problems.push(
        "REDIS_URL: required in production (unset means the in-process Redis, for development only)",
      );
    }
  }
  const introspection = env.GRAPHQL_INTROSPECTION ?? !production;
  if (env.PLAYGROUND_ENABLED === true && !introspection) {
    problems.push("PLAYGROUND_ENABLED: the playground needs GRAPHQL_INTROSPECTION=true");
  }
  if (env.SHUTDOWN_READINESS_DELAY_MS >= env.SHUTDOWN_TIMEOUT_MS) {
    problems.push("SHUTDOWN_READINESS_DELAY_MS: must be less than SHUTDOWN_TIMEOUT_MS");
  }
  const keys = readSigningKeys(env.JWT_ALGORITHM, {
    privateKey: env.JWT_PRIVATE_KEY,
    privateKeyFile: env.JWT_PRIVATE_KEY_FILE,
    previousPublicKeys: env.JWT_PREVIOUS_PUBLIC_KEYS,
    generateIfMissing: !production,
  });
  problems.push(...keys.problems);
  if (problems.length > 0) throw new ConfigError(problems);
  const secret = symmetric
    ? (env.JWT_SECRET_KEY ?? randomBytes(48).toString("base64url"))
    : env.JWT_SECRET_KEY;
  return toConfig(env, secret, keys);
}
