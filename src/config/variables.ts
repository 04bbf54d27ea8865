import os from "node:os";
import { z } from "zod";
import {
  bool,
  csv,
  emptyAsUnset,
  int,
  oneOf,
  optionalBool,
  optionalOneOf,
  optionalText,
  optionalUrl,
  ratio,
  rate,
  text,
  url,
  doc,
} from "./values";
import { redis } from "./redis";

/**
 * Every environment variable the gateway reads, by section, each with its description. The
 * configuration reference (docs/configuration.md) and `.env.example` are generated from these tables
 * (`npm run docs:config`); a test fails when either differs from what they would generate.
 */

const HTTP = ["http", "https"];

const server = {
  NODE_ENV: doc(
    oneOf(["development", "production", "test"], "development"),
    "`production` refuses the embedded backends and generated keys, and turns introspection and the playground off unless asked for; `development` applies the development defaults of this table; `test` is for the test suite",
  ),
  PORT: doc(int(4000, 0, 65535), "TCP port of the HTTP and WebSocket server (`0`: any free port)"),
  HOST: doc(
    text("0.0.0.0"),
    "address the server listens on: `0.0.0.0` every interface, `127.0.0.1` this machine only",
  ),
  ENV_FILE: doc(
    text(".env"),
    "file of variables read at start-up (from the environment only), relative to the working directory; the environment wins over the file. The default `.env` is skipped when missing; another file must exist; `none` reads no file",
    { notInCompose: "compose passes the variables itself; the image holds no env file" },
  ),
  TRUST_PROXY: doc(
    optionalText(),
    "when set, the client IP comes from `X-Forwarded-For`, as Express's `trust proxy`: `true`, a hop count, or addresses/subnets of your proxies",
    { example: "1" },
  ),
  CORS_ORIGINS: doc(
    optionalText(),
    "comma-separated origins browsers may call from, or `*`; unset: none in production",
    {
      developmentText: "the origin of `FRONTEND_URL`",
      example: "https://app.example.com,https://admin.example.com",
    },
  ),
  HTTP_BODY_LIMIT: doc(
    z
      .preprocess(
        emptyAsUnset,
        z
          .string()
          .regex(/^\d+(b|kb|mb)?$/i, "must be a size such as 100kb or 1mb")
          .default("100kb"),
      )
      .meta({ default: "100kb" }),
    "largest request body (`b`, `kb`, `mb`)",
  ),
  REQUEST_TIMEOUT_MS: doc(
    int(10_000, 100),
    "deadline of every GraphQL request (also PostgreSQL's `statement_timeout`); see [Deadlines](operating.md#deadlines)",
  ),
  SHUTDOWN_TIMEOUT_MS: doc(
    int(10_000, 100),
    "after SIGTERM/SIGINT the process exits within this, whatever is still running",
  ),
  SHUTDOWN_READINESS_DELAY_MS: doc(
    int(0),
    "how long readiness answers 503 before the listener closes (time for load balancers to notice); part of the timeout, so less than it",
  ),
};

const storage = {
  DATABASE_URL: doc(
    optionalUrl(["postgresql", "postgres"], "postgresql://user:password@host:5432/database"),
    "PostgreSQL connection string (`postgresql://` or `postgres://`); unset: the embedded PostgreSQL (PGlite) in `EMBEDDED_DATA_DIR`",
    { production: "required", example: "postgresql://postgres@127.0.0.1:5432/identity" },
  ),
  MIGRATE_ON_START: doc(
    bool(false),
    "`true` applies pending migrations at start-up (what the embedded database always does); off by default, and best left off in production: run `node dist/db/migrate.js` (`npm run db:migrate`) once per release instead, with a role allowed to change the schema ([why](operating.md#migrate_on_start))",
  ),
  EMBEDDED_DATA_DIR: doc(
    text(".data"),
    "where the embedded PostgreSQL keeps its files (`pglite/`) and its socket, when `DATABASE_URL` is unset",
    { notInCompose: "development only: production requires DATABASE_URL" },
  ),
};

