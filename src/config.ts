import { createHash, randomBytes } from "node:crypto";
import os from "node:os";
import path from "node:path";
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
  // Unset: embedded PGlite and in-process Redis (development only; see `embedded` below).
  DATABASE_URL: optionalString.pipe(z.string().url().optional()),
  REDIS_URL: optionalString.pipe(z.string().url().optional()),
  REDIS_KEY_PREFIX: z.string().default(""),
  EMBEDDED_DATA_DIR: z.string().min(1).default(".data"),

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

  MAX_LOGIN_ATTEMPTS: int(5, 1),
  ACCOUNT_LOCKOUT_DURATION_MINUTES: int(15, 1),
  MAX_SESSIONS_PER_USER: int(5, 1),
  SESSION_TOUCH_INTERVAL_SECONDS: int(60),
  PROFILE_CACHE_TTL_SECONDS: int(300, 1),

  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  TRUST_PROXY: optionalString,

  GRAPHQL_INTROSPECTION: bool(),
  PLAYGROUND_ENABLED: bool(),
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

function toConfig(env: z.infer<typeof schema>, secret: string) {
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
    hardening: {
      /** Off in production unless asked for. */
      introspection,
    },
    /** GraphiQL at GET /graphql for browsers: on in development, opt-in in production. */
    playground: { enabled: env.PLAYGROUND_ENABLED ?? (!production && introspection) },
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
  const problems: string[] = [];
  if (env.NODE_ENV === "production") {
    if (env.JWT_SECRET_KEY === undefined) problems.push("JWT_SECRET_KEY: required in production");
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
  const introspection = env.GRAPHQL_INTROSPECTION ?? env.NODE_ENV !== "production";
  if (env.PLAYGROUND_ENABLED === true && !introspection) {
    problems.push("PLAYGROUND_ENABLED: the playground needs GRAPHQL_INTROSPECTION=true");
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return toConfig(env, env.JWT_SECRET_KEY ?? randomBytes(48).toString("base64url"));
}
