// Which failures mean "a dependency is unreachable right now" (retry later) rather than a bug:
// connection refused or lost, pool or command timeouts, a Redis Cluster without a reachable node,
// Sentinels that cannot name a master. Requests that meet one answer SERVICE_UNAVAILABLE.

export type Dependency = "database" | "redis";

/** Node's socket errors: nobody listens, the peer went away, the network is in the way. */
const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * PostgreSQL and Prisma codes of an unavailable database: admin shutdown, crash shutdown, cannot
 * connect now, too many connections; P1001 can't reach, P1002 timed out, P1017 connection closed,
 * P2024 no pool connection in time.
 */
const DATABASE_CODES = new Set(["57P01", "57P02", "57P03", "53300", "P1001", "P1002", "P1017", "P2024"]);

const DATABASE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Can't reach database server|Server has closed the connection|connection (is )?(closed|ended)|Client has encountered a connection error/i;

/** ioredis: every node of a cluster failed, no master from the sentinels, a closed connection. */
const REDIS_NAMES = new Set(["MaxRetriesPerRequestError", "ClusterAllFailedError"]);
const REDIS_MESSAGES =
  /Connection is closed|All sentinels are unreachable|Failed to refresh slots cache|None of startup nodes is available|Cluster isn't ready|Stream isn't writeable|Reached the max retries per request limit|CLUSTERDOWN|LOADING|MASTERDOWN|READONLY|TRYAGAIN|failed to connect to|ended by the server|connection lost/i;

function* chain(error: unknown): Generator<Record<string, unknown>> {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    yield current as Record<string, unknown>;
    const next = current as { cause?: unknown; originalError?: unknown; lastNodeError?: unknown };
    current = next.cause ?? next.originalError ?? next.lastNodeError;
  }
}

/** Whether an error (or its causes) comes from Prisma, its driver adapter or pg. */
function fromDatabase(links: Array<Record<string, unknown>>): boolean {
  return links.some((link) => {
    const name = String(link.name ?? (link.constructor as { name?: string } | undefined)?.name ?? "");
    return /^Prisma|DriverAdapterError|DatabaseError/.test(name) || typeof link.clientVersion === "string";
  });
}

/** The dependency an error says is unreachable, or undefined for any other error. */
export function unavailableDependency(error: unknown): Dependency | undefined {
  const links = [...chain(error)];
  if (links.length === 0) return undefined;
  const database = fromDatabase(links);
  for (const link of links) {
    const code = typeof link.code === "string" ? link.code : undefined;
    const name = String(link.name ?? "");
    const message = typeof link.message === "string" ? link.message : "";
    if (database) {
      if ((code && (DATABASE_CODES.has(code) || SOCKET_CODES.has(code))) || DATABASE_MESSAGES.test(message)) {
        return "database";
      }
      // Prisma's adapter puts the driver's error kind in `cause.kind` / `cause.originalCode`.
      const original = typeof link.originalCode === "string" ? link.originalCode : undefined;
      if (original && (DATABASE_CODES.has(original) || SOCKET_CODES.has(original))) return "database";
      continue;
    }
    if (REDIS_NAMES.has(name) || REDIS_MESSAGES.test(message)) return "redis";
  }
  return undefined;
}