const tokens = {
  JWT_ALGORITHM: doc(
    oneOf(["HS256", "RS256", "ES256"], "HS256"),
    "`HS256` (shared secret), `RS256` or `ES256` (private key, public keys at `/.well-known/jwks.json`): see [Tokens other services can verify](federation.md#tokens-other-services-can-verify)",
  ),
  JWT_SECRET_KEY: doc(
    optionalText().refine((v) => v === undefined || Buffer.byteLength(v) >= 32, "must be at least 32 bytes"),
    "HS256 signing secret, at least 32 bytes; unset outside production: a random one per process (tokens end with it). With RS256/ES256, if still set, it only verifies HS256 tokens issued before the switch",
    { production: "required with HS256" },
  ),
  JWT_PRIVATE_KEY: doc(
    optionalText(),
    "RS256/ES256 signing key, PEM (PKCS#8 or PKCS#1/SEC1, unencrypted; `\\n` escapes allowed): RSA of 2048 bits or more for RS256, EC P-256 for ES256; unset outside production: a generated key per process",
    { production: "required with RS256/ES256 (or `JWT_PRIVATE_KEY_FILE`)" },
  ),
  JWT_PRIVATE_KEY_FILE: doc(
    optionalText(),
    "path of a file holding that PEM instead (a mounted secret); not together with `JWT_PRIVATE_KEY`",
  ),
  JWT_PREVIOUS_PUBLIC_KEYS: doc(
    optionalText(),
    "public keys (PEM blocks one after the other) of earlier signing keys: they still verify and stay in the JWKS during a rotation. Remove one only after `JWT_REFRESH_TOKEN_EXPIRE_DAYS` have passed since it stopped signing",
  ),
  JWT_NEXT_PUBLIC_KEYS: doc(
    optionalText(),
    "public key (PEM) of the next signing key: published in the JWKS, and verifying, before it signs, so verifiers that cache the JWKS hold it when it does (step 1 of a rotation: [Tokens other services can verify](federation.md#tokens-other-services-can-verify))",
  ),
  JWT_ISSUER: doc(text("aegis-identity-gateway"), "`iss` of every token, checked on every verification"),
  JWT_AUDIENCE: doc(text("aegis"), "`aud` of every token, checked on every verification"),
  JWT_ACCESS_TOKEN_EXPIRE_MINUTES: doc(
    z
      .preprocess(
        emptyAsUnset,
        z.coerce
          .number()
          .min(1 / 60, "must be at least 1 second (1/60 minute)")
          .default(30),
      )
      .meta({ default: "30" }),
    "access token lifetime; fractions allowed down to one second (`0.1` is 6 s: demos and the frontend example's browser test watch tokens expire)",
  ),
  JWT_REFRESH_TOKEN_EXPIRE_DAYS: doc(
    int(7, 1),
    "refresh token and session lifetime (sliding: each refresh restarts it)",
  ),
  REFRESH_TOKEN_REUSE_GRACE_SECONDS: doc(
    int(10),
    "a just-rotated refresh token presented again within this window, by the client that rotated it (same IP and User-Agent), gets the same new pair (several tabs refreshing at once) instead of counting as theft",
  ),
};

const accounts = {
  BCRYPT_ROUNDS: doc(int(12, 4, 15), "bcrypt cost (4–15); the tests use 4"),
  BCRYPT_CONCURRENCY: doc(
    int(os.availableParallelism(), 1),
    "hashing threads: most hashes running at once; more wait in a queue",
    { defaultText: "number of cores" },
  ),
  BCRYPT_NICE: doc(
    int(19, 0, 19),
    "nice value (0–19) of the hashing threads: at 19 a login flood takes only CPU the event loop leaves idle (see [Performance](performance.md))",
  ),
  MAX_LOGIN_ATTEMPTS: doc(int(5, 1), "failed logins in a row that lock an account"),
  ACCOUNT_LOCKOUT_DURATION_MINUTES: doc(int(15, 1), "how long a lock lasts"),
  MAX_SESSIONS_PER_USER: doc(int(5, 1), "live sessions per user; a new login ends the least recently used"),
  SESSION_TOUCH_INTERVAL_SECONDS: doc(int(60), "`lastUsedAt` of a session is written at most this often"),
  PROFILE_CACHE_TTL_SECONDS: doc(int(300, 1), "profile cache lifetime (every change writes through)"),
};

const recovery = {
  FRONTEND_URL: doc(
    url(HTTP, "http://localhost:3000"),
    "base of the links in verification and reset e-mails (`<FRONTEND_URL>/verify-email?token=…`, `/reset-password?token=…`)",
  ),
  EMAIL_VERIFICATION_TOKEN_TTL_HOURS: doc(int(24, 1), "how long a verification link works"),
  PASSWORD_RESET_TOKEN_TTL_MINUTES: doc(int(60, 1), "how long a reset link works"),
  REQUIRE_EMAIL_VERIFICATION: doc(
    bool(false),
    "`true`: login of an unverified address is refused (`EMAIL_NOT_VERIFIED`)",
  ),
  ONE_TIME_LINK_SECRET: doc(
    optionalText().refine((v) => v === undefined || Buffer.byteLength(v) >= 32, "must be at least 32 bytes"),
    "at least 32 bytes. Derives the tokens of verification and reset links from the references the outbox keeps, so a database copy holds no usable link (see [One-time links](api.md#one-time-links)); changing it ends the links not yet sent. Unset outside production: a random one per process",
    { production: "required" },
  ),
};

