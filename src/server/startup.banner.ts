import path from "node:path";
import type { Config } from "../config";
import { schema } from "../config/variables";
import { describeRedis } from "../config/redis";

/**
 * What the gateway says when it is ready: where to point a browser, which backends are embedded
 * and which are real, and, on embedded defaults, what that means and how to create the first
 * admin. Plain text for a person at a terminal; `startupFacts` is the same for a log line.
 */

/** A connection URL without its credentials, for display. */
function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}

export function publicUrl(config: Config, port: number): string {
  const host = config.http.host;
  const shown = host === "0.0.0.0" || host === "::" ? "localhost" : host.includes(":") ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}

export function startupFacts(config: Config, port: number) {
  const base = publicUrl(config, port);
  const database = config.embedded.database;
  // The Kafka settings arrive with the outbox relay; until then events wait in the outbox.
  const brokers = (config as { kafka?: { brokers?: string[] } }).kafka?.brokers;
  return {
    graphql: `${base}/graphql`,
    playground: config.playground.enabled ? `${base}/graphql` : undefined,
    database: database
      ? { embedded: true as const, dataDir: database.pgliteDir }
      : { embedded: false as const, url: withoutCredentials(config.databaseUrl) },
    redis: config.embedded.redis
      ? { embedded: true as const }
      : { embedded: false as const, url: describeRedis(config.redis) },
    kafka: brokers?.length ? { brokers } : undefined,
  };
}

/** `5/1m` for a limit of 5 points per 60 seconds. */
function formatRate({ points, durationSeconds }: { points: number; durationSeconds: number }): string {
  const units: Array<[string, number]> = [
    ["d", 86400],
    ["h", 3600],
    ["m", 60],
    ["s", 1],
  ];
  const [unit, seconds] = units.find(([, size]) => durationSeconds % size === 0)!;
  return `${points}/${durationSeconds / seconds}${unit}`;
}

const productionDefault = (name: keyof typeof schema.shape) => schema.shape[name].meta()?.default;

/** Lines on the development defaults in use (config/development.ts), in a developer's words. */
function developmentLines(config: Config): string[] {
  const defaults = new Set(config.developmentDefaults);
  const lines: string[] = [];
  if (defaults.has("HOST")) {
    lines.push(
      `   Listening   ${config.http.host} only: other machines cannot reach it (HOST=0.0.0.0 lets them)`,
    );
  }
  if (config.env === "development" && config.hardening.corsOrigins.length > 0) {
    lines.push(`   Browsers    may call from ${config.hardening.corsOrigins.join(", ")} (CORS_ORIGINS)`);
  }
  if ([...defaults].some((name) => name.startsWith("RATE_LIMIT_")) && config.rateLimits.enabled) {
    const { loginPerIp, registerPerIp } = config.rateLimits.limits;
    lines.push(
      `   Rate limits relaxed for development: login ${formatRate(loginPerIp)}, register ${formatRate(registerPerIp)} per IP`,
      `               (production keeps ${productionDefault("RATE_LIMIT_LOGIN_PER_IP")} and ${productionDefault("RATE_LIMIT_REGISTER_PER_IP")}; RATE_LIMIT_* in docs/configuration.md)`,
    );
  }
  return lines;
}

export interface BannerOptions {
  /** Whether an active ADMIN exists: the first-admin hint shows only while none does. */
  adminExists: boolean;
}

export function startupBanner(config: Config, port: number, options: BannerOptions): string {
  const facts = startupFacts(config, port);
  const embedded = facts.database.embedded || facts.redis.embedded;
  const relative = (dir: string) => {
    const rel = path.relative(process.cwd(), dir);
    return rel && !rel.startsWith("..") ? rel : dir;
  };
  const rule = "─".repeat(78);
  const lines = [
    rule,
    ` Aegis identity gateway is ready: ${facts.graphql}`,
    "",
    facts.playground
      ? `   Playground  ${facts.playground}   (open it in a browser)`
      : "   Playground  off (PLAYGROUND_ENABLED=true with GRAPHQL_INTROSPECTION=true turns it on)",
    facts.database.embedded
      ? `   Database    embedded PostgreSQL (PGlite) in ${relative(facts.database.dataDir)}, migrations applied`
      : `   Database    PostgreSQL ${facts.database.url}`,
    facts.redis.embedded
      ? "   Redis       in-process (sessions, limits and PubSub live in this process)"
      : `   Redis       ${facts.redis.url}`,
    facts.kafka
      ? `   Kafka       ${facts.kafka.brokers.join(",")}`
      : "   Kafka       not configured: events wait in the outbox table",
    ...developmentLines(config),
  ];
  if (embedded) {
    lines.push(
      "",
      " ! Embedded defaults: one process only, not for production. Sessions and limits are not",
      "   shared with other processes and vanish on restart; users and data stay in the data folder.",
      "   For real services set DATABASE_URL, REDIS_URL and KAFKA_BOOTSTRAP_SERVERS (docs/getting-started.md).",
    );
  }
  if (!config.isProduction && !options.adminExists) {
    lines.push(
      "",
      " No admin yet. First admin (in another terminal, while this runs; it asks for the password):",
      "   npm run admin:create -- --email admin@example.com --password-stdin",
    );
  }
  lines.push(rule);
  return `${lines.join("\n")}\n`;
}
