import { createHash, randomBytes } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { readSigningKeys, type SigningKeys } from "./config/key.reader";
import { DEVELOPMENT_DEFAULTS } from "./config/development";
import { ConfigError } from "./config/error";
import { redisConfig, type RedisConfig } from "./config/redis";
import { describeIssue, emptyAsUnset } from "./config/values";
import { schema, type Environment } from "./config/variables";

/**
 * The gateway's whole configuration, validated once at start-up. This is the only module that
 * reads `process.env` (after config/env-file.ts has added `.env` under it); everything else
 * receives a `Config`. The variables, their defaults and descriptions are in config/variables.ts.
 */

/** Every variable the gateway reads (docs/configuration.md's reference and `.env.example` list each). */
export const CONFIG_VARIABLES = Object.keys(schema.shape);

export type Config = ReturnType<typeof toConfig>;

export { ConfigError };
export { loadEnvFile } from "./config/env-file";

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

function toConfig(
  env: Environment,
  secret: string | undefined,
  keys: SigningKeys,
  developmentDefaults: string[],
  redis: RedisConfig,
) {
  const production = env.NODE_ENV === "production";
  const embedded = embeddedDatabase(env.EMBEDDED_DATA_DIR);
  const introspection = env.GRAPHQL_INTROSPECTION ?? !production;
  return {
    env: env.NODE_ENV,
    isProduction: production,
    http: { port: env.PORT, host: env.HOST, trustProxy: parseTrustProxy(env.TRUST_PROXY) },
    /** The configured database, or the embedded one's socket URL when DATABASE_URL is unset. */
    databaseUrl: env.DATABASE_URL ?? embedded.url,
    /** Apply pending migrations before serving (the embedded database always does). */
    migrateOnStart: env.MIGRATE_ON_START,
    /** Topology, auth and TLS; in-process when nothing is configured (see infra/redis.ts). */
    redis,
    /** What runs in-process because its variable is unset (development and tests only). */
    embedded: {
      database: env.DATABASE_URL === undefined ? embedded : undefined,
      redis: redis.topology.kind === "in-process",
    },
    jwt: {
      algorithm: env.JWT_ALGORITHM,
      /** HS256: the signing secret. RS256/ES256: an old HS256 secret that only verifies, if set. */
      secret,
      /** RS256/ES256: the key that signs new tokens. */
      privateKey: keys.privateKey,
      /** Keys that signed before the last rotation: they verify and stay in the JWKS. */
      previousPublicKeys: keys.previousPublicKeys,
      /** The next signing key's public key: published and verifying before it signs (rotation step 1). */
      nextPublicKeys: keys.nextPublicKeys,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      accessTtlSeconds: Math.round(env.JWT_ACCESS_TOKEN_EXPIRE_MINUTES * 60),
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
      /** Development only: each link is also logged at info, so a developer can click it. */
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
    /** JSON lines (production, tests, log pipelines) or pino-pretty for a terminal. */
    logFormat: env.LOG_FORMAT ?? "json",
    ...operations(env),
    /** GraphiQL at GET /graphql for browsers: on in development, opt-in in production. */
    playground: { enabled: env.PLAYGROUND_ENABLED ?? (!production && introspection) },
    federation: {
      /**
       * Who may read `_service { sdl }`: anyone, a router sending the shared secret, or no one.
       * Follows introspection when unset: open in development, off in production.
       */
      sdlAccess: env.FEDERATION_SDL_ACCESS ?? (introspection ? "open" : "off"),
      sdlSecret: env.FEDERATION_SDL_SECRET,
    },
    /**
     * Set when no signing secret or key was configured and a throw-away one was generated
     * (development and test only).
     */
    generatedJwtSecret: keys.generated || secret !== env.JWT_SECRET_KEY,
    /** Variables that took their development default (config/development.ts), for the banner. */
    developmentDefaults,
  };
}

/** Deadlines, shutdown, GraphQL hardening, metrics and tracing. */
function operations(env: Environment) {
  const production = env.NODE_ENV === "production";
  return {
    requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
    shutdown: {
      timeoutMs: env.SHUTDOWN_TIMEOUT_MS,
      readinessDelayMs: env.SHUTDOWN_READINESS_DELAY_MS,
    },
    hardening: {
      bodyLimit: env.HTTP_BODY_LIMIT,
      /**
       * Origins allowed to call from a browser; `["*"]` is any; empty is none. Unset in
       * development: the frontend's, so a React app on another port works on its first fetch.
       */
      corsOrigins:
        env.CORS_ORIGINS?.split(",")
          .map((origin) => origin.trim())
          .filter(Boolean) ?? (env.NODE_ENV === "development" ? [new URL(env.FRONTEND_URL).origin] : []),
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
  const { environment, developmentDefaults } = withDevelopmentDefaults(source);
  const parsed = schema.safeParse(environment);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${describeIssue(issue)}`),
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
      problems.push(
        "ONE_TIME_LINK_SECRET: required in production (derives e-mail verification and reset tokens)",
      );
    }
    // Embedded backends are for trying the gateway out: refuse them rather than start on them.
    if (env.DATABASE_URL === undefined) {
      problems.push(
        "DATABASE_URL: required in production (unset means the embedded database, for development only)",
      );
    }
  }
  const introspection = env.GRAPHQL_INTROSPECTION ?? !production;
  if (env.PLAYGROUND_ENABLED === true && !introspection) {
    problems.push("PLAYGROUND_ENABLED: the playground needs GRAPHQL_INTROSPECTION=true");
  }
  problems.push(...federationProblems(env));
  if (env.SHUTDOWN_READINESS_DELAY_MS >= env.SHUTDOWN_TIMEOUT_MS) {
    problems.push("SHUTDOWN_READINESS_DELAY_MS: must be less than SHUTDOWN_TIMEOUT_MS");
  }
  const redis = redisConfig(env, production, problems);
  const keys = readSigningKeys(env.JWT_ALGORITHM, {
    privateKey: env.JWT_PRIVATE_KEY,
    privateKeyFile: env.JWT_PRIVATE_KEY_FILE,
    previousPublicKeys: env.JWT_PREVIOUS_PUBLIC_KEYS,
    nextPublicKeys: env.JWT_NEXT_PUBLIC_KEYS,
    generateIfMissing: !production,
  });
  problems.push(...keys.problems);
  if (problems.length > 0) throw new ConfigError(problems);
  const secret = symmetric
    ? (env.JWT_SECRET_KEY ?? randomBytes(48).toString("base64url"))
    : env.JWT_SECRET_KEY;
  return toConfig(env, secret, keys, developmentDefaults, redis);
}

/** The SDL secret is used exactly when asked for, and is long enough to be a secret. */
function federationProblems(env: Environment): string[] {
  const secret = env.FEDERATION_SDL_SECRET;
  if (env.FEDERATION_SDL_ACCESS === "secret") {
    if (secret === undefined) return ["FEDERATION_SDL_SECRET: required when FEDERATION_SDL_ACCESS=secret"];
    if (Buffer.byteLength(secret) < 32) return ["FEDERATION_SDL_SECRET: must be at least 32 bytes"];
  } else if (secret !== undefined) {
    return ["FEDERATION_SDL_SECRET: only used when FEDERATION_SDL_ACCESS=secret"];
  }
  return [];
}

/** DATABASE_URL alone, validated as the server validates it, for `db:migrate` (which needs nothing else). */
export function loadDatabaseUrl(source: NodeJS.ProcessEnv = process.env): string {
  const parsed = schema.shape.DATABASE_URL.safeParse(source.DATABASE_URL);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `DATABASE_URL: ${describeIssue(issue)}`));
  }
  if (parsed.data === undefined) throw new ConfigError(["DATABASE_URL: required (the database to migrate)"]);
  return parsed.data;
}

/**
 * In development (NODE_ENV unset or `development`), the variables the environment leaves unset
 * (or empty) take config/development.ts's values; elsewhere the environment is read as it is.
 */
function withDevelopmentDefaults(source: NodeJS.ProcessEnv) {
  const nodeEnv = emptyAsUnset(source.NODE_ENV) ?? "development";
  if (nodeEnv !== "development") return { environment: source, developmentDefaults: [] };
  const developmentDefaults = Object.keys(DEVELOPMENT_DEFAULTS).filter(
    (name) => emptyAsUnset(source[name]) === undefined,
  );
  const environment = { ...source };
  for (const name of developmentDefaults) environment[name] = DEVELOPMENT_DEFAULTS[name];
  return { environment, developmentDefaults };
}