const rateLimits = {
  RATE_LIMIT_ENABLED: doc(
    bool(true),
    "`false` turns every rate limit off (benchmarks); see [Rate limits](api.md#rate-limits)",
  ),
  RATE_LIMIT_LOGIN_PER_IP: doc(
    rate("5/1m"),
    "login attempts per client IP (`points/duration`, duration in `s`, `m`, `h` or `d`)",
  ),
  RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT: doc(rate("10/1h"), "failed logins per account (email), across IPs"),
  RATE_LIMIT_REGISTER_PER_IP: doc(rate("3/1h"), "registrations per client IP"),
  RATE_LIMIT_PASSWORD_RESET_PER_EMAIL: doc(rate("3/1h"), "`requestPasswordReset` per email address"),
  RATE_LIMIT_PASSWORD_RESET_PER_IP: doc(rate("10/1h"), "`requestPasswordReset` per client IP"),
  RATE_LIMIT_VERIFICATION_PER_EMAIL: doc(rate("3/1h"), "`requestEmailVerification` per email address"),
  RATE_LIMIT_VERIFICATION_PER_IP: doc(rate("10/1h"), "`requestEmailVerification` per client IP"),
  RATE_LIMIT_TOKEN_PER_IP: doc(rate("20/1h"), "`verifyEmail` and `resetPassword` calls per client IP"),
  RATE_LIMIT_REFRESH_PER_SESSION: doc(rate("60/1h"), "`refreshToken` per session"),
};

const kafka = {
  KAFKA_BOOTSTRAP_SERVERS: doc(
    csv(),
    "comma-separated `host:port` list; unset: the outbox relay is off (it says so at start-up) and events wait in the outbox",
    { example: "127.0.0.1:9092" },
  ),
  KAFKA_CLIENT_ID: doc(text("identity-gateway"), "Kafka client id of the relay's producer"),
  KAFKA_TOPIC_USER_EVENTS: doc(text("user-events"), "topic of the `user.*` events"),
  KAFKA_TOPIC_NOTIFICATIONS: doc(
    text("aegis.notification.requested.v1"),
    "topic of the requests to the notification service",
  ),
  KAFKA_IDEMPOTENT_PRODUCER: doc(
    bool(false),
    "kafkajs's idempotent producer (see [Events](events.md#how-it-works-outbox-and-relay) for why it is off by default)",
  ),
  KAFKA_REQUEST_TIMEOUT_MS: doc(
    int(10000, 100),
    "kafkajs request timeout; a publish counts as failed after twice this plus 1 s",
  ),
  KAFKA_RELAY_BATCH_SIZE: doc(
    int(100, 1, 10000),
    "most outbox rows (and keys) the relay publishes per round",
  ),
  KAFKA_RELAY_POLL_INTERVAL_MS: doc(
    int(1000, 10),
    "how often an idle relay looks for new rows (a busy one goes on at once)",
  ),
  KAFKA_RELAY_BACKOFF_MS: doc(
    int(1000, 10),
    "first retry delay after a failed publish: it doubles per attempt up to `KAFKA_RELAY_MAX_BACKOFF_MS`, with jitter",
  ),
  KAFKA_RELAY_MAX_BACKOFF_MS: doc(int(60000, 10), "longest retry delay after failed publishes"),
  KAFKA_RELAY_HOUSEKEEPING_SECONDS: doc(
    int(60, 1),
    "how often the relay logs the outbox backlog and deletes old published rows",
  ),
  KAFKA_OUTBOX_RETENTION_HOURS: doc(
    int(168),
    "published outbox rows are deleted after this long (unpublished rows never are)",
  ),
};

const businessRegistry = {
  BUSINESS_REGISTRY_URL: doc(
    optionalUrl(HTTP, "https://registry.example/status"),
    "the national business registry's status API; unset: numbers are checked by their check digit only and saved `UNVERIFIED`",
  ),
  BUSINESS_REGISTRY_API_KEY: doc(optionalText(), "sent as the `serviceKey` query parameter"),
  BUSINESS_REGISTRY_TIMEOUT_MS: doc(
    int(3000, 50),
    "a registry call that takes longer is abandoned (the number is saved `UNVERIFIED`)",
  ),
  BUSINESS_REGISTRY_BREAKER_VOLUME: doc(
    int(5, 1),
    "circuit breaker: calls in the last minute before it may open",
  ),
  BUSINESS_REGISTRY_BREAKER_ERROR_PERCENT: doc(
    int(50, 1, 100),
    "circuit breaker: share of failing calls that opens it",
  ),
  BUSINESS_REGISTRY_BREAKER_RESET_SECONDS: doc(
    int(30, 1),
    "circuit breaker: how long the registry is left alone once open, before one trial call",
  ),
};

