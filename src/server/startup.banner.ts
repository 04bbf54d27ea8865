import path from "node:path";
import type { Config } from "../config";

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
    redis: config.redis.url
      ? { embedded: false as const, url: withoutCredentials(config.redis.url) }
      : { embedded: true as const },
    kafka: brokers?.length ? { brokers } : undefined,
  };
}

export function startupBanner(config: Config, port: number): string {
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
  ];
  if (embedded) {
    lines.push(
      "",
      " ! Embedded defaults: one process only, not for production. Sessions and limits are not",
      "   shared with other processes and vanish on restart; users and data stay in the data folder.",
      "   For real services set DATABASE_URL, REDIS_URL and KAFKA_BOOTSTRAP_SERVERS (README, Quick start).",
    );
  }
  if (!config.isProduction) {
    lines.push(
      "",
      " First admin (in another terminal, while this runs):",
      "   npm run admin:create -- --email admin@example.com --password 'Chang3-Me!now'",
    );
  }
  lines.push(rule);
  return `${lines.join("\n")}\n`;
}