const graphql = {
  GRAPHQL_INTROSPECTION: doc(
    optionalBool(),
    "schema introspection (and field suggestions in errors); the playground needs it",
    { defaultText: "`true`", production: "`false` unless set" },
  ),
  PLAYGROUND_ENABLED: doc(
    optionalBool(),
    "GraphiQL at `GET /graphql` for browsers; `true` needs `GRAPHQL_INTROSPECTION=true`",
    { defaultText: "`true`", production: "`false` unless set" },
  ),
  FEDERATION_SDL_ACCESS: doc(
    optionalOneOf(["open", "secret", "off"]),
    "who may read the subgraph SDL (`_service { sdl }`, the whole schema): `open` anyone, `secret` a router sending `X-Federation-SDL-Secret`, `off` no one (compose from `schema.graphql`): see [docs/federation.md](federation.md#who-may-read-the-subgraph-sdl)",
    { defaultText: "`open` where introspection is on", production: "`off` unless set" },
  ),
  FEDERATION_SDL_SECRET: doc(
    optionalText(),
    "the shared secret for `FEDERATION_SDL_ACCESS=secret`, at least 32 bytes; refused with any other setting",
  ),
  GRAPHQL_ALLOW_BATCHING: doc(bool(false), "accept several operations in one HTTP request (a JSON array)"),
  GRAPHQL_MAX_DEPTH: doc(int(10, 1), "deepest selection"),
  GRAPHQL_MAX_ALIASES: doc(int(15, 0), "most aliases in an operation"),
  GRAPHQL_MAX_TOKENS: doc(int(1000, 1), "most lexical tokens in a document"),
  GRAPHQL_MAX_COST: doc(int(5000, 1), "highest graphql-armor cost of an operation"),
  GRAPHQL_MAX_DIRECTIVES: doc(int(50, 0), "most directives in an operation"),
  GRAPHQL_MAX_LIST_SIZE: doc(int(100, 1), "longest list argument or page size (`first`, `limit`…)"),
  GRAPHQL_WS_MAX_SUBSCRIPTIONS: doc(
    int(20, 1),
    "subscriptions one WebSocket may hold at once (more: `TOO_MANY_SUBSCRIPTIONS` for that operation)",
  ),
  GRAPHQL_WS_MAX_CONNECTIONS_PER_USER: doc(
    int(10, 1),
    "WebSockets one user may hold, counted across every gateway process in Redis (more: close 1008 `TOO_MANY_CONNECTIONS`)",
  ),
};

const observability = {
  LOG_LEVEL: doc(
    oneOf(["fatal", "error", "warn", "info", "debug", "trace", "silent"], "info"),
    "`fatal` … `trace`, or `silent`",
  ),
  LOG_FORMAT: doc(
    optionalOneOf(["json", "pretty"]),
    "`json`: one JSON object per line, for log pipelines (and the tests, which read them); `pretty`: coloured lines for a person at a terminal (`pino-pretty`, a development dependency)",
    { defaultText: "`json`" },
  ),
  METRICS_TOKEN: doc(optionalText(), "when set, `/metrics` answers only `Authorization: Bearer <token>`"),
  OTEL_EXPORTER_OTLP_ENDPOINT: doc(
    optionalUrl(HTTP, "http://otel-collector:4318"),
    "OTLP/HTTP base URL of a collector (`/v1/traces` is appended); unset: no tracing, and its SDK is never loaded",
    { example: "http://127.0.0.1:4318" },
  ),
  OTEL_SERVICE_NAME: doc(text("aegis-identity-gateway"), "service name on spans"),
  TRACING_SAMPLE_RATIO: doc(ratio(1, 0, 1), "share of new traces kept, 0–1 (parent decisions are followed)"),
};

/** The sections of the configuration reference, in order. */
export const SECTIONS = [
  { title: "Server", variables: server },
  { title: "Database", variables: storage },
  { title: "Redis", variables: redis },
  { title: "Tokens", variables: tokens },
  { title: "Passwords, lockout and sessions", variables: accounts },
  { title: "Account recovery", variables: recovery },
  { title: "Rate limits", variables: rateLimits },
  { title: "Events (Kafka)", variables: kafka },
  { title: "Business registry", variables: businessRegistry },
  { title: "GraphQL", variables: graphql },
  { title: "Logs, metrics and tracing", variables: observability },
] as const;

export const schema = z.object({
  ...server,
  ...storage,
  ...redis,
  ...tokens,
  ...accounts,
  ...recovery,
  ...rateLimits,
  ...kafka,
  ...businessRegistry,
  ...graphql,
  ...observability,
});

export type Environment = z.infer<typeof schema>;
